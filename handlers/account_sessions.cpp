#include "handlers/account_sessions.hpp"

#include "core/auth/end_sessions.hpp"
#include "core/base/clock.hpp"
#include "handlers/auth.hpp"

namespace latchkey {
namespace {

// The session the caller's token belongs to (`fam`), or empty for a token issued before
// sessions were recorded.
std::string_view current_session(const Context& c) {
    return json_string(c.who().token.claims.get(), "fam").value_or("");
}

}  // namespace

SessionOrigin session_origin(const Request& request) {
    return SessionOrigin{std::string(request.header("User-Agent").value_or("")),
                         std::string(request.param("REMOTE_ADDR").value_or(""))};
}

Result<IssuedToken> sign_in_token(Services& services, const Request& request,
                                  const Account& account, std::int64_t now) {
    const std::int64_t ttl = services.config.access_token_ttl;
    // The session lasts as long as the one token it hands out.
    auto session = Sessions(*services.store, services.keys, SessionPolicy{.family_lifetime = ttl})
                       .open(site_of(request), account.id, now, session_origin(request));
    if (!session) return session.error();
    Json claims = json_object();
    json_put(claims.get(), "fam", *session);
    return issue_token_for(services, request, account, ttl, claims.get(), now);
}

Result<void> end_current_session(Context& c) {
    const std::string_view current = current_session(c);
    if (current.empty()) return {};
    auto ended = Sessions(*c.services.store, c.services.keys)
                     .revoke_own(c.site, c.who().account.id, current, "logout", c.now);
    if (!ended) return ended.error();
    return {};
}

Outcome list_sessions(Context& c, const SessionNames& names) {
    const Account& caller = c.who().account;
    auto sessions = Sessions(*c.services.store, c.services.keys)
                        .of_account(c.site, caller.id, kSessionsListed, c.now);
    if (!sessions) return sessions.error();
    const std::string_view current = current_session(c);
    Json list = Json(cJSON_CreateArray());
    for (const SessionInfo& s : *sessions) {
        Json item = json_object();
        json_put(item.get(), names.id, s.id);
        json_put(item.get(), names.created_at, iso8601_utc(s.created_at));
        json_put(item.get(), names.last_used_at, iso8601_utc(s.last_used_at));
        json_put(item.get(), names.expires_at, iso8601_utc(s.expires_at));
        json_put(item.get(), names.user_agent, s.user_agent);
        json_put(item.get(), names.ip_address, s.address);
        json_put(item.get(), names.current, s.id == current);
        cJSON_AddItemToArray(list.get(), item.release());
    }
    Json out = json_object();
    json_put(out.get(), "sessions", std::move(list));
    return Response::json(200, out.get());
}

Outcome revoke_session(Context& c, std::string_view id,
                       const std::function<Outcome(bool current)>& answer) {
    const Account& caller = c.who().account;
    auto revoked = Sessions(*c.services.store, c.services.keys)
                       .revoke_own(c.site, caller.id, id, "revoke", c.now);
    if (!revoked) return revoked.error();
    // Another account's session, an ended one and one that never was are told apart by nobody.
    if (!*revoked) return make_error(Errc::not_found, "no such live session of the caller");
    audit(c.services, c.request, "session.revoke", caller.id, caller.email, caller.kind);
    return answer(id == current_session(c));
}

Outcome revoke_all_sessions(Context& c, const std::function<Outcome()>& answer) {
    const Account& caller = c.who().account;
    if (auto r =
            end_sessions(*c.services.store, caller.id, SessionsEnd{.reason = "logout-all"}, c.now);
        !r) {
        return r.error();
    }
    audit(c.services, c.request, "session.revoke_all", caller.id, caller.email, caller.kind);
    return answer();
}

}  // namespace latchkey
