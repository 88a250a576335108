#pragma once
// A signed-in account's sessions, the same on every password contract: each sign-in is a session
// (core's refresh family; on contracts that hand out access tokens only, one without refresh
// tokens whose id the access token carries as `fam`), listed with where it began and when it was
// last used, ended one at a time, or all at once (sign out everywhere).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/auth/sessions.hpp"
#include "handlers/context.hpp"

namespace latchkey {

// The routes, the same on every password contract. Revoking names the session in the body: the
// router matches whole paths, so no client-chosen path segment ever reaches a route table.
inline constexpr std::string_view kSessionsPath = "/api/auth/sessions";
inline constexpr std::string_view kRevokeSessionPath = "/api/auth/sessions/revoke";
inline constexpr std::string_view kRevokeAllSessionsPath = "/api/auth/sessions/revoke-all";
inline constexpr std::string_view kSessionNotFound = "Session not found";

// At most this many sessions are listed (the newest).
inline constexpr int kSessionsListed = 100;

// The request's User-Agent and client address, as a new session records where it began.
SessionOrigin session_origin(const Request& request);

// A sign-in on a contract that hands out access tokens only: a new session, and an access token
// (config access_token_ttl, carrying `fam`) that ends with it.
Result<IssuedToken> sign_in_token(Services& services, const Request& request,
                                  const Account& account, std::int64_t now);

// A logout: the session the caller's token belongs to ends (its refresh tokens and every access
// token naming it). Nothing for a token issued before sessions were recorded.
Result<void> end_current_session(Context& c);

// Each contract's names for a session's fields.
struct SessionNames {
    const char* id;
    const char* created_at;
    const char* last_used_at;
    const char* expires_at;
    const char* user_agent;
    const char* ip_address;
    const char* current;
};
inline constexpr SessionNames kCamelCaseSessions{
    "id", "createdAt", "lastUsedAt", "expiresAt", "userAgent", "ipAddress", "current"};
inline constexpr SessionNames kSnakeCaseSessions{
    "id", "created_at", "last_used_at", "expires_at", "user_agent", "ip_address", "current"};

// 200 {"sessions": [...]}: the caller's live sessions, newest first; `current` marks the one the
// caller's token belongs to.
Outcome list_sessions(Context& c, const SessionNames& names);

// Ends the caller's session `id` (audited as `session.revoke`): Errc::not_found unless it is one
// of the caller's live sessions. `answer` is told whether it was the caller's own.
Outcome revoke_session(Context& c, std::string_view id,
                       const std::function<Outcome(bool current)>& answer);

// Ends every session and access token of the caller's account, the caller's own included
// (end_sessions; audited as `session.revoke_all`).
Outcome revoke_all_sessions(Context& c, const std::function<Outcome()>& answer);

}  // namespace latchkey
