// libFuzzer target: the JWT decoder. Whatever the input, verification must refuse it cleanly
// unless it is a token this key signed; and any JSON object it signs must verify to itself.
#include <sodium.h>

#include <cstdint>
#include <string_view>

#include "core/base/json.hpp"
#include "core/crypto/jwt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace latchkey;
    if (sodium_init() < 0) __builtin_trap();
    static const auto ring = KeyRing::from_master(std::array<unsigned char, 32>{0x42});
    static const SigningKey& hs256 = ring->signing_key("fuzz", 1, SigningAlg::hs256);
    static const SigningKey& eddsa = ring->signing_key("fuzz", 2, SigningAlg::eddsa);
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const jwt::KeyLookup either = [](std::string_view kid) -> Result<const SigningKey*> {
        if (kid == hs256.kid) return &hs256;
        if (kid == eddsa.kid) return &eddsa;
        return nullptr;
    };
    (void)jwt::verify(input, either);

    auto parsed = parse_json_strict(input);
    if (auto* claims = std::get_if<Json>(&parsed); claims && cJSON_IsObject(claims->get())) {
        for (const SigningKey* key : {&hs256, &eddsa}) {
            const std::string token = jwt::sign(claims->get(), *key);
            auto verified = jwt::verify(token, either);
            if (token.size() <= jwt::kMaxTokenBytes &&
                (!verified || json_render(verified->get()) != json_render(claims->get()))) {
                __builtin_trap();  // a token we signed did not verify to what we signed
            }
        }
    }
    return 0;
}
