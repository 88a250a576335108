// The verified contract (seed 003): registration with email verification, login refused until
// the email is verified, password reset by mail. Errors are {"message", ...}; validation failures
// carry the field map twice, as "details" and "errors", so both of the seed's shapes work.
#include <string>

#include "core/base/clock.hpp"
#include "core/base/log.hpp"
#include "core/mail/templates.hpp"
#include "handlers/auth.hpp"
#include "handlers/contracts.hpp"
#include "handlers/services.hpp"
#include "handlers/throttle.hpp"
#include "handlers/validation.hpp"

namespace latchkey {
namespace {

Response register_user(Services&, const Request&);
Response login(Services&, const Request&);
Response verify_email(Services&, const Request&);
Response resend_verification(Services&, const Request&);
Response forgot_password(Services&, const Request&);
Response reset_password(Services&, const Request&);
Response current_user(Services&, const Request&);

// The contract's API, as its frontend calls it.
constexpr Route kRoutes[] = {
    {"POST", "/api/auth/register", register_user},
    {"POST", "/api/auth/login", login, kThrottleLogin},
    {"GET", "/api/auth/verify", verify_email, kThrottleToken},
    {"POST", "/api/auth/verify/resend", resend_verification},
    {"POST", "/api/auth/forgot", forgot_password},
    {"POST", "/api/auth/reset", reset_password, kThrottleToken},
    {"GET", "/api/auth/me", current_user},
};

constexpr FieldRule kRegisterFields[] = {
    {.name = "firstName", .required = false, .max_length = 50, .blank_is_missing = true},
    {.name = "lastName", .required = false, .max_length = 50, .blank_is_missing = true},
    {.name = "email", .kind = FieldKind::email, .blank_is_missing = true},
    {.name = "password", .kind = FieldKind::password, .min_length = 8, .blank_is_missing = true},
    {.name = "confirmPassword", .kind = FieldKind::password, .blank_is_missing = true},
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
    {.name = "confirmPassword", .kind = FieldKind::password, .blank_is_missing = true},
};

constexpr std::int64_t kVerifyTtl = 24 * 3600;
constexpr std::int64_t kResetTtl = 3600;
constexpr const char* kVerifyPurpose = "verify_email";
constexpr const char* kResetPurpose = "reset_password";

// --- error bodies ------------------------------------------------------------------------------

std::string label(std::string_view field) {
    if (field == "firstName") return "First name";
    if (field == "lastName") return "Last name";
    if (field == "email") return "Email";
    if (field == "password") return "Password";
    if (field == "confirmPassword") return "Password confirmation";
    if (field == "token") return "Token";
    return std::string(field);
}

std::string message_for(const FieldIssue& issue) {
    const std::string name = label(issue.field);
    switch (issue.issue) {
        case Issue::missing:
            return name + " is required";
        case Issue::wrong_type:
            return name + " must be a string";
        case Issue::invalid_email:
            return "Invalid email";
        case Issue::too_short:
            return name + " must be at least " + std::to_string(issue.limit) + " characters";
        case Issue::too_long:
            return name + " must be at most " + std::to_string(issue.limit) +
                   (issue.field == "password" || issue.field == "confirmPassword" ? " bytes"
                                                                                  : " characters");
        case Issue::mismatch:
            return "Passwords do not match";
        case Issue::invalid_chars:
            return name + " must not contain control characters";
        case Issue::invalid_choice:
            return name + " has an unexpected value";
        case Issue::not_object:
            return "Request body must be a JSON object";
        case Issue::malformed:
            return "Request body is not valid JSON (" + issue.detail + " at character " +
                   std::to_string(issue.offset) + ")";
        case Issue::duplicate_key:
            return "Field appears more than once";
    }
    return name + " is invalid";
}

Response render_problem(const Problem& problem) {
    Json body = json_object();
    int status = problem.status;
    if (!problem.issues.empty()) {
        status = 400;
        json_put(body.get(), "message", "Validation failed");
        Json fields = json_object();
        for (const auto& issue : problem.issues) {
            const std::string key = issue.field.empty() ? "body" : issue.field;
            if (!cJSON_HasObjectItem(fields.get(), key.c_str())) {
                json_put(fields.get(), key.c_str(), message_for(issue));
            }
        }
        json_put(body.get(), "details", Json(cJSON_Duplicate(fields.get(), true)));
        json_put(body.get(), "errors", std::move(fields));
    } else if (status == 500) {
        json_put(body.get(), "message", "Internal server error");
    } else {
        json_put(body.get(), "message", problem.message);
    }
    Response r = Response::json(status, body.get());
    for (const auto& [name, value] : problem.headers) r.with_header(name, value);
    return r;
}

Response message(int status, std::string text) {
    return render_problem(Problem{status, std::move(text), {}, {}});
}

Response core_failure(const Error& error) {
    return render_problem(problem_from_core(error));
}

std::variant<FieldValues, Response> read_fields(const Request& request,
                                                std::span<const FieldRule> rules) {
    auto body = read_json_body(request);
    if (auto* p = std::get_if<Problem>(&body)) return render_problem(*p);
    FieldValues values;
    auto issues = validate_fields(std::get<Json>(body).get(), rules, values);
    // confirmPassword must equal password exactly (never trimmed), once both are otherwise valid.
    const bool has_password = values.count("password") != 0;
    const bool has_confirm = values.count("confirmPassword") != 0;
    if (has_password && has_confirm && values["password"] != values["confirmPassword"]) {
        issues.emplace_back("confirmPassword", Issue::mismatch);
    }
    if (!issues.empty())
        return render_problem(Problem{400, "Validation failed", std::move(issues), {}});
    return values;
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
    MailMessage mail =
        compose_mail(services.config.template_dir, site_of(request), purpose, account.email,
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

Response register_user(Services& services, const Request& request) {
    auto fields = read_fields(request, kRegisterFields);
    if (auto* r = std::get_if<Response>(&fields)) return std::move(*r);
    auto& v = std::get<FieldValues>(fields);
    const std::int64_t now = unix_now();
    NewAccount account{.site = std::string(site_of(request)),
                       .email = v["email"],
                       .password = v["password"],
                       .profile = {{"firstName", v["firstName"]}, {"lastName", v["lastName"]}}};
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
    if (!created) {
        if (created.error().code == Errc::email_taken) return message(409, "Email already in use");
        return core_failure(created.error());
    }
    services.mail_queued();
    audit(services, request, "register", created->id, created->email);
    Json out = json_object();
    json_put(out.get(), "message", "Registration successful. Verification email sent.");
    json_put(out.get(), "userId", created->public_id);
    return Response::json(201, out.get());
}

Response login(Services& services, const Request& request) {
    auto fields = read_fields(request, kLoginFields);
    if (auto* r = std::get_if<Response>(&fields)) return std::move(*r);
    auto& v = std::get<FieldValues>(fields);
    const std::int64_t now = unix_now();
    auto account = services.accounts().authenticate(services.guesses, site_of(request), "user",
                                                    v["email"], v["password"], now);
    if (!account) {
        if (account.error().code == Errc::rate_limited) {
            return render_problem(guess_refusal(services, request));
        }
        if (account.error().code == Errc::invalid_credentials) {
            audit(services, request, "login.failure", 0, v["email"]);
            return message(401, "Invalid credentials");
        }
        return core_failure(account.error());
    }
    // Only now, with the password proven right, may the answer reveal the account's state.
    if (!account->email_verified) {
        audit(services, request, "login.failure", account->id, account->email,
              "email not verified");
        return message(403, "Email not verified");
    }
    audit(services, request, "login.success", account->id, account->email);
    remember_network(services, request, account->id);
    const auto token = issue_token_for(services, request, *account,
                                       services.config.access_token_ttl, nullptr, now);
    if (!token) return core_failure(token.error());
    Json out = json_object();
    json_put(out.get(), "token", token->token);
    json_put(out.get(), "user", user_json(*account));
    return Response::json(200, out.get());
}

Response verify_email(Services& services, const Request& request) {
    const auto token = request.query("token");
    const Response invalid = message(400, "Invalid or expired verification token");
    if (!token || token->empty()) return invalid;
    const std::int64_t now = unix_now();
    auto pass = services.guesses.reserve("", now);
    if (!pass) {
        if (pass.error().code == Errc::rate_limited)
            return render_problem(guess_refusal(services, request));
        return core_failure(pass.error());
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
        return core_failure(done.error());
    }
    if (!ok) return invalid;
    if (auto r = services.guesses.succeeded(*pass, now); !r) return core_failure(r.error());
    audit(services, request, "verify", account_id, "");
    Json out = json_object();
    json_put(out.get(), "message", "Email verified");
    const auto base = public_url(services, request);
    if (!base) return core_failure(base.error());
    json_put(out.get(), "redirect", *base + "/login");
    return Response::json(200, out.get());
}

// Always the same answer, so it cannot tell who has an account.
Response resend_verification(Services& services, const Request& request) {
    auto fields = read_fields(request, kEmailField);
    if (auto* r = std::get_if<Response>(&fields)) return std::move(*r);
    auto& v = std::get<FieldValues>(fields);
    const std::int64_t now = unix_now();
    bool queued = false;
    auto done = in_transaction(services, [&]() -> Result<void> {
        auto account = services.accounts().find_by_email(site_of(request), "user", v["email"]);
        if (!account) return account.error();
        auto allowed = may_send(services, request, v["email"], *account ? (*account)->id : 0,
                                kVerifyPurpose, now);
        if (!allowed) return allowed.error();
        if (!*allowed || !*account || (*account)->email_verified || (*account)->disabled) return {};
        queued = true;
        return queue_link_mail(services, request, **account, kVerifyPurpose, kVerifyTtl,
                               services.config.verify_link_path, now);
    });
    if (!done) return core_failure(done.error());
    if (queued) services.mail_queued();
    Json out = json_object();
    json_put(out.get(), "message",
             "If the account exists and is not verified, a verification email has been sent.");
    return Response::json(200, out.get());
}

// Always the same answer, with the same work up to the commit, whether or not the email exists.
Response forgot_password(Services& services, const Request& request) {
    auto fields = read_fields(request, kEmailField);
    if (auto* r = std::get_if<Response>(&fields)) return std::move(*r);
    auto& v = std::get<FieldValues>(fields);
    const std::int64_t now = unix_now();
    bool queued = false;
    auto done = in_transaction(services, [&]() -> Result<void> {
        auto account = services.accounts().find_by_email(site_of(request), "user", v["email"]);
        if (!account) return account.error();
        auto allowed = may_send(services, request, v["email"], *account ? (*account)->id : 0,
                                kResetPurpose, now);
        if (!allowed) return allowed.error();
        if (!*allowed || !*account || (*account)->disabled) return {};
        queued = true;
        return queue_link_mail(services, request, **account, kResetPurpose, kResetTtl,
                               services.config.reset_link_path, now);
    });
    if (!done) return core_failure(done.error());
    if (queued) services.mail_queued();
    Json out = json_object();
    json_put(out.get(), "message",
             "If an account exists for that email, a password reset link has been sent.");
    return Response::json(200, out.get());
}

Response reset_password(Services& services, const Request& request) {
    auto fields = read_fields(request, kResetFields);
    if (auto* r = std::get_if<Response>(&fields)) return std::move(*r);
    auto& v = std::get<FieldValues>(fields);
    const std::int64_t now = unix_now();
    // Counted before the hash, so a throttled guess costs no hashing either.
    auto pass = services.guesses.reserve("", now);
    if (!pass) {
        if (pass.error().code == Errc::rate_limited)
            return render_problem(guess_refusal(services, request));
        return core_failure(pass.error());
    }
    const Response invalid = message(400, "Invalid or expired reset token");
    // A read first, so a dead token costs no password hash; the redeem below decides.
    auto live = services.one_time_tokens().live(*pass, kResetPurpose, v["token"], now);
    if (!live) {
        (void)services.guesses.cancel(*pass);
        return core_failure(live.error());
    }
    if (!*live) return invalid;
    auto hash = services.hasher.hash(v["password"]);  // before the write lock
    if (!hash) {
        (void)services.guesses.cancel(*pass);  // the token was never redeemed: not a guess heard
        return core_failure(hash.error());
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
        return core_failure(done.error());
    }
    if (!ok) return invalid;
    if (auto r = services.guesses.succeeded(*pass, now); !r) return core_failure(r.error());
    audit(services, request, "reset", account_id, "");
    Json out = json_object();
    json_put(out.get(), "message", "Password has been reset");
    return Response::json(200, out.get());
}

Response current_user(Services& services, const Request& request) {
    auto who = authenticate(services, request, "user");
    if (auto* error = std::get_if<Error>(&who)) return core_failure(*error);
    if (auto* failure = std::get_if<AuthFailure>(&who)) {
        return message(401, *failure == AuthFailure::missing ? "Not authenticated"
                                                             : "Invalid or expired token");
    }
    Json out = json_object();
    json_put(out.get(), "user", user_json(std::get<Caller>(who).account));
    return Response::json(200, out.get());
}

}  // namespace

Contract verified_contract() {
    return Contract{"verified", kRoutes, render_problem};
}

}  // namespace latchkey
