// The storefront contract (seed 004): merchants and customers as separate namespaces, 15-minute
// access tokens carrying the account type, 7-day rotating refresh tokens in an HttpOnly cookie
// scoped to /api/auth, and login throttling per email on top of nginx's per-IP limit.
#include <string>

#include "core/auth/sessions.hpp"
#include "core/base/clock.hpp"
#include "handlers/account_sessions.hpp"
#include "handlers/auth.hpp"
#include "handlers/change_email.hpp"
#include "handlers/change_password.hpp"
#include "handlers/context.hpp"
#include "handlers/contracts.hpp"
#include "handlers/delete_account.hpp"
#include "handlers/field_messages.hpp"
#include "handlers/passkeys.hpp"
#include "handlers/second_factor.hpp"
#include "handlers/services.hpp"
#include "handlers/throttle.hpp"
#include "handlers/validation.hpp"

namespace latchkey {
namespace {

Outcome register_merchant(Context&);
Outcome register_customer(Context&);
Outcome login_merchant(Context&);
Outcome login_customer(Context&);
Outcome refresh(Context&);
Outcome logout(Context&);
Outcome current_user(Context&);
Outcome change_password(Context&);
Outcome delete_account(Context&);
Outcome change_email(Context&);
Outcome confirm_email(Context&);
Outcome list_sessions(Context&);
Outcome revoke_session(Context&);
Outcome revoke_all_sessions(Context&);
Outcome login_second_factor(Context&);
Outcome totp_status(Context&);
Outcome totp_enroll(Context&);
Outcome totp_confirm(Context&);
Outcome totp_disable(Context&);
Outcome new_recovery_codes(Context&);
Outcome passkeys_list(Context&);
Outcome passkey_register_options(Context&);
Outcome passkey_register(Context&);
Outcome passkey_delete(Context&);
Outcome passkey_login_options(Context&);
Outcome passkey_login(Context&);

// The contract's API, as its frontend calls it. Refresh and logout are open: their credential is
// the refresh cookie, which the handler checks.
constexpr Route kRoutes[] = {
    {.method = "POST",
     .path = "/api/auth/merchant/register",
     .handler = register_merchant,
     .access = Access::open,
     .body = Body::json,
     .queued = true},
    {.method = "POST",
     .path = "/api/auth/merchant/login",
     .handler = login_merchant,
     .access = Access::open,
     .body = Body::json,
     .throttle = kThrottleLogin,
     .queued = true},
    {.method = "POST",
     .path = "/api/auth/customer/register",
     .handler = register_customer,
     .access = Access::open,
     .body = Body::json,
     .queued = true},
    {.method = "POST",
     .path = "/api/auth/customer/login",
     .handler = login_customer,
     .access = Access::open,
     .body = Body::json,
     .throttle = kThrottleLogin,
     .queued = true},
    {.method = "POST", .path = "/api/auth/refresh", .handler = refresh, .access = Access::open},
    {.method = "POST", .path = "/api/auth/logout", .handler = logout, .access = Access::open},
    // The account type is the token's own (merchant or customer).
    {.method = "GET", .path = "/api/auth/me", .handler = current_user},
    // Merchants and customers alike, by the token's type.
    {.method = "POST",
     .path = kChangePasswordPath,
     .handler = change_password,
     .body = Body::json,
     .throttle = kThrottleLogin,
     .queued = true},
    {.method = "POST",
     .path = kDeleteAccountPath,
     .handler = delete_account,
     .body = Body::json,
     .throttle = kThrottleLogin,
     .queued = true},
    {.method = "POST",
     .path = kChangeEmailPath,
     .handler = change_email,
     .body = Body::json,
     .throttle = kThrottleLogin,
     .queued = true},
    // Open: the link may be followed on another device, signed in or not.
    {.method = "POST",
     .path = kConfirmEmailPath,
     .handler = confirm_email,
     .access = Access::open,
     .body = Body::json,
     .throttle = kThrottleToken},
    {.method = "GET", .path = kSessionsPath, .handler = list_sessions},
    {.method = "POST", .path = kRevokeSessionPath, .handler = revoke_session, .body = Body::json},
    {.method = "POST",
     .path = kRevokeAllSessionsPath,
     .handler = revoke_all_sessions,
     .body = Body::json_if_any},
    // Open: the challenge token the login answered with is the credential, and each code a guess.
    {.method = "POST",
     .path = kSecondFactorPath,
     .handler = login_second_factor,
     .access = Access::open,
     .body = Body::json,
     .throttle = kThrottleSecondFactor},
    {.method = "GET", .path = kTotpPath, .handler = totp_status},
    {.method = "POST",
     .path = kTotpEnrollPath,
     .handler = totp_enroll,
     .body = Body::json,
     .throttle = kThrottleLogin,
     .queued = true},
    {.method = "POST",
     .path = kTotpConfirmPath,
     .handler = totp_confirm,
     .body = Body::json,
     .throttle = kThrottleSecondFactor},
    {.method = "POST",
     .path = kTotpDisablePath,
     .handler = totp_disable,
     .body = Body::json,
     .throttle = kThrottleLogin,
     .queued = true},
    {.method = "POST",
     .path = kRecoveryCodesPath,
     .handler = new_recovery_codes,
     .body = Body::json,
     .throttle = kThrottleLogin,
     .queued = true},
    {.method = "GET", .path = kPasskeysPath, .handler = passkeys_list},
    {.method = "POST",
     .path = kPasskeyRegisterOptionsPath,
     .handler = passkey_register_options,
     .body = Body::json,
     .throttle = kThrottleLogin,
     .queued = true},
    {.method = "POST",
     .path = kPasskeyRegisterPath,
     .handler = passkey_register,
     .body = Body::json},
    {.method = "POST", .path = kPasskeyDeletePath, .handler = passkey_delete, .body = Body::json},
    // Open: anyone may begin a passkey sign-in. Each opens a ceremony row that lives
    // kCeremonyTtl; nginx's secrets zone bounds how many one network opens.
    {.method = "POST",
     .path = kPasskeyLoginOptionsPath,
     .handler = passkey_login_options,
     .access = Access::open,
     .body = Body::json_if_any},
    // Open: the assertion is the credential. Checking one costs a signature: failures count
    // against the network as a token guess does.
    {.method = "POST",
     .path = kPasskeyLoginPath,
     .handler = passkey_login,
     .access = Access::open,
     .body = Body::json,
     .throttle = kThrottleToken},
};

// What the contract says for each failure; nginx's error pages say the same (error-pages).
constexpr Wording kWording[] = {
    {Errc::email_taken, 409, "Email already exists"},
    {Errc::invalid_credentials, 401, "Invalid credentials"},
    {Errc::cross_origin, 403, "Cross-origin request refused"},
    {Errc::unauthenticated, 401, "Not authenticated"},
    {Errc::invalid_token, 401, "Not authenticated"},
    {Errc::invalid_token, 401, "Invalid or expired refresh token", {}, "/api/auth/refresh"},
    {Errc::bad_request, 400, "Bad request"},
    {Errc::request_timeout, 408, "Request timeout"},
    {Errc::too_many_requests, 429, "Too many login attempts, try again later"},
    // 400, not 401: the frontend answers a 401 by refreshing and sending the request again.
    {Errc::invalid_credentials, 400, "Current password is incorrect", {}, kChangePasswordPath},
    {Errc::login_throttled, 429, kPasswordGuessesThrottled, {}, kChangePasswordPath},
    {Errc::invalid_credentials, 400, "Password is incorrect", {}, kDeleteAccountPath},
    {Errc::login_throttled, 429, kPasswordGuessesThrottled, {}, kDeleteAccountPath},
    {Errc::not_found, 404, kSessionNotFound, {}, kRevokeSessionPath},
    {Errc::invalid_credentials, 400, "Password is incorrect", {}, kChangeEmailPath},
    {Errc::login_throttled, 429, kPasswordGuessesThrottled, {}, kChangeEmailPath},
    {Errc::invalid_token, 400, "Invalid or expired confirmation token", {}, kConfirmEmailPath},
    {Errc::invalid_token, 401, kInvalidChallenge, {}, kSecondFactorPath},
    {Errc::code_mismatch, 401, kInvalidCode, {}, kSecondFactorPath},
    {Errc::invalid_credentials, 400, "Password is incorrect", {}, kTotpEnrollPath},
    {Errc::login_throttled, 429, kPasswordGuessesThrottled, {}, kTotpEnrollPath},
    {Errc::invalid_argument, 409, kTotpAlreadyEnabled, {}, kTotpEnrollPath},
    {Errc::not_found, 400, kNothingToConfirm, {}, kTotpConfirmPath},
    {Errc::code_mismatch, 400, kInvalidCode, {}, kTotpConfirmPath},
    {Errc::not_found, 400, kTotpNotEnabled, {}, kTotpDisablePath},
    {Errc::code_mismatch, 400, kInvalidCode, {}, kTotpDisablePath},
    {Errc::invalid_credentials, 400, "Password is incorrect", {}, kTotpDisablePath},
    {Errc::login_throttled, 429, kPasswordGuessesThrottled, {}, kTotpDisablePath},
    {Errc::not_found, 400, kTotpNotEnabled, {}, kRecoveryCodesPath},
    {Errc::invalid_credentials, 400, "Password is incorrect", {}, kRecoveryCodesPath},
    {Errc::login_throttled, 429, kPasswordGuessesThrottled, {}, kRecoveryCodesPath},
    {Errc::invalid_credentials, 400, "Password is incorrect", {}, kPasskeyRegisterOptionsPath},
    {Errc::login_throttled, 429, kPasswordGuessesThrottled, {}, kPasskeyRegisterOptionsPath},
    {Errc::invalid_token, 400, kPasskeyChallengeExpired, {}, kPasskeyRegisterPath},
    {Errc::invalid_credentials, 400, kPasskeyNotVerified, {}, kPasskeyRegisterPath},
    {Errc::not_found, 404, kPasskeyNotFound, {}, kPasskeyDeletePath},
    {Errc::invalid_token, 401, kPasskeyChallengeExpired, {}, kPasskeyLoginPath},
    {Errc::invalid_credentials, 401, kPasskeySignInFailed, {}, kPasskeyLoginPath},
};

constexpr FieldRule kMerchantFields[] = {
    {.name = "email", .kind = FieldKind::email, .blank_is_missing = true},
    {.name = "password", .kind = FieldKind::password, .min_length = 8, .blank_is_missing = true},
    {.name = "storeName", .min_length = 1, .max_length = 100, .blank_is_missing = true},
};
constexpr FieldRule kCustomerFields[] = {
    {.name = "email", .kind = FieldKind::email, .blank_is_missing = true},
    {.name = "password", .kind = FieldKind::password, .min_length = 8, .blank_is_missing = true},
    {.name = "firstName", .min_length = 1, .max_length = 50, .blank_is_missing = true},
    {.name = "lastName", .min_length = 1, .max_length = 50, .blank_is_missing = true},
};
constexpr FieldRule kLoginFields[] = {
    {.name = "email", .blank_is_missing = true},
    {.name = "password", .kind = FieldKind::password, .blank_is_missing = true},
};
constexpr FieldRule kRevokeSessionFields[] = {
    {.name = "sessionId", .min_length = 1, .max_length = 64, .blank_is_missing = true},
};
constexpr FieldRule kChangeEmailFields[] = {
    {.name = "password", .kind = FieldKind::password, .blank_is_missing = true},
    {.name = "newEmail", .kind = FieldKind::email, .blank_is_missing = true},
};
constexpr FieldRule kConfirmEmailFields[] = {
    {.name = "token", .blank_is_missing = true},
};
constexpr FieldRule kDeleteAccountFields[] = {
    {.name = "password", .kind = FieldKind::password, .blank_is_missing = true},
};
// The new password obeys register's rule (the same for both account types).
constexpr FieldRule kChangePasswordFields[] = {
    {.name = "currentPassword", .kind = FieldKind::password, .blank_is_missing = true},
    rule_as(kMerchantFields, "password", "newPassword"),
};
static_assert(rule_as(kMerchantFields, "password", "newPassword").min_length ==
                  rule_as(kCustomerFields, "password", "newPassword").min_length,
              "merchants and customers register under one password rule");

constexpr std::int64_t kAccessTtl = 15 * 60;
constexpr std::int64_t kRefreshMaxAge = 7 * 24 * 3600;
constexpr std::string_view kRefreshCookie = "refreshToken";

// --- error bodies ------------------------------------------------------------------------------

Response render_problem(const Problem& problem) {
    Json body = json_object();
    int status = problem.status;
    if (!problem.issues.empty()) {
        status = 400;
        json_put(body.get(), "message", "Validation failed");
        json_put(body.get(), "errors", field_messages(problem.issues, FieldWording{}));
    } else {
        json_put(body.get(), "message", problem.message);
    }
    Response r = Response::json(status, body.get());
    for (const auto& [name, value] : problem.headers) r.with_header(name, value);
    return r;
}

// --- tokens and cookies ------------------------------------------------------------------------

Sessions sessions(Services& services) {
    return Sessions(
        *services.store, services.keys,
        SessionPolicy{services.config.refresh_lifetime, services.config.refresh_reuse_grace});
}

// RFC 6265: HttpOnly keeps it from page script, Secure from plain HTTP (browsers treat localhost
// as secure), SameSite=Strict and Path=/api/auth from every request that does not need it.
std::string refresh_cookie(std::string_view value, std::int64_t max_age) {
    return std::string(kRefreshCookie) + "=" + std::string(value) +
           "; HttpOnly; Secure; SameSite=Strict; Path=/api/auth; Max-Age=" +
           std::to_string(max_age);
}

// The access token names its refresh family (`fam`), so revoking the family ends it at once.
Result<std::string> access_token(Services& services, const Request& request, const Account& account,
                                 std::string_view family_id, std::int64_t now) {
    Json extra = json_object();
    json_put(extra.get(), "type", account.kind);
    json_put(extra.get(), "fam", family_id);
    auto issued = issue_token_for(services, request, account, kAccessTtl, extra.get(), now);
    if (!issued) return issued.error();
    return std::move(issued->token);
}

// The answer carrying a new access token and, in the refresh cookie, a new refresh token.
Outcome with_tokens(Services& services, const Request& request, const Account& account,
                    const RefreshGrant& grant, Json body, int status, std::int64_t now) {
    auto access = access_token(services, request, account, grant.family_id, now);
    if (!access) return access.error();
    auto refresh = sign_refresh_token(services, request, account, grant);
    if (!refresh) return refresh.error();
    json_put(body.get(), "accessToken", *access);
    return Response::json(status, body.get())
        .with_header("Set-Cookie", refresh_cookie(*refresh, kRefreshMaxAge));
}

Json account_json(const Account& a) {
    Json user = json_object();
    json_put(user.get(), "id", a.public_id);
    json_put(user.get(), "email", a.email);
    auto field = [&](const char* key) {
        auto it = a.profile.find(key);
        return it == a.profile.end() ? std::string() : it->second;
    };
    if (a.kind == "merchant") {
        json_put(user.get(), "storeName", field("storeName"));
    } else {
        json_put(user.get(), "firstName", field("firstName"));
        json_put(user.get(), "lastName", field("lastName"));
    }
    return user;
}

// {"merchant"|"customer": {...}, "accessToken"} and a fresh refresh family in the cookie.
Outcome signed_in(Services& services, const Request& request, const Account& account, int status,
                  std::int64_t now) {
    auto grant =
        sessions(services).start(site_of(request), account.id, now, session_origin(request));
    if (!grant) return grant.error();
    Json out = json_object();
    json_put(out.get(), account.kind.c_str(), account_json(account));
    return with_tokens(services, request, account, *grant, std::move(out), status, now);
}

// --- handlers ----------------------------------------------------------------------------------

Outcome register_account(Context& c, const char* kind, std::span<const FieldRule> rules) {
    Services& services = c.services;
    const Request& request = c.request;
    auto fields = read_fields(c, rules);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    Profile profile;
    for (const auto& rule : rules) {
        if (std::string_view(rule.name) != "email" && std::string_view(rule.name) != "password") {
            profile[rule.name] = v[rule.name];
        }
    }
    const std::int64_t now = c.now;
    NewAccount account{.site = std::string(site_of(request)),
                       .kind = kind,
                       .email = v["email"],
                       .password = v["password"],
                       .profile = std::move(profile),
                       .id_style = PublicIdStyle::hex24,
                       .locale = request_locale(request)};
    auto created = services.accounts().create(account, now);
    if (!created) return created.error();
    audit(services, request, "register", created->id, created->email, kind);
    return signed_in(services, request, *created, 201, now);
}

Outcome register_merchant(Context& c) {
    return register_account(c, "merchant", kMerchantFields);
}
Outcome register_customer(Context& c) {
    return register_account(c, "customer", kCustomerFields);
}

// A sign-in that is complete (the password, and the second factor when the account has one).
Outcome signed_in_with_password(Context& c, const Account& account) {
    audit(c.services, c.request, "login.success", account.id, account.email, account.kind);
    note_sign_in(c.services, c.request, account);
    return signed_in(c.services, c.request, account, 200, c.now);
}

Outcome login_account(Context& c, const char* kind) {
    Services& services = c.services;
    const Request& request = c.request;
    auto fields = read_fields(c, kLoginFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    const std::string_view site = c.site;
    const std::int64_t now = c.now;
    auto account = services.accounts().authenticate(services.guesses, site, kind, v["email"],
                                                    v["password"], now);
    if (!account) {
        if (account.error().code == Errc::rate_limited) {
            return guess_refusal(services, request);
        }
        if (account.error().code != Errc::invalid_credentials) return account.error();
        audit(services, request, "login.failure", 0, v["email"], kind);
        return account.error();
    }
    if (auto challenge = second_factor_challenge(c, *account, kCamelCaseSecondFactor)) {
        return std::move(*challenge);
    }
    return signed_in_with_password(c, *account);
}

Outcome login_second_factor(Context& c) {
    return second_factor_step(c, kCamelCaseSecondFactor, [&](const Account& account) {
        return signed_in_with_password(c, account);
    });
}

Outcome login_merchant(Context& c) {
    return login_account(c, "merchant");
}
Outcome login_customer(Context& c) {
    return login_account(c, "customer");
}

// The refresh cookie's token, if it is a valid refresh token of this site.
std::optional<PresentedRefresh> presented_refresh(Services& services, const Request& request) {
    const auto cookie = request.cookie(kRefreshCookie);
    if (!cookie) return std::nullopt;
    return read_refresh_token(services, request, *cookie);
}

// The refusal also clears the cookie, so the frontend stops presenting a dead token.
Problem refused_refresh() {
    return problem_of(Errc::invalid_token, {{"Set-Cookie", refresh_cookie("", 0)}});
}

Outcome refresh(Context& c) {
    Services& services = c.services;
    const Request& request = c.request;
    if (!same_origin_or_trusted(request)) return make_error(Errc::cross_origin);
    const auto presented = presented_refresh(services, request);
    if (!presented) return refused_refresh();
    const std::int64_t now = c.now;
    auto rotated =
        sessions(services).rotate(site_of(request), presented->family, presented->jti, now);
    if (!rotated) {
        if (rotated.error().code == Errc::refresh_reuse) {
            audit(services, request, "refresh.reuse", 0, "", "family " + presented->family);
        }
        if (rotated.error().code == Errc::invalid_token ||
            rotated.error().code == Errc::refresh_reuse) {
            return refused_refresh();
        }
        return rotated.error();
    }
    auto account = services.accounts().find_by_id(rotated->first.account_id);
    if (!account) {
        if (account.error().code == Errc::not_found) return refused_refresh();
        return account.error();
    }
    if (account->disabled) return refused_refresh();
    return with_tokens(services, request, *account, rotated->first, json_object(), 200, now);
}

Outcome logout(Context& c) {
    Services& services = c.services;
    const Request& request = c.request;
    if (!same_origin_or_trusted(request)) return make_error(Errc::cross_origin);
    if (const auto presented = presented_refresh(services, request)) {
        auto revoked =
            sessions(services).revoke_family(site_of(request), presented->family, "logout", c.now);
        if (!revoked) return revoked.error();
        audit(services, request, "logout", 0, "", "family " + presented->family);
    }
    Json out = json_object();
    json_put(out.get(), "message", "Logged out successfully");
    return Response::json(200, out.get()).with_header("Set-Cookie", refresh_cookie("", 0));
}

Outcome current_user(Context& c) {
    const Account& account = c.who().account;
    Json out = json_object();
    json_put(out.get(), "type", account.kind);
    json_put(out.get(), "user", account_json(account));
    return Response::json(200, out.get());
}

// The caller's own password. Every refresh family of the account ends (and with them every
// access token, which names its family); the caller continues in a new family: a new access
// token in the body, its refresh token in the cookie. It writes the cookie, so a foreign origin is
// refused as on refresh and logout.
Outcome change_password(Context& c) {
    if (!same_origin_or_trusted(c.request)) return make_error(Errc::cross_origin);
    auto fields = read_fields(c, kChangePasswordFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    std::optional<RefreshGrant> grant;
    return latchkey::change_password(
        c,
        {.current = v["currentPassword"],
         .replacement = v["newPassword"],
         .within = [&](const Account& account) -> Result<void> {
             auto started =
                 sessions(c.services).start(c.site, account.id, c.now, session_origin(c.request));
             if (!started) return started.error();
             grant = std::move(*started);
             return {};
         },
         .answer = [&](const Account& account) -> Outcome {
             Json out = json_object();
             json_put(out.get(), "message", "Password changed successfully");
             return with_tokens(c.services, c.request, account, *grant, std::move(out), 200, c.now);
         }});
}

// Merchants and customers alike; the refresh cookie is cleared with the account. It writes the
// cookie, so a foreign origin is refused as on change-password.
Outcome delete_account(Context& c) {
    if (!same_origin_or_trusted(c.request)) return make_error(Errc::cross_origin);
    auto fields = read_fields(c, kDeleteAccountFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    return latchkey::delete_account(
        c,
        {.password = v["password"], .answer = []() -> Outcome {
             Json out = json_object();
             json_put(out.get(), "message", "Account deleted successfully");
             return Response::json(200, out.get()).with_header("Set-Cookie", refresh_cookie("", 0));
         }});
}

Outcome message_reply(int status, const char* text) {
    Json out = json_object();
    json_put(out.get(), "message", text);
    return Response::json(status, out.get());
}

// Merchants and customers alike, each within its own namespace. A state change on a site whose
// sessions live in a cookie: a foreign origin is refused as on change-password.
Outcome change_email(Context& c) {
    if (!same_origin_or_trusted(c.request)) return make_error(Errc::cross_origin);
    auto fields = read_fields(c, kChangeEmailFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    return request_email_change(c, {.password = v["password"],
                                    .new_email = v["newEmail"],
                                    .email_field = "newEmail",
                                    .answer = [] { return message_reply(202, kEmailChangeSent); }});
}

// The mailed link's token; the account type is the token's own.
Outcome confirm_email(Context& c) {
    auto fields = read_fields(c, kConfirmEmailFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    return confirm_email_change(c, {.token = v["token"], .answer = [] {
                                        return message_reply(200, "Email changed successfully");
                                    }});
}

// The caller's sessions (refresh families), as every password contract lists them
// (handlers/account_sessions).
Outcome list_sessions(Context& c) {
    return latchkey::list_sessions(c, kCamelCaseSessions);
}

// Ending the session this browser holds ends its refresh cookie too, so the cookie is cleared;
// writing the cookie, both refuse a foreign origin as logout does.
Outcome revoke_session(Context& c) {
    if (!same_origin_or_trusted(c.request)) return make_error(Errc::cross_origin);
    auto fields = read_fields(c, kRevokeSessionFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    return latchkey::revoke_session(c, v["sessionId"], [](bool current) -> Outcome {
        Json out = json_object();
        json_put(out.get(), "message", "Session revoked");
        Response r = Response::json(200, out.get());
        if (current) r.with_header("Set-Cookie", refresh_cookie("", 0));
        return r;
    });
}

Outcome revoke_all_sessions(Context& c) {
    if (!same_origin_or_trusted(c.request)) return make_error(Errc::cross_origin);
    return latchkey::revoke_all_sessions(c, []() -> Outcome {
        Json out = json_object();
        json_put(out.get(), "message", "Signed out everywhere");
        return Response::json(200, out.get()).with_header("Set-Cookie", refresh_cookie("", 0));
    });
}

Outcome totp_status(Context& c) {
    return latchkey::totp_status(c, kCamelCaseSecondFactor);
}
Outcome totp_enroll(Context& c) {
    return latchkey::totp_enroll(c, kCamelCaseSecondFactor);
}
Outcome totp_confirm(Context& c) {
    return latchkey::totp_confirm(c, kCamelCaseSecondFactor);
}
Outcome totp_disable(Context& c) {
    return latchkey::totp_disable(c, kCamelCaseSecondFactor);
}
Outcome new_recovery_codes(Context& c) {
    return latchkey::new_recovery_codes(c, kCamelCaseSecondFactor);
}
Outcome passkeys_list(Context& c) {
    return list_passkeys(c, kCamelCasePasskeys);
}
Outcome passkey_register_options(Context& c) {
    return latchkey::passkey_register_options(c, kCamelCasePasskeys);
}
Outcome passkey_register(Context& c) {
    return latchkey::passkey_register(c, kCamelCasePasskeys);
}
Outcome passkey_delete(Context& c) {
    return latchkey::passkey_delete(c, kCamelCasePasskeys);
}
Outcome passkey_login_options(Context& c) {
    return latchkey::passkey_login_options(c);
}
Outcome passkey_login(Context& c) {
    return latchkey::passkey_login(
        c, [&](const Account& account) { return signed_in_with_password(c, account); },
        [&](const Account& account) {
            return second_factor_challenge(c, account, kCamelCaseSecondFactor);
        });
}

}  // namespace

Contract storefront_contract() {
    return Contract{"storefront", kRoutes, kWording, render_problem};
}

}  // namespace latchkey
