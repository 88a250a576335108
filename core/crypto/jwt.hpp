#pragma once
// JSON Web Tokens (RFC 7519, RFC 7515) signed HS256 or EdDSA (Ed25519, RFC 8037), hardened as
// RFC 8725 asks: the kid picks one of the verifier's own keys and that key fixes the algorithm;
// the token's alg must merely agree.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/base/json.hpp"
#include "core/base/result.hpp"
#include "core/crypto/keys.hpp"

namespace latchkey::jwt {

constexpr std::size_t kMaxTokenBytes = 8192;
constexpr std::int64_t kClockSkew = 60;  // seconds of leeway for iat/nbf from a clock ahead of ours

std::string base64url_encode(std::string_view bytes);
// Unpadded base64url only; nullopt for anything else.
std::optional<std::string> base64url_decode(std::string_view text);

// header.payload.signature with header {"alg":<key's alg>,"typ":"JWT","kid":key.kid}.
std::string sign(const cJSON* claims, const SigningKey& key);

// The verifier's key named by a token's kid, or null when it has none by that name; an Error
// (a database failure) is passed through unchanged.
using KeyLookup = std::function<Result<const SigningKey*>(std::string_view kid)>;

// Checks form, header (a kid the lookup knows, alg equal to that key's) and signature; returns the
// payload object. Claims (exp, aud, ...) are the caller's to check. Errc::invalid_token on any
// failure of the token itself.
Result<Json> verify(std::string_view token, const KeyLookup& key_for);

}  // namespace latchkey::jwt
