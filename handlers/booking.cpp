// The booking contract (seed 000): the customer profile API, FastAPI-shaped, behind id tokens that
// Latchkey itself issues from a Cognito-compatible passwordless endpoint (booking_cognito.cpp),
// so an unchanged AWS Amplify v6 frontend signs users in with emailed codes.
#include "handlers/booking.hpp"

#include "core/auth/customers.hpp"
#include "core/base/clock.hpp"
#include "handlers/auth.hpp"
#include "handlers/contracts.hpp"
#include "handlers/throttle.hpp"
#include "handlers/validation.hpp"

namespace latchkey {
namespace {

Response create_customer(Services&, const Request&);
Response read_customer(Services&, const Request&);

// The contract's API. The SDK appends a slash to an endpoint URL and follows no redirect, while
// Amplify posts to the URL as configured: both spellings are the endpoint.
constexpr Route kRoutes[] = {
    // One path for every Cognito operation, most of which guess nothing (refresh, GetUser,
    // SignUp, sign-out): a network locked for codes is refused only its answers to codes.
    {"POST", "/cognito", cognito_endpoint, kThrottleCode, false},
    {"POST", "/cognito/", cognito_endpoint, kThrottleCode, false},
    {"POST", "/api/customers/me", create_customer},
    {"GET", "/api/customers/me", read_customer},
};

constexpr const char* kLanguages[] = {"en", "es"};
constexpr FieldRule kCustomerFields[] = {
    {.name = "name", .required = false, .min_length = 2, .max_length = 100},
    {.name = "phone", .required = false, .min_length = 7, .max_length = 20},
    {.name = "preferred_language",
     .kind = FieldKind::choice,
     .required = false,
     .choices = kLanguages},
};

Response detail(int status, const char* message) {
    return render_booking_problem(Problem{status, message, {}, {}});
}

Response core_failure(const Error& error) {
    return render_booking_problem(problem_from_core(error));
}

Json customer_json(const Customer& c) {
    Json out = json_object();
    json_put(out.get(), "customer_id", c.customer_id);
    json_put(out.get(), "email", c.email);
    json_put(out.get(), "cognito_sub", c.subject);
    if (c.name) {
        json_put(out.get(), "name", *c.name);
    } else {
        cJSON_AddNullToObject(out.get(), "name");
    }
    if (c.phone) {
        json_put(out.get(), "phone", *c.phone);
    } else {
        cJSON_AddNullToObject(out.get(), "phone");
    }
    json_put(out.get(), "preferred_language", c.preferred_language);
    json_put(out.get(), "email_verified", c.email_verified);
    json_put(out.get(), "created_at", iso8601_utc(c.created_at));
    json_put(out.get(), "updated_at", iso8601_utc(c.updated_at));
    return out;
}

// The caller behind an id token (or, for the 400 below, an access token) of this site.
std::variant<Caller, Response> token_caller(Services& services, const Request& request) {
    auto who = authenticate_booking(services, request);
    if (auto* error = std::get_if<Error>(&who)) return core_failure(*error);
    if (std::holds_alternative<AuthFailure>(who)) {
        return detail(401, "Authentication required: cognito_sub not found");
    }
    return std::move(std::get<Caller>(who));
}

Response create_customer(Services& services, const Request& request) {
    auto who = token_caller(services, request);
    if (auto* r = std::get_if<Response>(&who)) return std::move(*r);
    const Caller& caller = std::get<Caller>(who);
    const auto email = json_string(caller.token.claims.get(), "email");
    if (!email || email->empty())
        return detail(400, "Missing email: could not extract from request");

    FieldValues v;
    if (!request.body.empty() || is_json_media_type(request.media_type())) {
        auto body = read_json_body(request);
        if (auto* p = std::get_if<Problem>(&body)) return render_booking_problem(*p);
        auto issues = validate_fields(std::get<Json>(body).get(), kCustomerFields, v);
        if (!issues.empty()) return render_booking_problem(Problem{422, "", std::move(issues), {}});
    }
    Customer c;
    c.subject = caller.token.subject;
    c.email = std::string(*email);
    const cJSON* verified =
        cJSON_GetObjectItemCaseSensitive(caller.token.claims.get(), "email_verified");
    c.email_verified = cJSON_IsTrue(verified);
    if (v.count("name")) c.name = v["name"];
    if (v.count("phone")) c.phone = v["phone"];
    c.preferred_language = v.count("preferred_language") ? v["preferred_language"] : "en";
    auto created =
        Customers(*services.store).create(site_of(request), caller.account.id, c, unix_now());
    if (!created) {
        if (created.error().code == Errc::email_taken)
            return detail(409, "Customer profile already exists");
        return core_failure(created.error());
    }
    return Response::json(201, customer_json(*created).get());
}

Response read_customer(Services& services, const Request& request) {
    auto who = token_caller(services, request);
    if (auto* r = std::get_if<Response>(&who)) return std::move(*r);
    auto found =
        Customers(*services.store).find(site_of(request), std::get<Caller>(who).account.id);
    if (!found) {
        if (found.error().code == Errc::not_found) return detail(404, "Customer profile not found");
        return core_failure(found.error());
    }
    return Response::json(200, customer_json(*found).get());
}

}  // namespace

std::variant<Caller, AuthFailure, Error> authenticate_booking(Services& services,
                                                              const Request& request) {
    // authenticate() refuses a token whose sign-in (its origin_jti family) has ended.
    return authenticate(services, request, "user");
}

Response render_booking_problem(const Problem& problem) {
    if (problem.code.empty()) return render_fastapi_problem(problem);
    // AWS JSON 1.1 errors, as the Cognito clients read them: the type in x-amzn-ErrorType and in
    // the body's __type, the text in `message`.
    Json body = json_object();
    json_put(body.get(), "__type", problem.code);
    json_put(body.get(), "message", problem.message);
    Response r = Response::json(problem.status, body.get());
    r.with_header("Content-Type", "application/x-amz-json-1.1");
    r.with_header("x-amzn-ErrorType",
                  problem.code + ":http://internal.amazon.com/coral/com.amazonaws.swbup.service/");
    for (const auto& [name, value] : problem.headers) r.with_header(name, value);
    return r;
}

Contract booking_contract() {
    return Contract{"booking", kRoutes, render_booking_problem};
}

}  // namespace latchkey
