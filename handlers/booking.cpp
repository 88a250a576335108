// The booking contract (seed 000): the customer profile API, FastAPI-shaped, behind id tokens that
// Latchkey itself issues from a Cognito-compatible passwordless endpoint (booking_cognito.cpp),
// so an unchanged AWS Amplify v6 frontend signs users in with emailed codes.
#include "handlers/booking.hpp"

#include "core/auth/customers.hpp"
#include "core/base/clock.hpp"
#include "handlers/auth.hpp"
#include "handlers/context.hpp"
#include "handlers/contracts.hpp"
#include "handlers/throttle.hpp"
#include "handlers/validation.hpp"

namespace latchkey {
namespace {

Outcome create_customer(Context&);
Outcome read_customer(Context&);

// The contract's API: the customer profile, for callers holding a token of the site's Cognito
// endpoint (the `cognito` contract below, on the same site).
constexpr Route kRoutes[] = {
    {.method = "POST",
     .path = "/api/customers/me",
     .handler = create_customer,
     .body = Body::json_if_any,
     .caller_kind = "user"},
    {.method = "GET", .path = "/api/customers/me", .handler = read_customer, .caller_kind = "user"},
};

// What the contract says for each failure; nginx's error pages say the same (error-pages).
constexpr Wording kWording[] = {
    {Errc::unauthenticated, 401, "Authentication required: cognito_sub not found"},
    {Errc::invalid_token, 401, "Authentication required: cognito_sub not found"},
    {Errc::email_taken, 409, "Customer profile already exists"},
    {Errc::not_found, 404, "Customer profile not found"},
    {Errc::internal, 500, "Internal Server Error"},
};

// The Cognito endpoint. The SDK appends a slash to an endpoint URL and follows no redirect, while
// Amplify posts to the URL as configured: both spellings are the endpoint. One path serves every
// operation, most of which guess nothing (refresh, GetUser, SignUp, sign-out): a network locked
// for codes is refused only its answers to codes. Operations authenticate with the tokens in
// their bodies, so the routes themselves are open.
constexpr Route kCognitoRoutes[] = {
    {.method = "POST",
     .path = "/cognito",
     .handler = cognito_endpoint,
     .access = Access::open,
     .body = Body::aws_json,
     .throttle = kThrottleCode,
     .refuse_early = false},
    {.method = "POST",
     .path = "/cognito/",
     .handler = cognito_endpoint,
     .access = Access::open,
     .body = Body::aws_json,
     .throttle = kThrottleCode,
     .refuse_early = false},
};

// AWS JSON 1.1 errors: the code is the __type the clients branch on. Operation-specific ones are
// worded by the operations themselves (booking_cognito.cpp).
constexpr Wording kCognitoWording[] = {
    {Errc::unsupported_media_type, 400, "Expected Content-Type application/x-amz-json-1.1.",
     "SerializationException"},
    {Errc::invalid_argument, 400, "The request body is not a JSON object.",
     "SerializationException"},
    {Errc::busy, 400, "Too many requests, try again shortly", "TooManyRequestsException"},
    {Errc::unavailable, 503, "Service unavailable, try again later", "ServiceUnavailableException"},
    {Errc::internal, 500, "Internal server error", "InternalErrorException"},
    {Errc::rate_limited, 429, "Too many attempts, try again later", "TooManyRequestsException"},
    {Errc::too_many_requests, 429, "Too many requests", "TooManyRequestsException"},
    {Errc::body_too_large, 413, "Request body too large", "InvalidParameterException"},
    {Errc::method_not_allowed, 405, "The endpoint takes only POST.", "UnknownOperationException"},
    {Errc::no_route, 404, "No such endpoint.", "UnknownOperationException"},
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

// The caller holds an id token (or, for the 400 below, an access token) of this site; the
// pipeline has refused the request otherwise, and a token whose sign-in has ended.
Outcome create_customer(Context& ctx) {
    const Caller& caller = ctx.who();
    const auto email = json_string(caller.token.claims.get(), "email");
    if (!email || email->empty()) {
        return Problem{.status = 400, .message = "Missing email: could not extract from request"};
    }
    FieldValues v;
    if (ctx.json() != nullptr) {
        auto fields = read_fields(ctx, kCustomerFields);
        if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
        v = std::move(std::get<FieldValues>(fields));
    }
    Customer c;
    c.subject = caller.token.subject;
    // The account's address, not the token's copy: an id token minted before a change of email
    // (VerifyUserAttribute) still carries the old one until it is refreshed, and the profile
    // follows the account.
    c.email = caller.account.email;
    c.email_verified = caller.account.email_verified;
    if (v.count("name")) c.name = v["name"];
    if (v.count("phone")) c.phone = v["phone"];
    c.preferred_language = v.count("preferred_language") ? v["preferred_language"] : "en";
    // The profile's language is the one the account's mail speaks from now on; both or neither.
    auto tx = ctx.services.store->begin();
    if (!tx) return tx.error();
    // The account's row before the profile's insert (which takes its key lock) and the locale's
    // update: the lock order, so a concurrent deletion of the account cannot wait on this in a
    // cycle.
    if (auto locked = lock_callers_account(*ctx.services.store, caller.account.id); !locked)
        return locked.error();
    auto created = Customers(*ctx.services.store).create(ctx.site, caller.account.id, c, ctx.now);
    if (!created) return created.error();
    if (v.count("preferred_language")) {
        auto set =
            ctx.services.accounts().set_locale(caller.account.id, c.preferred_language, ctx.now);
        if (!set) return set.error();
    }
    if (auto done = tx->commit(); !done) return done.error();
    return Response::json(201, customer_json(*created).get());
}

Outcome read_customer(Context& ctx) {
    auto found = Customers(*ctx.services.store).find(ctx.site, ctx.who().account.id);
    if (!found) return found.error();
    return Response::json(200, customer_json(*found).get());
}

// AWS JSON 1.1 errors, as the Cognito clients read them: the type in x-amzn-ErrorType and in
// the body's __type, the text in `message`.
Response render_cognito(const Problem& problem) {
    const std::string type = problem.code.empty() ? "InternalErrorException" : problem.code;
    Json body = json_object();
    json_put(body.get(), "__type", type);
    json_put(body.get(), "message", problem.message);
    Response r = Response::json(problem.status, body.get());
    r.with_header("Content-Type", "application/x-amz-json-1.1");
    r.with_header("x-amzn-ErrorType",
                  type + ":http://internal.amazon.com/coral/com.amazonaws.swbup.service/");
    for (const auto& [name, value] : problem.headers) r.with_header(name, value);
    return r;
}

}  // namespace

Contract booking_contract() {
    return Contract{"booking", kRoutes, kWording, render_fastapi_problem};
}

Contract cognito_contract() {
    return Contract{"cognito", kCognitoRoutes, kCognitoWording, render_cognito};
}

}  // namespace latchkey
