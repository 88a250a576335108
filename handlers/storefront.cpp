// The storefront contract (seed 004): merchants and customers as separate namespaces, 15-minute
// access tokens carrying the account type, 7-day rotating refresh tokens in an HttpOnly cookie
// scoped to /api/auth, and login throttling per email on top of nginx's per-IP limit.
#include <string>

#include "core/auth/sessions.hpp"
#include "core/base/clock.hpp"
#include "handlers/auth.hpp"
#include "handlers/contracts.hpp"
#include "handlers/services.hpp"
#include "handlers/throttle.hpp"
#include "handlers/validation.hpp"

namespace latchkey {
namespace {

Response register_merchant(Services&, const Request&);
Response register_customer(Services&, const Request&);
Response login_merchant(Services&, const Request&);
Response login_customer(Services&, const Request&);
Response refresh(Services&, const Request&);
Response logout(Services&, const Request&);
Response current_user(Services&, const Request&);

// The contract's API, as its frontend calls it.
constexpr Route kRoutes[] = {
    {"POST", "/api/auth/merchant/register", register_merchant},
    {"POST", "/api/auth/merchant/login", login_merchant, kThrottleLogin},
    {"POST", "/api/auth/customer/register", register_customer},
    {"POST", "/api/auth/customer/login", login_customer, kThrottleLogin},
    {"POST", "/api/auth/refresh", refresh},
    {"POST", "/api/auth/logout", logout},
    {"GET", "/api/auth/me", current_user},
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

constexpr std::int64_t kAccessTtl = 15 * 60;
constexpr std::int64_t kRefreshMaxAge = 7 * 24 * 3600;
constexpr std::string_view kRefreshCookie = "refreshToken";
constexpr const char* kInvalidRefresh = "Invalid or expired refresh token";

// --- error bodies ------------------------------------------------------------------------------

std::string label(std::string_view field) {
    if (field == "email") return "Email";
    if (field == "password") return "Password";
    if (field == "storeName") return "Store name";
    if (field == "firstName") return "First name";
    if (field == "lastName") return "Last name";
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
            return "Email must be a valid email address";
        case Issue::too_short:
            return name + " must be at least " + std::to_string(issue.limit) + " characters";
        case Issue::too_long:
            return name + " must be at most " + std::to_string(issue.limit) +
                   (issue.field == "password" ? " bytes" : " characters");
        case Issue::invalid_chars:
            return name + " must not contain control characters";
        case Issue::mismatch:
            return name + " does not match";
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
        Json errors = json_object();
        for (const auto& issue : problem.issues) {
            const std::string key = issue.field.empty() ? "body" : issue.field;
            if (!cJSON_HasObjectItem(errors.get(), key.c_str())) {
                json_put(errors.get(), key.c_str(), message_for(issue));
            }
        }
        json_put(body.get(), "errors", std::move(errors));
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
    if (!issues.empty())
        return render_problem(Problem{400, "Validation failed", std::move(issues), {}});
    return values;
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
Response with_tokens(Services& services, const Request& request, const Account& account,
                     const RefreshGrant& grant, Json body, int status, std::int64_t now) {
    auto access = access_token(services, request, account, grant.family_id, now);
    if (!access) return core_failure(access.error());
    auto refresh = sign_refresh_token(services, request, account, grant);
    if (!refresh) return core_failure(refresh.error());
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
Response signed_in(Services& services, const Request& request, const Account& account, int status,
                   std::int64_t now) {
    auto grant = sessions(services).start(site_of(request), account.id, now);
    if (!grant) return core_failure(grant.error());
    Json out = json_object();
    json_put(out.get(), account.kind.c_str(), account_json(account));
    return with_tokens(services, request, account, *grant, std::move(out), status, now);
}

// --- handlers ----------------------------------------------------------------------------------

Response register_account(Services& services, const Request& request, const char* kind,
                          std::span<const FieldRule> rules) {
    auto fields = read_fields(request, rules);
    if (auto* r = std::get_if<Response>(&fields)) return std::move(*r);
    auto& v = std::get<FieldValues>(fields);
    Profile profile;
    for (const auto& rule : rules) {
        if (std::string_view(rule.name) != "email" && std::string_view(rule.name) != "password") {
            profile[rule.name] = v[rule.name];
        }
    }
    const std::int64_t now = unix_now();
    NewAccount account{.site = std::string(site_of(request)),
                       .kind = kind,
                       .email = v["email"],
                       .password = v["password"],
                       .profile = std::move(profile),
                       .id_style = PublicIdStyle::hex24};
    auto created = services.accounts().create(account, now);
    if (!created) {
        if (created.error().code == Errc::email_taken) return message(409, "Email already exists");
        return core_failure(created.error());
    }
    audit(services, request, "register", created->id, created->email, kind);
    return signed_in(services, request, *created, 201, now);
}

Response register_merchant(Services& s, const Request& r) {
    return register_account(s, r, "merchant", kMerchantFields);
}
Response register_customer(Services& s, const Request& r) {
    return register_account(s, r, "customer", kCustomerFields);
}

Response login_account(Services& services, const Request& request, const char* kind) {
    auto fields = read_fields(request, kLoginFields);
    if (auto* r = std::get_if<Response>(&fields)) return std::move(*r);
    auto& v = std::get<FieldValues>(fields);
    const std::string_view site = site_of(request);
    const std::int64_t now = unix_now();
    auto account = services.accounts().authenticate(services.guesses, site, kind, v["email"],
                                                    v["password"], now);
    if (!account) {
        if (account.error().code == Errc::rate_limited) {
            return render_problem(guess_refusal(services, request));
        }
        if (account.error().code != Errc::invalid_credentials) return core_failure(account.error());
        audit(services, request, "login.failure", 0, v["email"], kind);
        return message(401, "Invalid credentials");
    }
    audit(services, request, "login.success", account->id, account->email, kind);
    return signed_in(services, request, *account, 200, now);
}

Response login_merchant(Services& s, const Request& r) {
    return login_account(s, r, "merchant");
}
Response login_customer(Services& s, const Request& r) {
    return login_account(s, r, "customer");
}

// The refresh cookie's token, if it is a valid refresh token of this site.
std::optional<PresentedRefresh> presented_refresh(Services& services, const Request& request) {
    const auto cookie = request.cookie(kRefreshCookie);
    if (!cookie) return std::nullopt;
    return read_refresh_token(services, request, *cookie);
}

Response refused_refresh() {
    return message(401, kInvalidRefresh).with_header("Set-Cookie", refresh_cookie("", 0));
}

Response refresh(Services& services, const Request& request) {
    if (!same_origin_or_trusted(request)) return message(403, "Cross-origin request refused");
    const auto presented = presented_refresh(services, request);
    if (!presented) return refused_refresh();
    const std::int64_t now = unix_now();
    auto rotated =
        sessions(services).rotate(site_of(request), presented->family, presented->jti, now);
    if (!rotated) {
        if (rotated.error().code == Errc::refresh_reuse) {
            audit(services, request, "refresh.reuse", 0, "", "family " + presented->family);
        }
        if (rotated.error().code == Errc::invalid_token ||
            rotated.error().code == Errc::refresh_reuse)
            return refused_refresh();
        return core_failure(rotated.error());
    }
    auto account = services.accounts().find_by_id(rotated->first.account_id);
    if (!account) {
        if (account.error().code == Errc::not_found) return refused_refresh();
        return core_failure(account.error());
    }
    if (account->disabled) return refused_refresh();
    return with_tokens(services, request, *account, rotated->first, json_object(), 200, now);
}

Response logout(Services& services, const Request& request) {
    if (!same_origin_or_trusted(request)) return message(403, "Cross-origin request refused");
    if (const auto presented = presented_refresh(services, request)) {
        auto revoked = sessions(services).revoke_family(site_of(request), presented->family,
                                                        "logout", unix_now());
        if (!revoked) return core_failure(revoked.error());
        audit(services, request, "logout", 0, "", "family " + presented->family);
    }
    Json out = json_object();
    json_put(out.get(), "message", "Logged out successfully");
    return Response::json(200, out.get()).with_header("Set-Cookie", refresh_cookie("", 0));
}

Response current_user(Services& services, const Request& request) {
    auto who = authenticate(services, request, /*kind from the token*/ "");
    if (auto* error = std::get_if<Error>(&who)) return core_failure(*error);
    if (std::holds_alternative<AuthFailure>(who)) return message(401, "Not authenticated");
    const Account& account = std::get<Caller>(who).account;
    Json out = json_object();
    json_put(out.get(), "type", account.kind);
    json_put(out.get(), "user", account_json(account));
    return Response::json(200, out.get());
}

}  // namespace

Contract storefront_contract() {
    return Contract{"storefront", kRoutes, render_problem};
}

}  // namespace latchkey
