#pragma once
// JSON Web Tokens, HS256 only (RFC 7519, RFC 7515), hardened as RFC 8725 asks: the algorithm is
// fixed by the verifier, never read from the token; the kid must name the verifier's own key.
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "core/keys.hpp"
#include "core/result.hpp"

namespace latchkey::jwt {

constexpr std::size_t kMaxTokenBytes = 8192;

std::string base64url_encode(std::string_view bytes);

// header.payload.signature with header {"alg":"HS256","typ":"JWT","kid":key.kid}.
std::string sign_hs256(const cJSON* claims, const SigningKey& key);

// Checks form, header (alg HS256, kid equal to key.kid) and signature; returns the payload object.
// Claims (exp, aud, ...) are the caller's to check. Errc::invalid_token on any failure.
Result<Json> verify_hs256(std::string_view token, const SigningKey& key);

}  // namespace latchkey::jwt
