// The fastapi contract (seed 002): FastAPI + pydantic v1 behaviour, as CONTRACTS.md decides it.
#include <string>

#include "core/base/clock.hpp"
#include "core/base/log.hpp"
#include "handlers/auth.hpp"
#include "handlers/contracts.hpp"
#include "handlers/services.hpp"
#include "handlers/throttle.hpp"
#include "handlers/validation.hpp"

namespace latchkey {
namespace {

Response register_user(Services&, const Request&);
Response issue_token(Services&, const Request&);
Response current_user(Services&, const Request&);
Response logout(Services&, const Request&);

// The contract's API, as its frontend calls it.
constexpr Route kRoutes[] = {
    {"POST", "/api/auth/register", register_user},
    {"POST", "/api/auth/token", issue_token, kThrottleLogin},
    {"GET", "/api/auth/me", current_user},
    {"POST", "/api/auth/logout", logout},
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
        std::string message = problem.message;
        // The router already words 404 and 405 as FastAPI does; its 500 text is FastAPI's own.
        if (status == 500) message = "Internal Server Error";
        json_put(body.get(), "detail", message);
    }
    Response r = Response::json(status, body.get());
    for (const auto& [name, value] : problem.headers) r.with_header(name, value);
    return r;
}

namespace {

Response render_problem(const Problem& problem) {
    return render_fastapi_problem(problem);
}

Response problem(int status, std::string message,
                 std::vector<std::pair<std::string, std::string>> headers = {}) {
    return render_problem(Problem{status, std::move(message), {}, std::move(headers)});
}

Response invalid(std::vector<FieldIssue> issues) {
    return render_problem(Problem{422, "", std::move(issues), {}});
}

Response core_failure(const Error& error) {
    return render_problem(problem_from_core(error));
}

Response unauthorized(const char* message) {
    return problem(401, message, {{"WWW-Authenticate", "Bearer"}});
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

std::variant<Json, Response> json_body(const Request& request) {
    auto body = read_json_body(request);
    if (auto* p = std::get_if<Problem>(&body)) return render_problem(*p);
    return std::move(std::get<Json>(body));
}

// --- handlers ----------------------------------------------------------------------------------

Response register_user(Services& services, const Request& request) {
    auto body = json_body(request);
    if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
    FieldValues v;
    if (auto issues = validate_fields(std::get<Json>(body).get(), kRegisterFields, v);
        !issues.empty()) {
        return invalid(std::move(issues));
    }
    NewAccount account{.site = std::string(site_of(request)),
                       .email = v["email"],
                       .username = v["username"],
                       .password = v["password"]};
    auto created = services.accounts().create(account, unix_now());
    if (!created) {
        if (created.error().code == Errc::email_taken)
            return problem(400, "Email already registered");
        if (created.error().code == Errc::username_taken)
            return problem(400, "Username already registered");
        return core_failure(created.error());
    }
    audit(services, request, "register", created->id, created->email);
    return Response::json(201, user_json(*created).get());
}

Response issue_token(Services& services, const Request& request) {
    FieldValues v;
    std::string email;
    if (request.media_type() == "application/x-www-form-urlencoded") {
        if (!is_valid_utf8(request.body)) return invalid({{"", Issue::malformed}});
        auto issues = validate_pairs(Request::parse_urlencoded(request.body), kLoginFormFields, v);
        if (!issues.empty()) return invalid(std::move(issues));
        email = v["username"];
    } else {
        auto body = json_body(request);
        if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
        auto issues = validate_fields(std::get<Json>(body).get(), kLoginFields, v);
        if (!issues.empty()) return invalid(std::move(issues));
        email = v["email"];
    }
    const std::string_view site = site_of(request);
    const std::int64_t now = unix_now();
    auto account =
        services.accounts().authenticate(services.guesses, site, "user", email, v["password"], now);
    if (!account) {
        if (account.error().code == Errc::rate_limited) {
            return render_problem(guess_refusal(services, request));
        }
        if (account.error().code == Errc::invalid_credentials) {
            audit(services, request, "login.failure", 0, email);
            return unauthorized("Invalid email or password");
        }
        return core_failure(account.error());
    }
    audit(services, request, "login.success", account->id, account->email);
    const auto token = issue_token_for(services, request, *account,
                                       services.config.access_token_ttl, nullptr, now);
    if (!token) return core_failure(token.error());
    Json out = json_object();
    json_put(out.get(), "access_token", token->token);
    json_put(out.get(), "token_type", "Bearer");
    json_put(out.get(), "user_id", std::to_string(account->id));
    return Response::json(200, out.get());
}

Response current_user(Services& services, const Request& request) {
    auto who = authenticate(services, request, "user");
    if (auto* error = std::get_if<Error>(&who)) return core_failure(*error);
    // FastAPI's OAuth2PasswordBearer says "Not authenticated" for a missing header; the seed
    // and CONTRACTS.md name one message for both cases.
    if (std::holds_alternative<AuthFailure>(who))
        return unauthorized("Could not validate credentials");
    return Response::json(200, user_json(std::get<Caller>(who).account).get());
}

Response logout(Services& services, const Request& request) {
    auto who = authenticate(services, request, "user");
    if (auto* error = std::get_if<Error>(&who)) return core_failure(*error);
    if (auto* caller = std::get_if<Caller>(&who)) {
        if (auto revoked =
                revoke_access_token(*services.store, site_of(request), caller->token, unix_now());
            !revoked) {
            return core_failure(revoked.error());
        }
        audit(services, request, "logout", caller->account.id, caller->account.email);
    }
    Json out = json_object();
    json_put(out.get(), "message", "Successfully logged out");
    return Response::json(200, out.get());
}

}  // namespace

Contract fastapi_contract() {
    return Contract{"fastapi", kRoutes, render_problem};
}

}  // namespace latchkey
