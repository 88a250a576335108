#include "core/auth/tokens.hpp"

#include <cctype>

#include "core/crypto/ids.hpp"
#include "core/crypto/jwt.hpp"

namespace latchkey {
namespace {

using jwt::kClockSkew;

bool audience_matches(const cJSON* claims, std::string_view site) {
    const cJSON* aud = cJSON_GetObjectItemCaseSensitive(claims, "aud");
    if (cJSON_IsString(aud)) return site == aud->valuestring;
    if (cJSON_IsArray(aud)) {
        const cJSON* item = nullptr;
        cJSON_ArrayForEach(item, aud) {
            if (cJSON_IsString(item) && site == item->valuestring) return true;
        }
    }
    return false;
}

}  // namespace

Result<std::string> sign_for_site(const SiteTokens& who, const cJSON* claims, std::int64_t now) {
    auto key = who.keys.current(who.store, who.site, now);
    if (!key) return key.error();
    return jwt::sign(claims, **key);
}

Result<IssuedToken> issue_access_token(const SiteTokens& who, std::string_view subject,
                                       std::int64_t ttl, const cJSON* extra, std::int64_t now) {
    IssuedToken issued{{}, new_hex_id(16), now, now + ttl};
    Json claims = json_object();
    json_put(claims.get(), "iss", who.issuer);
    json_put(claims.get(), "aud", who.site);
    json_put(claims.get(), "sub", subject);
    json_put(claims.get(), "iat", issued.issued_at);
    json_put(claims.get(), "exp", issued.expires_at);
    json_put(claims.get(), "jti", issued.jti);
    if (extra != nullptr) {
        const cJSON* item = nullptr;
        cJSON_ArrayForEach(item, extra) {
            cJSON_AddItemToObject(claims.get(), item->string, cJSON_Duplicate(item, true));
        }
    }
    auto token = sign_for_site(who, claims.get(), now);
    if (!token) return token.error();
    issued.token = std::move(*token);
    return issued;
}

Result<VerifiedToken> verify_site_token(const SiteTokens& who, std::string_view token,
                                        std::int64_t now) {
    auto claims = jwt::verify(
        token, [&](std::string_view kid) { return who.keys.find(who.store, who.site, kid, now); });
    if (!claims) return claims.error();
    const cJSON* c = claims->get();
    const auto iss = json_string(c, "iss");
    const auto sub = json_string(c, "sub");
    const auto jti = json_string(c, "jti");
    const auto iat = json_integer(c, "iat");
    const auto exp = json_integer(c, "exp");
    if (!iss || *iss != who.issuer) return make_error(Errc::invalid_token, "iss");
    if (!audience_matches(c, who.site)) return make_error(Errc::invalid_token, "aud");
    if (!sub || sub->empty() || !jti || jti->empty() || !iat || !exp) {
        return make_error(Errc::invalid_token, "missing claim");
    }
    if (*exp <= now) return make_error(Errc::invalid_token, "expired");
    if (*iat > now + kClockSkew) return make_error(Errc::invalid_token, "issued in the future");
    if (cJSON_GetObjectItemCaseSensitive(c, "nbf") != nullptr) {
        const auto nbf = json_integer(c, "nbf");
        if (!nbf || *nbf > now + kClockSkew)
            return make_error(Errc::invalid_token, "not yet valid");
    }
    auto revoked = who.store.prepare("SELECT 1 FROM revoked_tokens WHERE jti = ?1");
    if (!revoked) return revoked.error();
    revoked->bind(1, *jti);
    auto row = revoked->step();
    if (!row) return row.error();
    if (*row) return make_error(Errc::invalid_token, "revoked");
    return VerifiedToken{std::string(*sub), std::string(*jti), *iat, *exp, std::move(*claims)};
}

Result<void> revoke_access_token(Store& store, std::string_view site, const VerifiedToken& token,
                                 std::int64_t now) {
    {
        auto insert = store.prepare(
            "INSERT INTO revoked_tokens(jti, site, expires_at) VALUES (?1, ?2, ?3) "
            "ON CONFLICT(jti) DO NOTHING");
        if (!insert) return insert.error();
        insert->bind(1, token.jti).bind(2, site).bind(3, token.expires_at);
        if (auto r = insert->run(); !r) return r;
    }
    auto purge = store.prepare(
        "DELETE FROM revoked_tokens WHERE jti IN "
        "(SELECT jti FROM revoked_tokens WHERE expires_at <= ?1 ORDER BY expires_at LIMIT 100)");
    if (!purge) return purge.error();
    purge->bind(1, now);
    return purge->run();
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
    constexpr std::string_view scheme = "bearer";
    if (authorization.size() <= scheme.size() + 1) return std::nullopt;
    for (std::size_t i = 0; i < scheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i])
            return std::nullopt;
    }
    if (authorization[scheme.size()] != ' ') return std::nullopt;
    std::string_view token = authorization.substr(scheme.size() + 1);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (token.empty()) return std::nullopt;
    return token;
}

}  // namespace latchkey
