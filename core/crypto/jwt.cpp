#include "core/crypto/jwt.hpp"

#include <sodium.h>

#include <vector>

namespace latchkey::jwt {
namespace {

constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

std::string mac(std::string_view signing_input, const SigningKey& key) {
    unsigned char tag[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, key.secret.data(), key.secret.size());
    crypto_auth_hmacsha256_update(
        &state, reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
    crypto_auth_hmacsha256_final(&state, tag);
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(tag), sizeof tag));
}

std::string signature_of(std::string_view signing_input, const SigningKey& key) {
    if (key.alg == SigningAlg::hs256) return mac(signing_input, key);
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(signing_input.data()),
                         signing_input.size(), key.ed25519_secret.data());
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(sig), sizeof sig));
}

// Encoded signatures are compared, and Ed25519's re-encoded: a second spelling of the same bytes
// (unused low bits of the last character) is a different token and must not verify.
bool signature_holds(std::string_view signing_input, std::string_view signature,
                     const SigningKey& key) {
    if (key.alg == SigningAlg::hs256) {
        const std::string expected = mac(signing_input, key);
        return signature.size() == expected.size() &&
               sodium_memcmp(signature.data(), expected.data(), expected.size()) == 0;
    }
    auto bytes = base64url_decode(signature);
    if (!bytes || bytes->size() != crypto_sign_BYTES || base64url_encode(*bytes) != signature)
        return false;
    return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(bytes->data()),
                                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                                       signing_input.size(), key.ed25519_public.data()) == 0;
}

Error invalid(const char* why) {
    return make_error(Errc::invalid_token, why);
}

}  // namespace

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

std::string base64url_encode(std::string_view bytes) {
    std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                      bytes.size(), kVariant);
    out.resize(out.size() - 1);  // the terminating NUL
    return out;
}

std::string sign(const cJSON* claims, const SigningKey& key) {
    Json header = json_object();
    json_put(header.get(), "alg", alg_name(key.alg));
    json_put(header.get(), "typ", "JWT");
    json_put(header.get(), "kid", key.kid);
    std::string input =
        base64url_encode(json_render(header.get())) + "." + base64url_encode(json_render(claims));
    std::string signature = signature_of(input, key);
    return input + "." + signature;
}

Result<Json> verify(std::string_view token, const KeyLookup& key_for) {
    if (token.empty() || token.size() > kMaxTokenBytes) return invalid("token size");
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
        return invalid("not three segments");
    }
    auto header_text = base64url_decode(token.substr(0, dot1));
    if (!header_text) return invalid("bad base64url");
    auto header = parse_json_strict(*header_text);
    if (!std::holds_alternative<Json>(header)) return invalid("bad json");
    const cJSON* h = std::get<Json>(header).get();
    if (!cJSON_IsObject(h)) return invalid("header not an object");
    const auto kid = json_string(h, "kid");
    if (!kid) return invalid("kid");
    auto key = key_for(*kid);
    if (!key) return key.error();
    if (*key == nullptr) return invalid("unknown kid");
    if (json_string(h, "alg") != std::optional<std::string_view>(alg_name((*key)->alg))) {
        return invalid("alg");
    }
    if (cJSON_GetObjectItemCaseSensitive(h, "crit") != nullptr) return invalid("crit");
    const std::string_view signing_input = token.substr(0, dot2);
    if (!signature_holds(signing_input, token.substr(dot2 + 1), **key)) {
        return invalid("bad signature");
    }
    auto payload_text = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    if (!payload_text) return invalid("bad base64url");
    auto payload = parse_json_strict(*payload_text);
    if (!std::holds_alternative<Json>(payload)) return invalid("bad json");
    Json claims = std::move(std::get<Json>(payload));
    if (!cJSON_IsObject(claims.get())) return invalid("payload not an object");
    return claims;
}

}  // namespace latchkey::jwt
