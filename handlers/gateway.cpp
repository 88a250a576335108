// The gateway contract (seed 001): {"error", "details"} bodies with human messages, token in the
// body or in an HttpOnly cookie (chosen per site by nginx), and the gateway's 503 shape.
#include <string>

#include "core/base/clock.hpp"
#include "handlers/auth.hpp"
#include "handlers/contracts.hpp"
#include "handlers/services.hpp"
#include "handlers/throttle.hpp"
#include "handlers/validation.hpp"

namespace latchkey {
namespace {

Response register_user(Services&, const Request&);
Response login(Services&, const Request&);
Response current_user(Services&, const Request&);
Response logout(Services&, const Request&);

// The contract's API, as its frontend calls it.
constexpr Route kRoutes[] = {
    {"POST", "/api/auth/register", register_user},
    {"POST", "/api/auth/login", login, kThrottleLogin},
    {"GET", "/api/auth/me", current_user},
    {"POST", "/api/auth/logout", logout},
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

constexpr std::string_view kCookie = "token";

// --- error bodies ------------------------------------------------------------------------------

std::string label(std::string_view field) {
    if (field == "firstName") return "First name";
    if (field == "lastName") return "Last name";
    if (field == "email") return "Email";
    if (field == "password") return "Password";
    return std::string(field);
}

std::string message_for(const FieldIssue& issue) {
    const std::string name = label(issue.field);
    switch (issue.issue) {
        case Issue::missing:
            return name + " is required.";
        case Issue::wrong_type:
            return name + " must be a string.";
        case Issue::invalid_email:
            return "Email must be a valid email address.";
        case Issue::too_short:
            return name + " must be at least " + std::to_string(issue.limit) + " characters.";
        case Issue::too_long:
            return name + " must be at most " + std::to_string(issue.limit) +
                   (issue.field == "password" ? " bytes." : " characters.");
        case Issue::invalid_chars:
            return name + " must not contain control characters.";
        case Issue::mismatch:
            return name + " does not match.";
        case Issue::invalid_choice:
            return name + " has an unexpected value.";
        case Issue::not_object:
            return "Request body must be a JSON object.";
        case Issue::malformed:
            return "Request body is not valid JSON (" + issue.detail + " at character " +
                   std::to_string(issue.offset) + ").";
        case Issue::duplicate_key:
            return "Field '" + issue.field + "' appears more than once.";
    }
    return name + " is invalid.";
}

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

Response render_problem(const Problem& problem) {
    if (problem.status == 503) return unavailable(problem);
    Json body = json_object();
    if (!problem.issues.empty()) {
        json_put(body.get(), "error", "Validation failed");
        Json details = json_object();
        for (const auto& issue : problem.issues) {
            const std::string key = issue.field.empty() ? "body" : issue.field;
            if (!cJSON_HasObjectItem(details.get(), key.c_str())) {
                json_put(details.get(), key.c_str(), message_for(issue));
            }
        }
        json_put(body.get(), "details", std::move(details));
        return Response::json(400, body.get());
    }
    if (problem.status == 500) {
        json_put(body.get(), "error", "Internal server error");
        json_put(body.get(), "status_code", std::int64_t{500});
    } else if (problem.status == 401 || problem.status == 403 || problem.status == 409) {
        json_put(body.get(), "error", problem.message);
    } else {
        // Protocol-level errors (404, 405, 413, 415) carry their code like the seed's 500 does.
        json_put(body.get(), "error", problem.message);
        json_put(body.get(), "status_code", std::int64_t{problem.status});
    }
    Response r = Response::json(problem.status, body.get());
    for (const auto& [name, value] : problem.headers) r.with_header(name, value);
    return r;
}

Response problem(int status, std::string message) {
    return render_problem(Problem{status, std::move(message), {}, {}});
}

Response core_failure(const Error& error) {
    return render_problem(problem_from_core(error));
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

Response misconfigured_delivery() {
    return core_failure(make_error(Errc::config, "LATCHKEY_TOKEN_DELIVERY must be body or cookie"));
}

// RFC 6265: HttpOnly keeps it from page script, Secure from plain HTTP (browsers treat localhost
// as secure), SameSite=Strict from cross-site requests.
std::string token_cookie(std::string_view value, bool clear) {
    std::string cookie = std::string(kCookie) + "=" + std::string(value) +
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

// --- handlers ----------------------------------------------------------------------------------

Response register_user(Services& services, const Request& request) {
    auto fields = read_fields(request, kRegisterFields);
    if (auto* r = std::get_if<Response>(&fields)) return std::move(*r);
    auto& v = std::get<FieldValues>(fields);
    NewAccount account{.site = std::string(site_of(request)),
                       .email = v["email"],
                       .password = v["password"],
                       .profile = {{"firstName", v["firstName"]}, {"lastName", v["lastName"]}}};
    auto created = services.accounts().create(account, unix_now());
    if (!created) {
        if (created.error().code == Errc::email_taken) {
            return problem(409, "User with this email already exists");
        }
        return core_failure(created.error());
    }
    audit(services, request, "register", created->id, created->email);
    Json out = json_object();
    json_put(out.get(), "message", "Registration successful");
    json_put(out.get(), "user_id", created->public_id);
    return Response::json(201, out.get());
}

Response login(Services& services, const Request& request) {
    const auto delivery = delivery_of(request);
    if (!delivery) return misconfigured_delivery();
    auto fields = read_fields(request, kLoginFields);
    if (auto* r = std::get_if<Response>(&fields)) return std::move(*r);
    auto& v = std::get<FieldValues>(fields);
    const std::string_view site = site_of(request);
    const std::int64_t now = unix_now();
    auto account = services.accounts().authenticate(services.guesses, site, "user", v["email"],
                                                    v["password"], now);
    if (!account) {
        if (account.error().code == Errc::rate_limited) {
            return render_problem(guess_refusal(services, request));
        }
        if (account.error().code == Errc::invalid_credentials) {
            audit(services, request, "login.failure", 0, v["email"]);
            return problem(401, "Invalid email or password");
        }
        return core_failure(account.error());
    }
    audit(services, request, "login.success", account->id, account->email);
    const auto token = issue_token_for(services, request, *account,
                                       services.config.access_token_ttl, nullptr, now);
    if (!token) return core_failure(token.error());
    Json out = json_object();
    if (*delivery == Delivery::cookie) {
        json_put(out.get(), "message", "Logged in");
        return Response::json(200, out.get())
            .with_header("Set-Cookie", token_cookie(token->token, false));
    }
    json_put(out.get(), "token", token->token);
    json_put(out.get(), "user", user_json(*account));
    return Response::json(200, out.get());
}

std::variant<Caller, Response> caller_of(Services& services, const Request& request) {
    const auto delivery = delivery_of(request);
    if (!delivery) return misconfigured_delivery();
    auto who = authenticate(services, request, "user",
                            *delivery == Delivery::cookie ? kCookie : std::string_view());
    if (auto* error = std::get_if<Error>(&who)) return core_failure(*error);
    if (auto* failure = std::get_if<AuthFailure>(&who)) {
        return problem(401, *failure == AuthFailure::missing ? "Authentication required"
                                                             : "Invalid or expired token");
    }
    return std::move(std::get<Caller>(who));
}

Response current_user(Services& services, const Request& request) {
    auto who = caller_of(services, request);
    if (auto* r = std::get_if<Response>(&who)) return std::move(*r);
    Json out = json_object();
    json_put(out.get(), "user", user_json(std::get<Caller>(who).account));
    return Response::json(200, out.get());
}

// Revokes the presented token and clears the cookie. Without a valid token it still clears the
// cookie and answers 200: the client wanted to be logged out, and is.
Response logout(Services& services, const Request& request) {
    const auto delivery = delivery_of(request);
    if (!delivery) return misconfigured_delivery();
    auto who = authenticate(services, request, "user",
                            *delivery == Delivery::cookie ? kCookie : std::string_view());
    if (auto* error = std::get_if<Error>(&who)) return core_failure(*error);
    if (auto* caller = std::get_if<Caller>(&who)) {
        if (caller->from_cookie && !same_origin_or_trusted(request)) {
            return problem(403, "Cross-origin request refused");
        }
        if (auto revoked =
                revoke_access_token(*services.store, site_of(request), caller->token, unix_now());
            !revoked) {
            return core_failure(revoked.error());
        }
        audit(services, request, "logout", caller->account.id, caller->account.email);
    }
    Json out = json_object();
    json_put(out.get(), "message", "Logged out");
    Response r = Response::json(200, out.get());
    if (*delivery == Delivery::cookie) r.with_header("Set-Cookie", token_cookie("", true));
    return r;
}

}  // namespace

Contract gateway_contract() {
    return Contract{"gateway", kRoutes, render_problem};
}

}  // namespace latchkey
