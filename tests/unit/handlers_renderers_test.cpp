// Each contract's renderer over its wording table: the body every kind of failure gets, as the
// contract's frontend reads it. Table-driven: one row per (contract, kind) the contracts pin down.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fcgi/router.hpp"
#include "handlers/contracts.hpp"

namespace latchkey {
namespace {

const Contract& contract_named(std::string_view name) {
    static const std::vector<Contract> contracts = all_contracts();
    for (const auto& c : contracts) {
        if (c.name == name) return c;
    }
    throw std::runtime_error("no contract " + std::string(name));
}

std::string header(const Response& r, std::string_view name) {
    for (const auto& [key, value] : r.headers) {
        if (key == name) return value;
    }
    return "<none>";
}

TEST(Renderers, EachContractWordsEachKindInItsOwnShape) {
    struct Case {
        const char* contract;
        Errc kind;
        const char* route;
        int status;
        const char* body;
    } cases[] = {
        {"fastapi", Errc::no_route, "", 404, R"({"detail":"Not Found"})"},
        {"fastapi", Errc::email_taken, "", 400, R"({"detail":"Email already registered"})"},
        {"fastapi", Errc::invalid_token, "", 401, R"({"detail":"Could not validate credentials"})"},
        {"fastapi", Errc::internal, "", 500, R"({"detail":"Internal Server Error"})"},
        {"gateway", Errc::method_not_allowed, "", 405,
         R"({"error":"Method Not Allowed","status_code":405})"},
        {"gateway", Errc::email_taken, "", 409,
         R"({"error":"User with this email already exists"})"},
        {"gateway", Errc::unauthenticated, "", 401, R"({"error":"Authentication required"})"},
        {"gateway", Errc::internal, "", 500,
         R"({"error":"Internal server error","status_code":500})"},
        {"verified", Errc::invalid_token, "/api/auth/verify", 400,
         R"({"message":"Invalid or expired verification token"})"},
        {"verified", Errc::invalid_token, "/api/auth/reset", 400,
         R"({"message":"Invalid or expired reset token"})"},
        {"verified", Errc::invalid_token, "/api/auth/me", 401,
         R"({"message":"Invalid or expired token"})"},
        {"verified", Errc::email_unverified, "", 403, R"({"message":"Email not verified"})"},
        {"storefront", Errc::invalid_token, "/api/auth/refresh", 401,
         R"({"message":"Invalid or expired refresh token"})"},
        {"storefront", Errc::login_throttled, "", 429,
         R"({"message":"Too many login attempts, try again later"})"},
        // A wrong current password is no ended session: 400 on every contract's change route.
        {"fastapi", Errc::invalid_credentials, "/api/auth/change-password", 400,
         R"({"detail":"Incorrect password"})"},
        {"fastapi", Errc::invalid_credentials, "/api/auth/token", 401,
         R"({"detail":"Invalid email or password"})"},
        {"gateway", Errc::invalid_credentials, "/api/auth/change-password", 400,
         R"({"error":"Current password is incorrect","status_code":400})"},
        {"verified", Errc::invalid_credentials, "/api/auth/change-password", 400,
         R"({"message":"Current password is incorrect"})"},
        {"storefront", Errc::invalid_credentials, "/api/auth/change-password", 400,
         R"({"message":"Current password is incorrect"})"},
        {"storefront", Errc::login_throttled, "/api/auth/change-password", 429,
         R"({"message":"Too many password attempts, try again later"})"},
        {"booking", Errc::not_found, "", 404, R"({"detail":"Customer profile not found"})"},
        {"booking", Errc::unauthenticated, "", 401,
         R"({"detail":"Authentication required: cognito_sub not found"})"},
        {"cognito", Errc::unsupported_media_type, "", 400,
         R"({"__type":"SerializationException","message":"Expected Content-Type application/x-amz-json-1.1."})"},
        {"cognito", Errc::busy, "", 400,
         R"({"__type":"TooManyRequestsException","message":"Too many requests, try again shortly"})"},
        {"ops", Errc::unauthenticated, "", 401, R"({"error":"Not authenticated"})"},
        {"ops", Errc::unavailable, "", 503,
         R"({"status":"unavailable","error":"Service temporarily unavailable, try again shortly"})"},
    };
    for (const auto& c : cases) {
        const Response r = render_failure(contract_named(c.contract), problem_of(c.kind), c.route);
        EXPECT_EQ(r.status, c.status) << c.contract << " " << static_cast<int>(c.kind);
        EXPECT_EQ(r.body, c.body) << c.contract << " " << static_cast<int>(c.kind);
    }
}

TEST(Renderers, ValidationProblemsListEveryFieldInTheContractsShape) {
    const std::vector<FieldIssue> issues = {{"email", Issue::invalid_email},
                                            {"password", Issue::too_short, 8}};
    struct Case {
        const char* contract;
        int status;
        const char* body;
    } cases[] = {
        {"gateway", 400,
         R"({"error":"Validation failed","details":{"email":"Email must be a valid email address.","password":"Password must be at least 8 characters."}})"},
        {"storefront", 400,
         R"({"message":"Validation failed","errors":{"email":"Email must be a valid email address","password":"Password must be at least 8 characters"}})"},
        {"fastapi", 422,
         R"({"detail":[{"loc":["body","email"],"msg":"value is not a valid email address","type":"value_error.email"},{"loc":["body","password"],"msg":"ensure this value has at least 8 characters","type":"value_error.any_str.min_length","ctx":{"limit_value":8}}]})"},
    };
    for (const auto& c : cases) {
        const Response r = render_failure(contract_named(c.contract), invalid_fields(issues));
        EXPECT_EQ(r.status, c.status) << c.contract;
        EXPECT_EQ(r.body, c.body) << c.contract;
    }
}

TEST(Renderers, HeadersTravelWithTheProblem) {
    const Response fastapi =
        render_failure(contract_named("fastapi"), problem_of(Errc::unauthenticated));
    EXPECT_EQ(header(fastapi, "WWW-Authenticate"), "Bearer");
    const Response allow = render_failure(
        contract_named("gateway"), problem_of(Errc::method_not_allowed, {{"Allow", "POST"}}));
    EXPECT_EQ(header(allow, "Allow"), "POST");
    const Response busy =
        render_failure(contract_named("verified"), make_error(Errc::busy, "lock wait"));
    EXPECT_EQ(busy.status, 503);
    EXPECT_EQ(header(busy, "Retry-After"), "1");
    EXPECT_EQ(busy.body.find("lock wait"), std::string::npos) << "a detail never reaches a client";
    const Response aws = render_failure(contract_named("cognito"), problem_of(Errc::rate_limited));
    EXPECT_EQ(aws.status, 429);
    EXPECT_EQ(header(aws, "Content-Type"), "application/x-amz-json-1.1");
    EXPECT_EQ(header(aws, "x-amzn-ErrorType").rfind("TooManyRequestsException:", 0), 0u);
    // A core failure no table words is our fault: 500, never the detail.
    const Response storage =
        render_failure(contract_named("gateway"), make_error(Errc::storage, "disk I/O error"));
    EXPECT_EQ(storage.status, 500);
    EXPECT_EQ(storage.body.find("disk"), std::string::npos);
}

}  // namespace
}  // namespace latchkey
