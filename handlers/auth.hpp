#pragma once
// Who is calling: the account behind a request's access token, from `Authorization: Bearer` or,
// on sites that deliver tokens in a cookie, from that cookie. Shared by every contract.
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/auth/accounts.hpp"
#include "core/auth/sessions.hpp"
#include "core/auth/tokens.hpp"
#include "core/mail/notices.hpp"
#include "core/mail/send_limits.hpp"
#include "handlers/services.hpp"

namespace latchkey {

// The cookie Latchkey delivers tokens in, on sites that ask for it (gateway's seed names it).
inline constexpr std::string_view kTokenCookie = "token";

struct Caller {
    Account account;
    VerifiedToken token;
    bool from_cookie = false;
};

enum class AuthFailure {
    missing,  // no credentials at all
    invalid,  // credentials present but forged, expired, revoked, or of a gone/disabled account
};

// `cookie_name` empty: bearer only. Otherwise the bearer header wins when both are present.
// `kind` empty: the account type is the token's `type` claim (contracts with several types).
// Refresh tokens (claim `use: refresh`) are never accepted here, nor a token whose refresh family
// (claim `fam` or `origin_jti`) is revoked or expired.
std::variant<Caller, AuthFailure, Error> authenticate(Services& services, const Request& request,
                                                      std::string_view kind,
                                                      std::string_view cookie_name = {});

// The same for a token the client sent elsewhere than a header (Cognito's AccessToken field).
std::variant<Caller, AuthFailure, Error> authenticate_token(Services& services,
                                                            std::string_view site,
                                                            std::string_view token,
                                                            std::string_view kind);

// An access token for `account` at the request's site, carrying its session version (`sv`) so a
// password reset or change ends it. `extra` (an object or null) adds contract claims.
Result<IssuedToken> issue_token_for(Services& services, const Request& request,
                                    const Account& account, std::int64_t ttl, const cJSON* extra,
                                    std::int64_t now);

// A refresh token: a JWT of the site with `use: refresh`, its family (`fam`) and the account type.
Result<std::string> sign_refresh_token(Services& services, const Request& request,
                                       const Account& account, const RefreshGrant& grant);

struct PresentedRefresh {
    std::string family;
    std::string jti;
};
// The family and id of a refresh token of this site, if its signature and claims hold.
std::optional<PresentedRefresh> read_refresh_token(Services& services, const Request& request,
                                                   std::string_view token);

// The site's public base URL for links in mail: the LATCHKEY_PUBLIC_URL param nginx sets, else
// the site's `public_url` setting; never the request's Host. No trailing slash. Errc::config
// (the operator's to fix) when neither is configured.
Result<std::string> public_url(const Services& services, const Request& request);

// Cookie-authenticated state changes must come from the site's own origin or the frontend origin
// nginx trusts (RFC 6454 origins; defence beyond SameSite). True when the request may proceed.
bool same_origin_or_trusted(const Request& request);

// Records a security event (core/auth/audit.hpp) for the request's site, with the client address
// and user agent nginx passed. Recording is best effort: a failure is logged, the request goes on.
void audit(Services& services, const Request& request, std::string_view event,
           std::int64_t account_id, std::string_view email, std::string_view detail = {});

// The language the request asks its mail in (Accept-Language, core/mail/locale.hpp): what a
// registration stores as the account's locale.
std::string request_locale(const Request& request);

// The client network (core/base/network.hpp) of nginx's REMOTE_ADDR: what the mail sending limits
// count per client.
std::string client_network_of(const Request& request);

// The account has proven the request's network (a sign-in, a reset, a followed link): sends from
// it no longer count against the address's ceiling for strangers (core/mail/send_limits.hpp). Best
// effort, like audit().
void remember_network(Services& services, const Request& request, std::int64_t account_id);

// A sign-in that succeeded: its network remembered (as remember_network), its device recorded,
// and, when the account has signed in before but never from this device, a notice mailed
// (core/mail/notices.hpp). Best effort, like audit(): the sign-in stands whatever fails here.
void note_sign_in(Services& services, const Request& request, const Account& account);

// What a notice to `account` states about this request: when, from where, with what.
NoticeFacts notice_facts(const Request& request, const Account& account);

// Mails `account` the notice of `kind` about this request (its switch and the sending limits
// permitting). Best effort.
void notify(Services& services, const Request& request, const Account& account, NoticeKind kind);

// The sending limits in force for links (verification, reset) and for booking's codes.
SendPolicy link_send_policy(const Config& config);
SendPolicy code_send_policy(const Config& config);

}  // namespace latchkey
