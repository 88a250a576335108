// The fastapi contract (seed 002): FastAPI + pydantic v1 behaviour, as docs/contracts.md records
// it.
#include <string>

#include "core/base/clock.hpp"
#include "core/base/log.hpp"
#include "handlers/account_sessions.hpp"
#include "handlers/auth.hpp"
#include "handlers/change_email.hpp"
#include "handlers/change_password.hpp"
#include "handlers/context.hpp"
#include "handlers/contracts.hpp"
#include "handlers/delete_account.hpp"
#include "handlers/passkeys.hpp"
#include "handlers/second_factor.hpp"
#include "handlers/services.hpp"
#include "handlers/throttle.hpp"
#include "handlers/validation.hpp"

namespace latchkey {
namespace {

Outcome register_user(Context&);
Outcome issue_token(Context&);
Outcome current_user(Context&);
Outcome logout(Context&);
Outcome change_password(Context&);
Outcome delete_account(Context&);
Outcome change_email(Context&);
Outcome confirm_email(Context&);
Outcome sessions(Context&);
Outcome revoke_session(Context&);
Outcome revoke_all_sessions(Context&);
Outcome token_second_factor(Context&);
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
    // OAuth2PasswordRequestForm, or the seed's JSON.
    {.method = "POST",
     .path = "/api/auth/token",
     .handler = issue_token,
     .access = Access::open,
     .body = Body::json_or_form,
     .throttle = kThrottleLogin,
     .queued = true},
    {.method = "GET", .path = "/api/auth/me", .handler = current_user, .caller_kind = "user"},
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
    // Open: the challenge token the token endpoint answered with is the credential, and each
    // code a guess.
    {.method = "POST",
     .path = kTokenSecondFactorPath,
     .handler = token_second_factor,
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
// FastAPI's OAuth2PasswordBearer says "Not authenticated" for a missing header; the contract
// names one message for both cases (docs/contracts.md, fastapi).
constexpr Wording kWording[] = {
    {Errc::email_taken, 400, "Email already registered"},
    {Errc::username_taken, 400, "Username already registered"},
    {Errc::invalid_credentials, 401, "Invalid email or password"},
    {Errc::unauthenticated, 401, "Could not validate credentials"},
    {Errc::invalid_token, 401, "Could not validate credentials"},
    {Errc::internal, 500, "Internal Server Error"},
    // FastAPI's own templates answer a wrong current password 400 "Incorrect password"; a 401
    // would read as an ended session to the frontend.
    {Errc::invalid_credentials, 400, "Incorrect password", {}, kChangePasswordPath},
    {Errc::login_throttled, 429, kPasswordGuessesThrottled, {}, kChangePasswordPath},
    {Errc::invalid_credentials, 400, "Incorrect password", {}, kDeleteAccountPath},
    {Errc::login_throttled, 429, kPasswordGuessesThrottled, {}, kDeleteAccountPath},
    {Errc::not_found, 404, kSessionNotFound, {}, kRevokeSessionPath},
    {Errc::invalid_credentials, 400, "Incorrect password", {}, kChangeEmailPath},
    {Errc::login_throttled, 429, kPasswordGuessesThrottled, {}, kChangeEmailPath},
    {Errc::invalid_token, 400, "Invalid or expired token", {}, kConfirmEmailPath},
    // 409, not register's 400: a conflict with what another account did since the request, which
    // a frontend must tell from a bad token (also 400).
    {Errc::email_taken, 409, "Email already registered", {}, kConfirmEmailPath},
    {Errc::invalid_token, 401, kInvalidChallenge, {}, kTokenSecondFactorPath},
    {Errc::code_mismatch, 401, kInvalidCode, {}, kTokenSecondFactorPath},
    {Errc::invalid_credentials, 400, "Incorrect password", {}, kTotpEnrollPath},
    {Errc::login_throttled, 429, kPasswordGuessesThrottled, {}, kTotpEnrollPath},
    {Errc::invalid_argument, 409, kTotpAlreadyEnabled, {}, kTotpEnrollPath},
    {Errc::not_found, 400, kNothingToConfirm, {}, kTotpConfirmPath},
    {Errc::code_mismatch, 400, kInvalidCode, {}, kTotpConfirmPath},
    {Errc::not_found, 400, kTotpNotEnabled, {}, kTotpDisablePath},
    {Errc::code_mismatch, 400, kInvalidCode, {}, kTotpDisablePath},
    {Errc::invalid_credentials, 400, "Incorrect password", {}, kTotpDisablePath},
    {Errc::login_throttled, 429, kPasswordGuessesThrottled, {}, kTotpDisablePath},
    {Errc::not_found, 400, kTotpNotEnabled, {}, kRecoveryCodesPath},
    {Errc::invalid_credentials, 400, "Incorrect password", {}, kRecoveryCodesPath},
    {Errc::login_throttled, 429, kPasswordGuessesThrottled, {}, kRecoveryCodesPath},
    {Errc::invalid_credentials, 400, "Incorrect password", {}, kPasskeyRegisterOptionsPath},
    {Errc::login_throttled, 429, kPasswordGuessesThrottled, {}, kPasskeyRegisterOptionsPath},
    {Errc::invalid_token, 400, kPasskeyChallengeExpired, {}, kPasskeyRegisterPath},
    {Errc::invalid_credentials, 400, kPasskeyNotVerified, {}, kPasskeyRegisterPath},
    {Errc::not_found, 404, kPasskeyNotFound, {}, kPasskeyDeletePath},
    {Errc::invalid_token, 401, kPasskeyChallengeExpired, {}, kPasskeyLoginPath},
    {Errc::invalid_credentials, 401, kPasskeySignInFailed, {}, kPasskeyLoginPath},
};

constexpr FieldRule kRegisterFields[] = {
    {.name = "username", .min_length = 3, .max_length = 50},
    {.name = "email", .kind = FieldKind::email},
    {.name = "password", .kind = FieldKind::password, .min_length = 6},
};
constexpr FieldRule kLoginFields[] = {
    {.name = "email", .kind = FieldKind::email},
    {.name = "password", .kind = FieldKind::password},
};
// OAuth2PasswordRequestForm: the username is whatever the user typed (here: the email).
constexpr FieldRule kLoginFormFields[] = {
    {.name = "username"},
    {.name = "password", .kind = FieldKind::password},
};
constexpr FieldRule kDeleteAccountFields[] = {
    {.name = "password", .kind = FieldKind::password},
};
constexpr FieldRule kChangeEmailFields[] = {
    {.name = "password", .kind = FieldKind::password},
    {.name = "new_email", .kind = FieldKind::email},
};
constexpr FieldRule kConfirmEmailFields[] = {
    {.name = "token"},
};
constexpr FieldRule kRevokeSessionFields[] = {
    {.name = "session_id", .min_length = 1, .max_length = 64},
};
constexpr FieldRule kChangePasswordFields[] = {
    {.name = "current_password", .kind = FieldKind::password},
    rule_as(kRegisterFields, "password", "new_password"),
};
constexpr const char* kUsernamePattern = "^[^\\x00-\\x1f\\x7f]+$";

// --- error bodies: FastAPI's {"detail": ...} and pydantic v1's validation entries -------------

Json validation_entry(const FieldIssue& issue) {
    Json entry = json_object();
    Json loc(cJSON_CreateArray());
    cJSON_AddItemToArray(loc.get(), cJSON_CreateString("body"));
    if (issue.issue == Issue::malformed) {
        cJSON_AddItemToArray(loc.get(), cJSON_CreateNumber(static_cast<double>(issue.offset)));
    } else if (!issue.field.empty()) {
        cJSON_AddItemToArray(loc.get(), cJSON_CreateString(issue.field.c_str()));
    }
    json_put(entry.get(), "loc", std::move(loc));
    Json ctx;
    std::string msg, type;
    switch (issue.issue) {
        case Issue::missing:
            msg = "field required", type = "value_error.missing";
            break;
        case Issue::wrong_type:
            msg = "str type expected", type = "type_error.str";
            break;
        case Issue::invalid_email:
            msg = "value is not a valid email address", type = "value_error.email";
            break;
        case Issue::too_short:
        case Issue::too_long: {
            const bool short_ = issue.issue == Issue::too_short;
            msg = std::string("ensure this value has ") + (short_ ? "at least " : "at most ") +
                  std::to_string(issue.limit) + " characters";
            type = short_ ? "value_error.any_str.min_length" : "value_error.any_str.max_length";
            ctx = json_object();
            json_put(ctx.get(), "limit_value", issue.limit);
            break;
        }
        case Issue::invalid_chars:
            msg = std::string("string does not match regex \"") + kUsernamePattern + "\"";
            type = "value_error.str.regex";
            ctx = json_object();
            json_put(ctx.get(), "pattern", kUsernamePattern);
            break;
        case Issue::not_object:
            msg = "value is not a valid dict", type = "type_error.dict";
            break;
        case Issue::duplicate_key:
            msg = "duplicate key in JSON object", type = "value_error.jsondecode.duplicate_key";
            break;
        case Issue::malformed: {
            // As Python's json module words it; FastAPI also echoes the document in ctx.doc,
            // which we leave out: it would send the password back.
            msg = issue.detail + ": line " + std::to_string(issue.line) + " column " +
                  std::to_string(issue.column) + " (char " + std::to_string(issue.offset) + ")";
            type = "value_error.jsondecode";
            ctx = json_object();
            json_put(ctx.get(), "msg", issue.detail);
            json_put(ctx.get(), "pos", static_cast<std::int64_t>(issue.offset));
            json_put(ctx.get(), "lineno", static_cast<std::int64_t>(issue.line));
            json_put(ctx.get(), "colno", static_cast<std::int64_t>(issue.column));
            break;
        }
        case Issue::mismatch:
            msg = "values do not match", type = "value_error";
            break;
        case Issue::common_password:  // as a pydantic validator raising ValueError words it
            msg = "password is too common", type = "value_error";
            break;
        case Issue::unchanged:
            msg = "new email is the same as the current one", type = "value_error";
            break;
        case Issue::not_credential:
            msg = "value is not a valid WebAuthn credential", type = "value_error";
            break;
        case Issue::invalid_choice: {
            // pydantic v1 on a Literal: "unexpected value; permitted: 'en', 'es'".
            msg = "unexpected value; permitted: ";
            Json permitted(cJSON_CreateArray());
            for (std::size_t i = 0; i < issue.choices.size(); ++i) {
                msg += (i ? ", '" : "'") + std::string(issue.choices[i]) + "'";
                cJSON_AddItemToArray(permitted.get(), cJSON_CreateString(issue.choices[i]));
            }
            type = "value_error.const";
            ctx = json_object();
            json_put(ctx.get(), "given", issue.detail);
            json_put(ctx.get(), "permitted", std::move(permitted));
            break;
        }
    }
    json_put(entry.get(), "msg", msg);
    json_put(entry.get(), "type", type);
    if (ctx) json_put(entry.get(), "ctx", std::move(ctx));
    return entry;
}

}  // namespace

Response render_fastapi_problem(const Problem& problem) {
    Json body = json_object();
    int status = problem.status;
    if (!problem.issues.empty()) {
        status = 422;
        Json detail(cJSON_CreateArray());
        for (const auto& issue : problem.issues) {
            cJSON_AddItemToArray(detail.get(), validation_entry(issue).release());
        }
        json_put(body.get(), "detail", std::move(detail));
    } else {
        json_put(body.get(), "detail", problem.message);
    }
    Response r = Response::json(status, body.get());
    for (const auto& [name, value] : problem.headers) r.with_header(name, value);
    return r;
}

namespace {

// FastAPI's bodies, with OAuth2PasswordBearer's challenge on every 401.
Response render(const Problem& problem) {
    Response r = render_fastapi_problem(problem);
    if (r.status == 401) r.with_header("WWW-Authenticate", "Bearer");
    return r;
}

// --- bodies ------------------------------------------------------------------------------------

Json user_json(const Account& a) {
    Json user = json_object();
    json_put(user.get(), "id", a.id);
    json_put(user.get(), "username", a.username.value_or(""));
    json_put(user.get(), "email", a.email);
    json_put(user.get(), "created_at", iso8601_utc(a.created_at));
    json_put(user.get(), "updated_at", iso8601_utc(a.updated_at));
    return user;
}

// --- handlers ----------------------------------------------------------------------------------

Outcome register_user(Context& c) {
    auto fields = read_fields(c, kRegisterFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    NewAccount account{.site = std::string(c.site),
                       .email = v["email"],
                       .username = v["username"],
                       .password = v["password"],
                       .locale = request_locale(c.request)};
    auto created = c.services.accounts().create(account, c.now);
    if (!created) return created.error();
    audit(c.services, c.request, "register", created->id, created->email);
    return Response::json(201, user_json(*created).get());
}

// A sign-in that is complete (the password, and the second factor when the account has one).
Outcome signed_in(Context& c, const Account& account) {
    audit(c.services, c.request, "login.success", account.id, account.email);
    note_sign_in(c.services, c.request, account);
    const auto token = sign_in_token(c.services, c.request, account, c.now);
    if (!token) return token.error();
    Json out = json_object();
    json_put(out.get(), "access_token", token->token);
    json_put(out.get(), "token_type", "Bearer");
    json_put(out.get(), "user_id", std::to_string(account.id));
    return Response::json(200, out.get());
}

Outcome issue_token(Context& c) {
    auto fields = read_fields(c, c.body.is_form ? std::span<const FieldRule>(kLoginFormFields)
                                                : std::span<const FieldRule>(kLoginFields));
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    const std::string email = c.body.is_form ? v["username"] : v["email"];
    auto account = c.services.accounts().authenticate(c.services.guesses, c.site, "user", email,
                                                      v["password"], c.now);
    if (!account) {
        if (account.error().code == Errc::rate_limited) {
            return guess_refusal(c.services, c.request);
        }
        if (account.error().code == Errc::invalid_credentials) {
            audit(c.services, c.request, "login.failure", 0, email);
        }
        return account.error();
    }
    if (auto challenge = second_factor_challenge(c, *account, kSnakeCaseSecondFactor)) {
        return std::move(*challenge);
    }
    return signed_in(c, *account);
}

Outcome token_second_factor(Context& c) {
    return second_factor_step(c, kSnakeCaseSecondFactor,
                              [&](const Account& account) { return signed_in(c, account); });
}

Outcome current_user(Context& c) {
    return Response::json(200, user_json(c.who().account).get());
}

Outcome logout(Context& c) {
    if (c.caller) {
        if (auto revoked = revoke_access_token(*c.services.store, c.site, c.caller->token, c.now);
            !revoked) {
            return revoked.error();
        }
        if (auto ended = end_current_session(c); !ended) return ended.error();
        audit(c.services, c.request, "logout", c.caller->account.id, c.caller->account.email);
    }
    Json out = json_object();
    json_put(out.get(), "message", "Successfully logged out");
    return Response::json(200, out.get());
}

// The caller's own password; every other session and token ends, and the caller continues with
// the fresh token in the answer.
Outcome change_password(Context& c) {
    auto fields = read_fields(c, kChangePasswordFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    return latchkey::change_password(
        c, {.current = v["current_password"],
            .replacement = v["new_password"],
            .answer = [&](const Account& account) -> Outcome {
                const auto token = sign_in_token(c.services, c.request, account, c.now);
                if (!token) return token.error();
                Json out = json_object();
                json_put(out.get(), "message", "Password updated successfully");
                json_put(out.get(), "access_token", token->token);
                json_put(out.get(), "token_type", "Bearer");
                return Response::json(200, out.get());
            }});
}

Outcome delete_account(Context& c) {
    auto fields = read_fields(c, kDeleteAccountFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    return latchkey::delete_account(c, {.password = v["password"], .answer = []() -> Outcome {
                                            Json out = json_object();
                                            json_put(out.get(), "message",
                                                     "Account deleted successfully");
                                            return Response::json(200, out.get());
                                        }});
}

Outcome message_reply(int status, const char* text) {
    Json out = json_object();
    json_put(out.get(), "message", text);
    return Response::json(status, out.get());
}

// A link to the new address (or, if it is taken, a notice to it); the same 202 either way.
Outcome change_email(Context& c) {
    auto fields = read_fields(c, kChangeEmailFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    return request_email_change(c, {.password = v["password"],
                                    .new_email = v["new_email"],
                                    .email_field = "new_email",
                                    .answer = [] { return message_reply(202, kEmailChangeSent); }});
}

Outcome confirm_email(Context& c) {
    auto fields = read_fields(c, kConfirmEmailFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    return confirm_email_change(c, {.token = v["token"], .answer = [] {
                                        return message_reply(200, "Email changed successfully");
                                    }});
}

// The caller's sessions, as every password contract lists them (handlers/account_sessions).
Outcome sessions(Context& c) {
    return list_sessions(c, kSnakeCaseSessions);
}

Outcome message(const char* text) {
    Json out = json_object();
    json_put(out.get(), "message", text);
    return Response::json(200, out.get());
}

Outcome revoke_session(Context& c) {
    auto fields = read_fields(c, kRevokeSessionFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    return latchkey::revoke_session(c, v["session_id"],
                                    [](bool) { return message("Session revoked"); });
}

Outcome revoke_all_sessions(Context& c) {
    return latchkey::revoke_all_sessions(c, [] { return message("Signed out everywhere"); });
}

Outcome totp_status(Context& c) {
    return latchkey::totp_status(c, kSnakeCaseSecondFactor);
}
Outcome totp_enroll(Context& c) {
    return latchkey::totp_enroll(c, kSnakeCaseSecondFactor);
}
Outcome totp_confirm(Context& c) {
    return latchkey::totp_confirm(c, kSnakeCaseSecondFactor);
}
Outcome totp_disable(Context& c) {
    return latchkey::totp_disable(c, kSnakeCaseSecondFactor);
}
Outcome new_recovery_codes(Context& c) {
    return latchkey::new_recovery_codes(c, kSnakeCaseSecondFactor);
}
Outcome passkeys_list(Context& c) {
    return list_passkeys(c, kSnakeCasePasskeys);
}
Outcome passkey_register_options(Context& c) {
    return latchkey::passkey_register_options(c, kSnakeCasePasskeys);
}
Outcome passkey_register(Context& c) {
    return latchkey::passkey_register(c, kSnakeCasePasskeys);
}
Outcome passkey_delete(Context& c) {
    return latchkey::passkey_delete(c, kSnakeCasePasskeys);
}
Outcome passkey_login_options(Context& c) {
    return latchkey::passkey_login_options(c);
}
Outcome passkey_login(Context& c) {
    return latchkey::passkey_login(
        c, [&](const Account& account) { return signed_in(c, account); },
        [&](const Account& account) {
            return second_factor_challenge(c, account, kSnakeCaseSecondFactor);
        });
}

}  // namespace

Contract fastapi_contract() {
    return Contract{"fastapi", kRoutes, kWording, render};
}

}  // namespace latchkey
