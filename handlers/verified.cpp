// The verified contract (seed 003): registration with email verification, login refused until
// the email is verified, password reset by mail. Errors are {"message", ...}; validation failures
// carry the field map twice, as "details" and "errors", so both of the seed's shapes work.
#include <string>

#include "core/base/clock.hpp"
#include "core/base/log.hpp"
#include "core/mail/templates.hpp"
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
Outcome verify_email(Context&);
Outcome resend_verification(Context&);
Outcome forgot_password(Context&);
Outcome reset_password(Context&);
Outcome current_user(Context&);
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
    {.method = "GET",
     .path = "/api/auth/verify",
     .handler = verify_email,
     .access = Access::open,
     .throttle = kThrottleToken},
    {.method = "POST",
     .path = "/api/auth/verify/resend",
     .handler = resend_verification,
     .access = Access::open,
     .body = Body::json},
    {.method = "POST",
     .path = "/api/auth/forgot",
     .handler = forgot_password,
     .access = Access::open,
     .body = Body::json},
    {.method = "POST",
     .path = "/api/auth/reset",
     .handler = reset_password,
     .access = Access::open,
     .body = Body::json,
     .throttle = kThrottleToken,
     .queued = true},
    {.method = "GET", .path = "/api/auth/me", .handler = current_user, .caller_kind = "user"},
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
    {Errc::email_taken, 409, "Email already in use"},
    {Errc::invalid_credentials, 401, "Invalid credentials"},
    {Errc::email_unverified, 403, "Email not verified"},
    {Errc::unauthenticated, 401, "Not authenticated"},
    {Errc::invalid_token, 401, "Invalid or expired token"},
    {Errc::invalid_token, 400, "Invalid or expired verification token", {}, "/api/auth/verify"},
    {Errc::invalid_token, 400, "Invalid or expired reset token", {}, "/api/auth/reset"},
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
    {.name = "firstName", .required = false, .max_length = 50, .blank_is_missing = true},
    {.name = "lastName", .required = false, .max_length = 50, .blank_is_missing = true},
    {.name = "email", .kind = FieldKind::email, .blank_is_missing = true},
    {.name = "password", .kind = FieldKind::password, .min_length = 8, .blank_is_missing = true},
    {.name = "confirmPassword",
     .kind = FieldKind::password,
     .blank_is_missing = true,
     .same_as = "password"},
};
constexpr FieldRule kLoginFields[] = {
    {.name = "email", .blank_is_missing = true},
    {.name = "password", .kind = FieldKind::password, .blank_is_missing = true},
};
constexpr FieldRule kEmailField[] = {
    {.name = "email", .blank_is_missing = true},
};
constexpr FieldRule kResetFields[] = {
    {.name = "token", .blank_is_missing = true},
    {.name = "password", .kind = FieldKind::password, .min_length = 8, .blank_is_missing = true},
    {.name = "confirmPassword",
     .kind = FieldKind::password,
     .blank_is_missing = true,
     .same_as = "password"},
};
// The new password obeys register's rules, confirmation included.
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
constexpr FieldRule kChangePasswordFields[] = {
    {.name = "currentPassword", .kind = FieldKind::password, .blank_is_missing = true},
    rule_as(kRegisterFields, "password", "newPassword"),
    confirming(rule_as(kRegisterFields, "confirmPassword", "confirmPassword"), "newPassword"),
};

constexpr std::int64_t kVerifyTtl = 24 * 3600;
constexpr std::int64_t kResetTtl = 3600;
constexpr const char* kVerifyPurpose = "verify_email";
constexpr const char* kResetPurpose = "reset_password";

// --- error bodies ------------------------------------------------------------------------------

constexpr FieldWording kFieldWording{.invalid_email = "Invalid email",
                                     .mismatch = "Passwords do not match"};

Response render_problem(const Problem& problem) {
    Json body = json_object();
    int status = problem.status;
    if (!problem.issues.empty()) {
        status = 400;
        json_put(body.get(), "message", "Validation failed");
        Json fields = field_messages(problem.issues, kFieldWording);
        json_put(body.get(), "details", Json(cJSON_Duplicate(fields.get(), true)));
        json_put(body.get(), "errors", std::move(fields));
    } else {
        json_put(body.get(), "message", problem.message);
    }
    Response r = Response::json(status, body.get());
    for (const auto& [name, value] : problem.headers) r.with_header(name, value);
    return r;
}

// --- bodies and mail ---------------------------------------------------------------------------

std::string profile_field(const Account& a, const char* key) {
    auto it = a.profile.find(key);
    return it == a.profile.end() ? std::string() : it->second;
}

Json user_json(const Account& a) {
    Json user = json_object();
    json_put(user.get(), "id", a.public_id);
    json_put(user.get(), "email", a.email);
    json_put(user.get(), "firstName", profile_field(a, "firstName"));
    json_put(user.get(), "lastName", profile_field(a, "lastName"));
    return user;
}

// The name a mail greets with: the first name as data (core/mail/templates.hpp), else the address.
std::string display_name(const Account& a) {
    const std::string first = name_for_mail(profile_field(a, "firstName"));
    return first.empty() ? a.email : first;
}

// Asks the sending limits for one mail of `purpose` to `email`, inside the caller's transaction.
// Requests for addresses without an account (account_id 0) are counted the same way, so the work
// and the answer do not depend on whether the account exists (and they spend nothing of an account
// registered later). False: limited, send nothing.
Result<bool> may_send(Services& services, const Request& request, std::string_view email,
                      std::int64_t account_id, const char* purpose, std::int64_t now) {
    auto allowed = services.send_limits().allow(site_of(request), purpose, email, account_id,
                                                client_network_of(request),
                                                link_send_policy(services.config), now);
    if (allowed) return true;
    if (allowed.error().code == Errc::rate_limited) return false;
    return allowed.error();
}

// Issues a token of `purpose` and queues its mail; inside the caller's transaction.
Result<void> queue_link_mail(Services& services, const Request& request, const Account& account,
                             const char* purpose, std::int64_t ttl, const std::string& path,
                             std::int64_t now) {
    auto token = services.one_time_tokens().issue(account.id, purpose, ttl, now);
    if (!token) return token.error();
    const auto base = public_url(services, request);
    if (!base) return base.error();
    const std::string link = *base + path + "?token=" + *token;
    MailMessage mail = compose_mail(services.config.template_dir, site_of(request), purpose,
                                    account.locale, account.email,
                                    {{"link", link},
                                     {"name", display_name(account)},
                                     {"email", account.email},
                                     {"site", std::string(site_of(request))}});
    auto queued = services.outbox().enqueue(mail, now);
    if (!queued) return queued.error();
    return {};
}

// Runs `work` in one write transaction.
template <class Work>
Result<void> in_transaction(Services& services, Work&& work) {
    auto tx = services.store->begin();
    if (!tx) return tx.error();
    if (auto r = work(); !r) return r;
    return tx->commit();
}

// --- handlers ----------------------------------------------------------------------------------

Outcome register_user(Context& c) {
    Services& services = c.services;
    const Request& request = c.request;
    auto fields = read_fields(c, kRegisterFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    const std::int64_t now = c.now;
    NewAccount account{.site = std::string(site_of(request)),
                       .email = v["email"],
                       .password = v["password"],
                       .profile = {{"firstName", v["firstName"]}, {"lastName", v["lastName"]}},
                       .locale = request_locale(request)};
    // The new account's first send: nothing strangers asked for the address before counts against
    // it (core/mail/send_limits.hpp), so only the registering network's own per-network limit can
    // refuse it. Past that the account is still created, without its mail (the same answer: the
    // owner can ask for the link again); a registration mails an address at most once anyway.
    auto created = services.accounts().create(account, now, [&](const Account& a) -> Result<void> {
        auto allowed = may_send(services, request, a.email, a.id, kVerifyPurpose, now);
        if (!allowed) return allowed.error();
        if (!*allowed) return {};
        return queue_link_mail(services, request, a, kVerifyPurpose, kVerifyTtl,
                               services.config.verify_link_path, now);
    });
    if (!created) return created.error();
    services.mail_queued();
    audit(services, request, "register", created->id, created->email);
    Json out = json_object();
    json_put(out.get(), "message", "Registration successful. Verification email sent.");
    json_put(out.get(), "userId", created->public_id);
    return Response::json(201, out.get());
}

// A sign-in that is complete (the password, and the second factor when the account has one).
Outcome signed_in(Context& c, const Account& account) {
    audit(c.services, c.request, "login.success", account.id, account.email);
    note_sign_in(c.services, c.request, account);
    const auto token = sign_in_token(c.services, c.request, account, c.now);
    if (!token) return token.error();
    Json out = json_object();
    json_put(out.get(), "token", token->token);
    json_put(out.get(), "user", user_json(account));
    return Response::json(200, out.get());
}

Outcome login(Context& c) {
    Services& services = c.services;
    const Request& request = c.request;
    auto fields = read_fields(c, kLoginFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    const std::int64_t now = c.now;
    auto account = services.accounts().authenticate(services.guesses, site_of(request), "user",
                                                    v["email"], v["password"], now);
    if (!account) {
        if (account.error().code == Errc::rate_limited) {
            return guess_refusal(services, request);
        }
        if (account.error().code == Errc::invalid_credentials) {
            audit(services, request, "login.failure", 0, v["email"]);
        }
        return account.error();
    }
    // Only now, with the password proven right, may the answer reveal the account's state.
    if (!account->email_verified) {
        audit(services, request, "login.failure", account->id, account->email,
              "email not verified");
        return make_error(Errc::email_unverified);
    }
    if (auto challenge = second_factor_challenge(c, *account, kCamelCaseSecondFactor)) {
        return std::move(*challenge);
    }
    return signed_in(c, *account);
}

Outcome login_second_factor(Context& c) {
    return second_factor_step(c, kCamelCaseSecondFactor,
                              [&](const Account& account) { return signed_in(c, account); });
}

Outcome verify_email(Context& c) {
    Services& services = c.services;
    const Request& request = c.request;
    const auto token = request.query("token");
    const Error invalid = make_error(Errc::invalid_token);
    if (!token || token->empty()) return invalid;
    const std::int64_t now = c.now;
    auto pass = services.guesses.reserve("", now);
    if (!pass) {
        if (pass.error().code == Errc::rate_limited) return guess_refusal(services, request);
        return pass.error();
    }
    bool ok = false;
    std::int64_t account_id = 0;
    auto done = in_transaction(services, [&]() -> Result<void> {
        auto redeemed = services.one_time_tokens().redeem(*pass, kVerifyPurpose, *token, now);
        if (!redeemed) {
            if (redeemed.error().code == Errc::invalid_token) return {};
            return redeemed.error();
        }
        account_id = redeemed->account_id;
        // A second click (or a mail scanner's prefetch before the user's click) is fine: the
        // link did its work once, and says so again.
        ok = true;
        return services.accounts().mark_email_verified(redeemed->account_id, now);
    });
    if (done && ok) remember_network(services, request, account_id);
    if (!done) {
        (void)services.guesses.cancel(*pass);  // never checked: nothing to count
        return done.error();
    }
    if (!ok) return invalid;
    if (auto r = services.guesses.succeeded(*pass, now); !r) return r.error();
    audit(services, request, "verify", account_id, "");
    Json out = json_object();
    json_put(out.get(), "message", "Email verified");
    const auto base = public_url(services, request);
    if (!base) return base.error();
    json_put(out.get(), "redirect", *base + "/login");
    return Response::json(200, out.get());
}

// A link of `purpose` for the address in the body, if it has an account that `wants` one, and
// always the same answer (`reply`), with the same work up to the commit whether or not the address
// has an account, so the answer cannot tell who has one.
struct LinkMail {
    const char* purpose;
    std::int64_t ttl;
    const std::string& path;
    bool (*wants)(const Account&);
    const char* reply;
};

Outcome mail_link(Context& c, const LinkMail& link) {
    auto fields = read_fields(c, kEmailField);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    const std::string& email = std::get<FieldValues>(fields)["email"];
    bool queued = false;
    auto done = in_transaction(c.services, [&]() -> Result<void> {
        auto account = c.services.accounts().find_by_email(c.site, "user", email);
        if (!account) return account.error();
        auto allowed = may_send(c.services, c.request, email, *account ? (*account)->id : 0,
                                link.purpose, c.now);
        if (!allowed) return allowed.error();
        if (!*allowed || !*account || (*account)->disabled || !link.wants(**account)) return {};
        queued = true;
        return queue_link_mail(c.services, c.request, **account, link.purpose, link.ttl, link.path,
                               c.now);
    });
    if (!done) return done.error();
    if (queued) c.services.mail_queued();
    Json out = json_object();
    json_put(out.get(), "message", link.reply);
    return Response::json(200, out.get());
}

Outcome resend_verification(Context& c) {
    return mail_link(
        c, {kVerifyPurpose, kVerifyTtl, c.services.config.verify_link_path,
            [](const Account& a) { return !a.email_verified; },
            "If the account exists and is not verified, a verification email has been sent."});
}

Outcome forgot_password(Context& c) {
    return mail_link(c, {kResetPurpose, kResetTtl, c.services.config.reset_link_path,
                         [](const Account&) { return true; },
                         "If an account exists for that email, a password reset link has been "
                         "sent."});
}

Outcome reset_password(Context& c) {
    Services& services = c.services;
    const Request& request = c.request;
    auto fields = read_fields(c, kResetFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    const std::int64_t now = c.now;
    // Counted before the hash, so a throttled guess costs no hashing either.
    auto pass = services.guesses.reserve("", now);
    if (!pass) {
        if (pass.error().code == Errc::rate_limited) return guess_refusal(services, request);
        return pass.error();
    }
    const Error invalid = make_error(Errc::invalid_token);
    // A read first, so a dead token costs no password hash; the redeem below decides.
    auto live = services.one_time_tokens().live(*pass, kResetPurpose, v["token"], now);
    if (!live) {
        (void)services.guesses.cancel(*pass);
        return live.error();
    }
    if (!*live) return invalid;
    auto hash = services.hasher.hash(v["password"]);  // before the write lock
    if (!hash) {
        (void)services.guesses.cancel(*pass);  // the token was never redeemed: not a guess heard
        return hash.error();
    }
    bool ok = false;
    std::int64_t account_id = 0;
    auto done = in_transaction(services, [&]() -> Result<void> {
        auto redeemed = services.one_time_tokens().redeem(*pass, kResetPurpose, v["token"], now);
        if (!redeemed) {
            if (redeemed.error().code == Errc::invalid_token) return {};
            return redeemed.error();
        }
        if (redeemed->already_used) return {};  // single use, unlike verification
        ok = true;
        account_id = redeemed->account_id;
        if (auto r = services.send_limits().remember(account_id, client_network_of(request), now);
            !r)
            return r;
        auto accounts = services.accounts();
        // Every reset link of the account was good until now; the first one used ends them all.
        if (auto r = accounts.replace_password(redeemed->account_id, *hash, now, kResetPurpose); !r)
            return r;
        // The reset link reached the mailbox: that proves the address as well as a verification.
        return accounts.mark_email_verified(redeemed->account_id, now);
    });
    if (!done) {
        (void)services.guesses.cancel(*pass);
        return done.error();
    }
    if (!ok) return invalid;
    if (auto r = services.guesses.succeeded(*pass, now); !r) return r.error();
    audit(services, request, "reset", account_id, "");
    Json out = json_object();
    json_put(out.get(), "message", "Password has been reset");
    return Response::json(200, out.get());
}

Outcome current_user(Context& c) {
    Json out = json_object();
    json_put(out.get(), "user", user_json(c.who().account));
    return Response::json(200, out.get());
}

// The caller's own password; every other session and token ends, the account's outstanding reset
// links too, and the caller continues with the fresh token in the answer.
Outcome change_password(Context& c) {
    auto fields = read_fields(c, kChangePasswordFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    const auto answer = [&](const Account& account) -> Outcome {
        const auto token = sign_in_token(c.services, c.request, account, c.now);
        if (!token) return token.error();
        Json out = json_object();
        json_put(out.get(), "message", "Password changed");
        json_put(out.get(), "token", token->token);
        return Response::json(200, out.get());
    };
    return latchkey::change_password(c, {.current = v["currentPassword"],
                                         .replacement = v["newPassword"],
                                         .one_time_purpose = kResetPurpose,
                                         .answer = answer});
}

Outcome delete_account(Context& c) {
    auto fields = read_fields(c, kDeleteAccountFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    return latchkey::delete_account(c, {.password = v["password"], .answer = []() -> Outcome {
                                            Json out = json_object();
                                            json_put(out.get(), "message", "Account deleted");
                                            return Response::json(200, out.get());
                                        }});
}

// A link to the new address (or, if it is taken, a notice to it); the same 202 either way, worded
// as forgot-password's answer is.
Outcome change_email(Context& c) {
    auto fields = read_fields(c, kChangeEmailFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    return request_email_change(c, {.password = v["password"],
                                    .new_email = v["newEmail"],
                                    .email_field = "newEmail",
                                    .answer = [] {
                                        Json out = json_object();
                                        json_put(out.get(), "message", kEmailChangeSent);
                                        return Outcome(Response::json(202, out.get()));
                                    }});
}

// The reset links mailed to the old address end with the move: the mailbox the account left must
// not be able to take it back.
Outcome confirm_email(Context& c) {
    auto fields = read_fields(c, kConfirmEmailFields);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    return confirm_email_change(
        c, {.token = v["token"], .one_time_purpose = kResetPurpose, .answer = [] {
                Json out = json_object();
                json_put(out.get(), "message", "Email changed");
                return Outcome(Response::json(200, out.get()));
            }});
}

// The caller's sessions, as every password contract lists them (handlers/account_sessions).
Outcome sessions(Context& c) {
    return list_sessions(c, kCamelCaseSessions);
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
    return latchkey::revoke_session(c, v["sessionId"],
                                    [](bool) { return message("Session revoked"); });
}

Outcome revoke_all_sessions(Context& c) {
    return latchkey::revoke_all_sessions(c, [] { return message("Signed out everywhere"); });
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
        c,
        [&](const Account& account) -> Outcome {
            if (!account.email_verified) return make_error(Errc::email_unverified);
            return signed_in(c, account);
        },
        [&](const Account& account) {
            return second_factor_challenge(c, account, kCamelCaseSecondFactor);
        });
}

}  // namespace

Contract verified_contract() {
    return Contract{"verified", kRoutes, kWording, render_problem};
}

}  // namespace latchkey
