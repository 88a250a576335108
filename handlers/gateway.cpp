// The gateway contract (seed 001): {"error", "details"} bodies with human messages, token in the
// body or in an HttpOnly cookie (chosen per site by nginx), and the gateway's 503 shape.
#include <string>

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

Outcome register_user(Context&);
Outcome login(Context&);
Outcome current_user(Context&);
Outcome logout(Context&);
Outcome change_password(Context&);
Outcome delete_account(Context&);
Outcome change_email(Context&);
Outcome confirm_email(Context&);
Outcome sessions(Context&);
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

// The contract's API, as its frontend calls it.
constexpr Route kRoutes[] = {
    {.method = "POST",
     .path = "/api/auth/register",
     .handler = register_user,
     .access = Access::open,
     .body = Body::json,
     .queued = true},
    {.method = "POST",
     .path = "/api/auth/login",
     .handler = login,
     .access = Access::open,
     .body = Body::json,
     .throttle = kThrottleLogin,
     .queued = true},
    {.method = "GET", .path = "/api/auth/me", .handler = current_user, .caller_kind = "user"},
    // Logging out without a valid token still clears the cookie: the client wanted to be out.
    {.method = "POST",
     .path = "/api/auth/logout",
     .handler = logout,
     .access = Access::caller_if_any,
     .caller_kind = "user"},
    {.method = "POST",
     .path = kChangePasswordPath,
     .handler = change_password,
     .body = Body::json,
     .caller_kind = "user",
     .throttle = kThrottleLogin,
     .queued = true},
    {.method = "POST",
     .path = kDeleteAccountPath,
     .handler = delete_account,
     .body = Body::json,
     .caller_kind = "user",
     .throttle = kThrottleLogin,
     .queued = true},
    {.method = "POST",
     .path = kChangeEmailPath,
     .handler = change_email,
     .body = Body::json,
     .caller_kind = "user",
     .throttle = kThrottleLogin,
     .queued = true},
    // Open: the link may be followed on another device, signed in or not.
    {.method = "POST",
     .path = kConfirmEmailPath,
     .handler = confirm_email,
     .access = Access::open,
     .body = Body::json,
     .throttle = kThrottleToken},
    {.method = "GET", .path = kSessionsPath, .handler = sessions, .caller_kind = "user"},
    {.method = "POST",
     .path = kRevokeSessionPath,
     .handler = revoke_session,
     .body = Body::json,
     .caller_kind = "user"},
    {.method = "POST",
     .path = kRevokeAllSessionsPath,
     .handler = revoke_all_sessions,
     .body = Body::json_if_any,
     .caller_kind = "user"},
    // Open: the challenge token the login answered with is the credential, and each code a guess.
    {.method = "POST",
     .path = kSecondFactorPath,
     .handler = login_second_factor,
     .access = Access::open,
     .body = Body::json,
     .throttle = kThrottleSecondFactor},
    {.method = "GET", .path = kTotpPath, .handler = totp_status, .caller_kind = "user"},
    {.method = "POST",
     .path = kTotpEnrollPath,
     .handler = totp_enroll,
     .body = Body::json,
     .caller_kind = "user",
     .throttle = kThrottleLogin,
     .queued = true},
    {.method = "POST",
     .path = kTotpConfirmPath,
     .handler = totp_confirm,
     .body = Body::json,
     .caller_kind = "user",
     .throttle = kThrottleSecondFactor},
    {.method = "POST",
     .path = kTotpDisablePath,
     .handler = totp_disable,
     .body = Body::json,
     .caller_kind = "user",
     .throttle = kThrottleLogin,
     .queued = true},
    {.method = "POST",
     .path = kRecoveryCodesPath,
     .handler = new_recovery_codes,
     .body = Body::json,
     .caller_kind = "user",
     .throttle = kThrottleLogin,
     .queued = true},
    {.method = "GET", .path = kPasskeysPath, .handler = passkeys_list, .caller_kind = "user"},
    {.method = "POST",
     .path = kPasskeyRegisterOptionsPath,
     .handler = passkey_register_options,
     .body = Body::json,
     .caller_kind = "user",
     .throttle = kThrottleLogin,
     .queued = true},
    {.method = "POST",
     .path = kPasskeyRegisterPath,
     .handler = passkey_register,
     .body = Body::json,
     .caller_kind = "user"},
    {.method = "POST",
     .path = kPasskeyDeletePath,
     .handler = passkey_delete,
     .body = Body::json,
     .caller_kind = "user"},
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
    {Errc::email_taken, 409, "User with this email already exists"},
    {Errc::invalid_credentials, 401, "Invalid email or password"},
    {Errc::unauthenticated, 401, "Authentication required"},
    {Errc::invalid_token, 401, "Invalid or expired token"},
    {Errc::cross_origin, 403, "Cross-origin request refused"},
    {Errc::bad_request, 400, "Bad request"},
    {Errc::request_timeout, 408, "Request timeout"},
    {Errc::too_many_requests, 429, "Too many requests"},
    // 400, not 401: a frontend takes a 401 for an ended session and signs the user out.
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

constexpr FieldRule kRegisterFields[] = {
    {.name = "firstName", .min_length = 1, .max_length = 50, .blank_is_missing = true},
    {.name = "lastName", .min_length = 1, .max_length = 50, .blank_is_missing = true},
    {.name = "email", .kind = FieldKind::email, .blank_is_missing = true},
    {.name = "password", .kind = FieldKind::password, .min_length = 8, .blank_is_missing = true},
};
constexpr FieldRule kLoginFields[] = {
    {.name = "email", .blank_is_missing = true},
    {.name = "password", .kind = FieldKind::password, .blank_is_missing = true},
};
constexpr FieldRule kDeleteAccountFields[] = {
    {.name = "password", .kind = FieldKind::password, .blank_is_missing = true},
};
constexpr FieldRule kChangeEmailFields[] = {
    {.name = "password", .kind = FieldKind::password, .blank_is_missing = true},
    {.name = "newEmail", .kind = FieldKind::email, .blank_is_missing = true},
};
constexpr FieldRule kConfirmEmailFields[] = {
    {.name = "token", .blank_is_missing = true},
};
constexpr FieldRule kRevokeSessionFields[] = {
    {.name = "sessionId", .min_length = 1, .max_length = 64, .blank_is_missing = true},
};
constexpr FieldRule kChangePasswordFields[] = {
    {.name = "currentPassword", .kind = FieldKind::password, .blank_is_missing = true},
    rule_as(kRegisterFields, "password", "newPassword"),
};

// --- error bodies ------------------------------------------------------------------------------

constexpr FieldWording kFieldWording{.end = ".", .names_duplicates = true};

// The seed's gateway error, also what nginx answers when the service is unreachable.
Response unavailable(const Problem& problem) {
    Json error = json_object();
    json_put(error.get(), "message", "Auth service unavailable");
    json_put(error.get(), "statusCode", std::int64_t{503});
    json_put(error.get(), "timestamp", iso8601_utc(unix_now()));
    Json body = json_object();
    json_put(body.get(), "success", false);
    json_put(body.get(), "error", std::move(error));
    Response r = Response::json(503, body.get());
    for (const auto& [name, value] : problem.headers) r.with_header(name, value);
    return r;
}

Response render(const Problem& problem) {
    if (problem.status == 503) return unavailable(problem);
    Json body = json_object();
    if (!problem.issues.empty()) {
        json_put(body.get(), "error", "Validation failed");
        json_put(body.get(), "details", field_messages(problem.issues, kFieldWording));
        return Response::json(400, body.get());
    }
    json_put(body.get(), "error", problem.message);
    // The seed's 401, 403 and 409 bodies carry the message only; the others their code too.
    if (problem.status != 401 && problem.status != 403 && problem.status != 409) {
        json_put(body.get(), "status_code", std::int64_t{problem.status});
    }
    Response r = Response::json(problem.status, body.get());
    for (const auto& [name, value] : problem.headers) r.with_header(name, value);
    return r;
}

// --- token delivery ----------------------------------------------------------------------------

enum class Delivery { body, cookie };

// nginx chooses per site: `fastcgi_param LATCHKEY_TOKEN_DELIVERY cookie;` (default: body).
std::optional<Delivery> delivery_of(const Request& request) {
    const auto value = request.param("LATCHKEY_TOKEN_DELIVERY").value_or("body");
    if (value == "body" || value.empty()) return Delivery::body;
    if (value == "cookie") return Delivery::cookie;
    return std::nullopt;
}

Error misconfigured_delivery() {
    return make_error(Errc::config, "LATCHKEY_TOKEN_DELIVERY must be body or cookie");
}

// RFC 6265: HttpOnly keeps it from page script, Secure from plain HTTP (browsers treat localhost
// as secure), SameSite=Strict from cross-site requests.
std::string token_cookie(std::string_view value, bool clear) {
    std::string cookie = std::string(kTokenCookie) + "=" + std::string(value) +
                         "; HttpOnly; Secure; SameSite=Strict; Path=/";
    if (clear) cookie += "; Max-Age=0";
    return cookie;
}

// --- bodies ------------------------------------------------------------------------------------

Json user_json(const Account& a) {
    Json user = json_object();
    json_put(user.get(), "id", a.public_id);
    auto field = [&](const char* key) {
        auto it = a.profile.find(key);
        return it == a.profile.end() ? std::string() : it->second;
    };
    json_put(user.get(), "firstName", field("firstName"));
    json_put(user.get(), "lastName", field("lastName"));
    json_put(user.get(), "email", a.email);
    return user;
}

Outcome message_reply(int status, const char* text) {
    Json out = json_object();
    json_put(out.get(), "message", text);
    return Response::json(status, out.get());
}

// --- handlers ----------------------------------------------------------------------------------

// A sign-in that is complete (the password, and the second factor when the account has one):
// its session and token, delivered as the site delivers tokens.
Outcome signed_in(Context& c, Delivery delivery, const Account& account) {
    audit(c.services, c.request, "login.success", account.id, account.email);
    note_sign_in(c.services, c.request, account);
    const auto token = sign_in_token(c.services, c.request, account, c.now);
    if (!token) return token.error();
    Json out = json_object();
    if (delivery == Delivery::cookie) {
        json_put(out.get(), "message", "Logged in");
        return Response::json(200, out.get())
            .with_header("Set-Cookie", token_cookie(token->token, false));
    }
    json_put(out.get(), "token", token->token);
    json_put(out.get(), "user", user_json(account));
    return Response::json(200, out.get());
}

Outcome register_user(Context& c) {
    auto fields = read_fields(c, kRegisterFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    NewAccount account{.site = std::string(c.site),
                       .email = v["email"],
                       .password = v["password"],
                       .profile = {{"firstName", v["firstName"]}, {"lastName", v["lastName"]}},
                       .locale = request_locale(c.request)};
    auto created = c.services.accounts().create(account, c.now);
    if (!created) return created.error();
    audit(c.services, c.request, "register", created->id, created->email);
    Json out = json_object();
    json_put(out.get(), "message", "Registration successful");
    json_put(out.get(), "user_id", created->public_id);
    return Response::json(201, out.get());
}

Outcome login(Context& c) {
    const auto delivery = delivery_of(c.request);
    if (!delivery) return misconfigured_delivery();
    auto fields = read_fields(c, kLoginFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    auto account = c.services.accounts().authenticate(c.services.guesses, c.site, "user",
                                                      v["email"], v["password"], c.now);
    if (!account) {
        if (account.error().code == Errc::rate_limited) {
            return guess_refusal(c.services, c.request);
        }
        if (account.error().code == Errc::invalid_credentials) {
            audit(c.services, c.request, "login.failure", 0, v["email"]);
        }
        return account.error();
    }
    if (auto challenge = second_factor_challenge(c, *account, kCamelCaseSecondFactor)) {
        return std::move(*challenge);
    }
    return signed_in(c, *delivery, *account);
}

Outcome login_second_factor(Context& c) {
    const auto delivery = delivery_of(c.request);
    if (!delivery) return misconfigured_delivery();
    return second_factor_step(c, kCamelCaseSecondFactor, [&](const Account& account) {
        return signed_in(c, *delivery, account);
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
    const auto delivery = delivery_of(c.request);
    if (!delivery) return misconfigured_delivery();
    return latchkey::passkey_login(
        c, [&](const Account& account) { return signed_in(c, *delivery, account); },
        [&](const Account& account) {
            return second_factor_challenge(c, account, kCamelCaseSecondFactor);
        });
}

Outcome current_user(Context& c) {
    if (!delivery_of(c.request)) return misconfigured_delivery();
    Json out = json_object();
    json_put(out.get(), "user", user_json(c.who().account));
    return Response::json(200, out.get());
}

// Revokes the presented token and clears the cookie. Without a valid token it still clears the
// cookie and answers 200: the client wanted to be logged out, and is.
Outcome logout(Context& c) {
    const auto delivery = delivery_of(c.request);
    if (!delivery) return misconfigured_delivery();
    if (c.caller) {
        if (c.caller->from_cookie && !same_origin_or_trusted(c.request)) {
            return make_error(Errc::cross_origin);
        }
        if (auto revoked = revoke_access_token(*c.services.store, c.site, c.caller->token, c.now);
            !revoked) {
            return revoked.error();
        }
        if (auto ended = end_current_session(c); !ended) return ended.error();
        audit(c.services, c.request, "logout", c.caller->account.id, c.caller->account.email);
    }
    Json out = json_object();
    json_put(out.get(), "message", "Logged out");
    Response r = Response::json(200, out.get());
    if (*delivery == Delivery::cookie) r.with_header("Set-Cookie", token_cookie("", true));
    return r;
}

// The caller's own password; every other session and token ends, and the caller continues with
// a fresh token, delivered as login delivers it.
Outcome change_password(Context& c) {
    const auto delivery = delivery_of(c.request);
    if (!delivery) return misconfigured_delivery();
    if (c.who().from_cookie && !same_origin_or_trusted(c.request)) {
        return make_error(Errc::cross_origin);
    }
    auto fields = read_fields(c, kChangePasswordFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    return latchkey::change_password(
        c, {.current = v["currentPassword"],
            .replacement = v["newPassword"],
            .answer = [&](const Account& account) -> Outcome {
                const auto token = sign_in_token(c.services, c.request, account, c.now);
                if (!token) return token.error();
                Json out = json_object();
                json_put(out.get(), "message", "Password changed");
                if (*delivery == Delivery::cookie) {
                    return Response::json(200, out.get())
                        .with_header("Set-Cookie", token_cookie(token->token, false));
                }
                json_put(out.get(), "token", token->token);
                return Response::json(200, out.get());
            }});
}

// The caller's account, after its password; the cookie site's token cookie is cleared.
Outcome delete_account(Context& c) {
    const auto delivery = delivery_of(c.request);
    if (!delivery) return misconfigured_delivery();
    if (c.who().from_cookie && !same_origin_or_trusted(c.request)) {
        return make_error(Errc::cross_origin);
    }
    auto fields = read_fields(c, kDeleteAccountFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    return latchkey::delete_account(c, {.password = v["password"], .answer = [&]() -> Outcome {
                                            Json out = json_object();
                                            json_put(out.get(), "message", "Account deleted");
                                            Response r = Response::json(200, out.get());
                                            if (*delivery == Delivery::cookie) {
                                                r.with_header("Set-Cookie", token_cookie("", true));
                                            }
                                            return r;
                                        }});
}

// A link to the new address (or, if it is taken, a notice to it); the same 202 either way.
Outcome change_email(Context& c) {
    if (!delivery_of(c.request)) return misconfigured_delivery();
    if (c.who().from_cookie && !same_origin_or_trusted(c.request)) {
        return make_error(Errc::cross_origin);
    }
    auto fields = read_fields(c, kChangeEmailFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    return request_email_change(c, {.password = v["password"],
                                    .new_email = v["newEmail"],
                                    .email_field = "newEmail",
                                    .answer = [] { return message_reply(202, kEmailChangeSent); }});
}

// The mailed link's token; no caller needed, so no cookie is read or written.
Outcome confirm_email(Context& c) {
    auto fields = read_fields(c, kConfirmEmailFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    return confirm_email_change(
        c, {.token = v["token"], .answer = [] { return message_reply(200, "Email changed"); }});
}

// The caller's sessions, as every password contract lists them (handlers/account_sessions).
Outcome sessions(Context& c) {
    if (!delivery_of(c.request)) return misconfigured_delivery();
    return list_sessions(c, kCamelCaseSessions);
}

Json message(const char* text) {
    Json out = json_object();
    json_put(out.get(), "message", text);
    return out;
}

// Ending the caller's own session signs it out: the cookie site clears its cookie.
Outcome revoke_session(Context& c) {
    const auto delivery = delivery_of(c.request);
    if (!delivery) return misconfigured_delivery();
    if (c.who().from_cookie && !same_origin_or_trusted(c.request)) {
        return make_error(Errc::cross_origin);
    }
    auto fields = read_fields(c, kRevokeSessionFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    return latchkey::revoke_session(c, v["sessionId"], [&](bool current) -> Outcome {
        Response r = Response::json(200, message("Session revoked").get());
        if (current && *delivery == Delivery::cookie) {
            r.with_header("Set-Cookie", token_cookie("", true));
        }
        return r;
    });
}

Outcome revoke_all_sessions(Context& c) {
    const auto delivery = delivery_of(c.request);
    if (!delivery) return misconfigured_delivery();
    if (c.who().from_cookie && !same_origin_or_trusted(c.request)) {
        return make_error(Errc::cross_origin);
    }
    return latchkey::revoke_all_sessions(c, [&]() -> Outcome {
        Response r = Response::json(200, message("Signed out everywhere").get());
        if (*delivery == Delivery::cookie) r.with_header("Set-Cookie", token_cookie("", true));
        return r;
    });
}

}  // namespace

Contract gateway_contract() {
    return Contract{"gateway", kRoutes, kWording, render};
}

}  // namespace latchkey
