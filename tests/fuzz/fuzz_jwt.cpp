// libFuzzer target: the JWT decoder. Whatever the input, verification must refuse it cleanly
// unless it is a token this key signed; and any JSON object it signs must verify to itself.
#include <sodium.h>

#include <cstdint>
#include <string_view>

#include "core/json.hpp"
#include "core/jwt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace latchkey;
    if (sodium_init() < 0) __builtin_trap();
    static const SigningKey key = [] {
        SigningKey k;
        k.secret.fill(0x42);
        k.kid = "1-fuzz";
        return k;
    }();
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    (void)jwt::verify_hs256(input, key);

    auto parsed = parse_json_strict(input);
    if (auto* claims = std::get_if<Json>(&parsed); claims && cJSON_IsObject(claims->get())) {
        const std::string token = jwt::sign_hs256(claims->get(), key);
        auto verified = jwt::verify_hs256(token, key);
        if (token.size() <= jwt::kMaxTokenBytes &&
            (!verified || json_render(verified->get()) != json_render(claims->get()))) {
            __builtin_trap();  // a token we signed did not verify to what we signed
        }
    }
    return 0;
}
