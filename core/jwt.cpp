#include "core/jwt.hpp"

#include <sodium.h>

#include <vector>

namespace latchkey::jwt {
namespace {

constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

std::optional<std::string> base64url_decode(std::string_view text) {
    std::string out(text.size() * 3 / 4 + 3, '\0');
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                          text.size(), nullptr, &len, &end, kVariant) != 0 ||
        end != text.data() + text.size()) {
        return std::nullopt;
    }
    out.resize(len);
    return out;
}

std::string mac(std::string_view signing_input, const SigningKey& key) {
    unsigned char tag[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, key.secret.data(), key.secret.size());
    crypto_auth_hmacsha256_update(
        &state, reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
    crypto_auth_hmacsha256_final(&state, tag);
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(tag), sizeof tag));
}

Error invalid(const char* why) {
    return make_error(Errc::invalid_token, why);
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
    std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                      bytes.size(), kVariant);
    out.resize(out.size() - 1);  // the terminating NUL
    return out;
}

std::string sign_hs256(const cJSON* claims, const SigningKey& key) {
    Json header = json_object();
    json_put(header.get(), "alg", "HS256");
    json_put(header.get(), "typ", "JWT");
    json_put(header.get(), "kid", key.kid);
    std::string input =
        base64url_encode(json_render(header.get())) + "." + base64url_encode(json_render(claims));
    std::string signature = mac(input, key);
    return input + "." + signature;
}

Result<Json> verify_hs256(std::string_view token, const SigningKey& key) {
    if (token.empty() || token.size() > kMaxTokenBytes) return invalid("token size");
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
        return invalid("not three segments");
    }
    const std::string_view signing_input = token.substr(0, dot2);
    const std::string_view signature = token.substr(dot2 + 1);
    // Compare encoded signatures: a second spelling of the same bytes (unused low bits of the
    // last character) is a different token and must not verify.
    const std::string expected = mac(signing_input, key);
    if (signature.size() != expected.size() ||
        sodium_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
        return invalid("bad signature");
    }
    auto header_text = base64url_decode(token.substr(0, dot1));
    auto payload_text = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    if (!header_text || !payload_text) return invalid("bad base64url");
    auto header = parse_json_strict(*header_text);
    auto payload = parse_json_strict(*payload_text);
    if (!std::holds_alternative<Json>(header) || !std::holds_alternative<Json>(payload)) {
        return invalid("bad json");
    }
    const cJSON* h = std::get<Json>(header).get();
    if (!cJSON_IsObject(h) || json_string(h, "alg") != std::string_view("HS256")) {
        return invalid("alg");
    }
    if (json_string(h, "kid") != std::string_view(key.kid)) return invalid("kid");
    if (cJSON_GetObjectItemCaseSensitive(h, "crit") != nullptr) return invalid("crit");
    Json claims = std::move(std::get<Json>(payload));
    if (!cJSON_IsObject(claims.get())) return invalid("payload not an object");
    return claims;
}

}  // namespace latchkey::jwt
