#include "fcgi/router.hpp"

#include <gtest/gtest.h>

#include "fcgi/request.hpp"
#include "fcgi/response.hpp"

namespace latchkey {
namespace {

Outcome ok(Context&) {
    return Response::json(200, std::string("{}"));
}
Outcome other(Context&) {
    return Response::json(201, std::string("{}"));
}

constexpr Route kRoutes[] = {
    {"POST", "/api/auth/login", ok},
    {"GET", "/api/auth/me", ok},
    {"DELETE", "/api/auth/me", other},
};

Response render(const Problem& p) {
    return Response::json(p.status, std::string("{}"));
}

TEST(Router, FindsTheRouteOrTellsNotFoundFromMethodNotAllowed) {
    Router router({Contract{"c", kRoutes, {}, render}}, nullptr);
    const Contract* c = router.contract("c");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(router.contract("nope"), nullptr);
    struct {
        const char* method;
        const char* path;
        int status;  // 0: found
        const char* allow;
    } cases[] = {
        {"POST", "/api/auth/login", 0, ""},
        {"GET", "/api/auth/me", 0, ""},
        {"GET", "/api/auth/login", 405, "POST"},
        {"PUT", "/api/auth/me", 405, "GET, DELETE"},
        {"GET", "/api/auth/me/", 404, ""},
        {"GET", "/API/auth/me", 404, ""},
        {"GET", "/", 404, ""},
    };
    for (const auto& t : cases) {
        auto m = router.match(*c, t.method, t.path);
        if (t.status == 0) {
            ASSERT_TRUE(std::holds_alternative<const Route*>(m)) << t.method << " " << t.path;
            EXPECT_EQ(std::get<const Route*>(m)->path, t.path);
            EXPECT_EQ(std::get<const Route*>(m)->method, t.method);
            continue;
        }
        ASSERT_TRUE(std::holds_alternative<Problem>(m)) << t.method << " " << t.path;
        const auto& p = std::get<Problem>(m);
        EXPECT_EQ(p.kind, t.status == 404 ? Errc::no_route : Errc::method_not_allowed)
            << t.method << " " << t.path;
        EXPECT_EQ(worded({}, p).status, t.status) << t.method << " " << t.path;
        if (t.status == 405) {
            ASSERT_EQ(p.headers.size(), 1u);
            EXPECT_EQ(p.headers[0].first, "Allow");
            EXPECT_EQ(p.headers[0].second, t.allow);
        }
    }
}

TEST(Request, ReadsHeadersCookiesAndForms) {
    Request r;
    r.params = {{"CONTENT_TYPE", "Application/JSON; charset=utf-8"},
                {"HTTP_AUTHORIZATION", "Bearer x"},
                {"HTTP_COOKIE", "a=1; token=\"abc\" ; refreshToken=r.t.x; empty="},
                {"HTTP_X_CUSTOM_THING", "v"}};
    r.query_string = "token=a%2Bb&x=1+2&bad=%zz&flag";
    EXPECT_EQ(r.media_type(), "application/json");
    EXPECT_EQ(r.header("Authorization").value_or(""), "Bearer x");
    EXPECT_EQ(r.header("X-Custom-Thing").value_or(""), "v");
    EXPECT_FALSE(r.header("Missing").has_value());
    EXPECT_EQ(r.cookie("token").value_or(""), "abc");
    EXPECT_EQ(r.cookie("refreshToken").value_or(""), "r.t.x");
    EXPECT_EQ(r.cookie("empty").value_or("<none>"), "");
    EXPECT_FALSE(r.cookie("toke").has_value());
    EXPECT_EQ(r.query("token").value_or(""), "a+b");
    EXPECT_EQ(r.query("x").value_or(""), "1 2");
    EXPECT_EQ(r.query("bad").value_or(""), "%zz");
    EXPECT_EQ(r.query("flag").value_or("<none>"), "");
}

TEST(Response, SerializesAsACgiResponse) {
    auto r = Response::json(401, std::string("{\"detail\":\"x\"}"))
                 .with_header("WWW-Authenticate", "Bearer");
    const std::string out = r.serialize();
    EXPECT_EQ(out.rfind("Status: 401 Unauthorized\r\n", 0), 0u);
    EXPECT_NE(out.find("WWW-Authenticate: Bearer\r\n"), std::string::npos);
    EXPECT_NE(out.find("Content-Type: application/json\r\n"), std::string::npos);
    EXPECT_NE(out.find("Cache-Control: no-store\r\n"), std::string::npos);
    EXPECT_NE(out.find("Content-Length: 14\r\n\r\n{\"detail\":\"x\"}"), std::string::npos);
}

}  // namespace
}  // namespace latchkey
