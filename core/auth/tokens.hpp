#pragma once
// A site's signed tokens (access, refresh, Cognito ID): who mints them, what they claim, how
// they are checked and revoked.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/json.hpp"
#include "core/base/result.hpp"
#include "core/crypto/signing_keys.hpp"
#include "core/store/store.hpp"

namespace latchkey {

// One site's signing and verifying context: its keys, its issuer and its audience.
struct SiteTokens {
    SigningKeys& keys;
    Store& store;             // where the site's key versions are recorded
    std::string_view issuer;  // iss
    std::string_view site;    // aud, and the signing key
};

struct IssuedToken {
    std::string token;
    std::string jti;
    std::int64_t issued_at;
    std::int64_t expires_at;
};

struct VerifiedToken {
    std::string subject;  // sub
    std::string jti;
    std::int64_t issued_at;
    std::int64_t expires_at;
    Json claims;  // everything, for contract-specific claims such as `type`
};

// Mints iss, aud, sub, iat, exp, jti plus `extra` (an object; may be null) for `ttl` seconds.
Result<IssuedToken> issue_access_token(const SiteTokens& who, std::string_view subject,
                                       std::int64_t ttl, const cJSON* extra, std::int64_t now);

// Signs `claims` as they are with the site's current key (refresh and Cognito-shaped tokens).
Result<std::string> sign_for_site(const SiteTokens& who, const cJSON* claims, std::int64_t now);

// Any token the site signed (access or refresh): signature, kid, iss, aud, exp, nbf, iat and
// revocation; Errc::invalid_token unless all hold. What kind of token it is, the caller checks.
Result<VerifiedToken> verify_site_token(const SiteTokens& who, std::string_view token,
                                        std::int64_t now);

// Refuses the token's jti from now until it would have expired anyway; rows of tokens that have
// expired since are purged on the way (a bounded batch per call).
Result<void> revoke_access_token(Store& store, std::string_view site, const VerifiedToken& token,
                                 std::int64_t now);

// Extracts the token of an `Authorization: Bearer <token>` header value (scheme case-insensitive).
std::optional<std::string_view> bearer_token(std::string_view authorization);

}  // namespace latchkey
