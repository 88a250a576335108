// Field rules and the body a route takes: one row per rule and input, the issue (or value) each
// gives. Every contract's validation is these rules, so their edges are pinned here.
#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <string>

#include "core/crypto/sha1.hpp"
#include "fcgi/body.hpp"
#include "handlers/validation.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

constexpr const char* kLanguages[] = {"en", "es"};
constexpr FieldRule kRules[] = {
    {.name = "name", .min_length = 2, .max_length = 4, .blank_is_missing = true},
    {.name = "email", .kind = FieldKind::email},
    {.name = "password", .kind = FieldKind::password, .min_length = 3},
    {.name = "again", .kind = FieldKind::password, .required = false, .same_as = "password"},
    {.name = "lang", .kind = FieldKind::choice, .required = false, .choices = kLanguages},
};

struct Outcome1 {
    std::optional<Issue> issue;  // the first issue, and its field
    std::string field;
};

Outcome1 first_issue(const std::string& json, FieldValues* values_out = nullptr) {
    auto parsed = parse_json_object(json);
    EXPECT_TRUE(std::holds_alternative<Json>(parsed)) << json;
    FieldValues values;
    auto issues = validate_fields(std::get<Json>(parsed).get(), kRules, values);
    if (values_out) *values_out = values;
    if (issues.empty()) return {};
    return {issues.front().issue, issues.front().field};
}

TEST(Validation, EachRuleRefusesWhatItShouldAndKeepsWhatItShould) {
    const std::string ok = R"("email":"a@example.com","password":"pw1")";
    struct Case {
        std::string body;
        std::optional<Issue> issue;
        const char* field;
    } cases[] = {
        {"{\"name\":\"Ann\"," + ok + "}", std::nullopt, ""},
        {"{\"name\":\"  Ann  \"," + ok + "}", std::nullopt, ""},  // trimmed
        {"{" + ok + "}", Issue::missing, "name"},
        {"{\"name\":\"   \"," + ok + "}", Issue::missing, "name"},  // blank is missing
        {"{\"name\":null," + ok + "}", Issue::missing, "name"},
        {"{\"name\":7," + ok + "}", Issue::wrong_type, "name"},
        {"{\"name\":\"A\"," + ok + "}", Issue::too_short, "name"},
        {"{\"name\":\"Annie\"," + ok + "}", Issue::too_long, "name"},
        {"{\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"," + ok + "}", std::nullopt,
         ""},  // 4 code points
        {"{\"name\":\"A\\u0001n\"," + ok + "}", Issue::invalid_chars, "name"},
        {R"({"name":"Ann","email":"nope","password":"pw1"})", Issue::invalid_email, "email"},
        {R"({"name":"Ann","email":"a@example.com","password":"pw"})", Issue::too_short, "password"},
        {"{\"name\":\"Ann\",\"email\":\"a@example.com\",\"password\":\"" + std::string(1025, 'x') +
             "\"}",
         Issue::too_long, "password"},
        {"{\"name\":\"Ann\"," + ok + ",\"again\":\"pw2\"}", Issue::mismatch, "again"},
        {"{\"name\":\"Ann\"," + ok + ",\"again\":\"pw1\"}", std::nullopt, ""},
        {"{\"name\":\"Ann\"," + ok + ",\"lang\":\"fr\"}", Issue::invalid_choice, "lang"},
        {"{\"name\":\"Ann\"," + ok + ",\"lang\":\"es\"}", std::nullopt, ""},
    };
    for (const auto& c : cases) {
        const auto got = first_issue(c.body);
        EXPECT_EQ(got.issue, c.issue) << c.body;
        if (c.issue) {
            EXPECT_EQ(got.field, c.field) << c.body;
        }
    }
    FieldValues v;
    first_issue("{\"name\":\"  Ann  \",\"email\":\"a@example.com\",\"password\":\" pw1 \"}", &v);
    EXPECT_EQ(v["name"], "Ann");
    EXPECT_EQ(v["password"], " pw1 ") << "a password is never trimmed";
}

// verified's register: a new password, its confirmation, and the sign-in rule beside them.
constexpr FieldRule kNewPasswordRules[] = {
    {.name = "password", .kind = FieldKind::password, .min_length = 8, .blank_is_missing = true},
    {.name = "confirmPassword",
     .kind = FieldKind::password,
     .blank_is_missing = true,
     .same_as = "password"},
};
constexpr FieldRule kSignInRules[] = {
    {.name = "password", .kind = FieldKind::password, .blank_is_missing = true},
};

std::vector<std::pair<std::string, Issue>> all_issues(std::span<const FieldRule> rules,
                                                      const std::string& json,
                                                      const FieldPolicy& policy = {}) {
    auto parsed = parse_json_object(json);
    EXPECT_TRUE(std::holds_alternative<Json>(parsed)) << json;
    FieldValues values;
    std::vector<std::pair<std::string, Issue>> out;
    for (const auto& i : validate_fields(std::get<Json>(parsed).get(), rules, values, policy)) {
        out.emplace_back(i.field, i.issue);
    }
    return out;
}

using Issues = std::vector<std::pair<std::string, Issue>>;

TEST(Validation, ANewPasswordIsNotACommonOneButASignInMayBe) {
    EXPECT_EQ(
        all_issues(kNewPasswordRules, R"({"password":"password","confirmPassword":"password"})"),
        (Issues{{"password", Issue::common_password}}));
    EXPECT_EQ(
        all_issues(kNewPasswordRules, R"({"password":"PassWord1","confirmPassword":"PassWord1"})"),
        (Issues{{"password", Issue::common_password}}))
        << "compared lower-cased";
    EXPECT_EQ(all_issues(kNewPasswordRules, R"({"password":"qwerty","confirmPassword":"qwerty"})"),
              (Issues{{"password", Issue::too_short}}))
        << "too short comes first: one issue a field";
    EXPECT_EQ(all_issues(kNewPasswordRules,
                         R"({"password":"Horse-Battery-42","confirmPassword":"Horse-Battery-42"})"),
              Issues{});
    EXPECT_EQ(all_issues(kSignInRules, R"({"password":"password"})"), Issues{});
    // The form path takes the same rule.
    FieldValues values;
    const auto form = validate_pairs({{"password", "baseball"}, {"confirmPassword", "baseball"}},
                                     kNewPasswordRules, values);
    ASSERT_EQ(form.size(), 1u);
    EXPECT_EQ(form[0].issue, Issue::common_password);
}

TEST(Validation, ABreachedPasswordFromTheStoreIsRefusedLikeACommonOne) {
    testing::TempDir dir;
    // SHA-1 of "Horse-Battery-42".
    const std::string body =
        R"({"password":"Horse-Battery-42","confirmPassword":"Horse-Battery-42"})";
    const std::string digest = sha1_hex_upper("Horse-Battery-42");
    {
        std::ofstream out(dir.file(digest.substr(0, 5)), std::ios::binary);
        out << digest.substr(5) << ":2\r\n";
    }
    EXPECT_EQ(all_issues(kNewPasswordRules, body, {.breached_passwords_dir = dir.path()}),
              (Issues{{"password", Issue::common_password}}));
    EXPECT_EQ(all_issues(kNewPasswordRules, body), Issues{}) << "no store configured";
    EXPECT_EQ(all_issues(kSignInRules, R"({"password":"Horse-Battery-42"})",
                         {.breached_passwords_dir = dir.path()}),
              Issues{});
}

TEST(Validation, AConfirmationMismatchIsReportedBesideThePasswordsOwnIssue) {
    EXPECT_EQ(all_issues(kNewPasswordRules, R"({"password":"short","confirmPassword":"other"})"),
              (Issues{{"password", Issue::too_short}, {"confirmPassword", Issue::mismatch}}));
    EXPECT_EQ(all_issues(kNewPasswordRules, R"({"password":"password","confirmPassword":"other"})"),
              (Issues{{"password", Issue::common_password}, {"confirmPassword", Issue::mismatch}}));
    EXPECT_EQ(all_issues(kNewPasswordRules, R"({"password":"short","confirmPassword":"short"})"),
              (Issues{{"password", Issue::too_short}}))
        << "equal: no mismatch";
    EXPECT_EQ(all_issues(kNewPasswordRules, R"({"password":"","confirmPassword":"other"})"),
              (Issues{{"password", Issue::missing}}))
        << "nothing to repeat";
    EXPECT_EQ(all_issues(kNewPasswordRules, R"({"password":7,"confirmPassword":"other"})"),
              (Issues{{"password", Issue::wrong_type}}));
    EXPECT_EQ(all_issues(kNewPasswordRules, R"({"password":"short"})"),
              (Issues{{"password", Issue::too_short}, {"confirmPassword", Issue::missing}}));
    FieldValues values;
    const auto form = validate_pairs({{"password", "short"}, {"confirmPassword", "other"}},
                                     kNewPasswordRules, values);
    ASSERT_EQ(form.size(), 2u);
    EXPECT_EQ(form[1].issue, Issue::mismatch);
}

Request with_body(const char* content_type, std::string body) {
    Request r;
    if (content_type) r.params["CONTENT_TYPE"] = content_type;
    r.body = std::move(body);
    return r;
}

TEST(Validation, TheBodyIsWhatTheRouteTakesOrAProblem) {
    struct Case {
        Body kind;
        const char* content_type;
        std::string body;
        std::optional<Errc> refused;  // nullopt: accepted
        bool is_form = false;
    } cases[] = {
        {Body::json, "application/json", "{}", std::nullopt},
        {Body::json, "application/vnd.api+json; charset=utf-8", "{}", std::nullopt},
        {Body::json, "text/plain", "{}", Errc::unsupported_media_type},
        {Body::json, nullptr, "{}", Errc::unsupported_media_type},
        {Body::json, "application/json", "", Errc::invalid_argument},
        {Body::json, "application/json", "[1]", Errc::invalid_argument},
        {Body::json, "application/json", "{\"a\":1,\"a\":2}", Errc::invalid_argument},
        {Body::json, "application/json", "{\"a\":\"\xff\"}", Errc::invalid_argument},
        {Body::json_if_any, nullptr, "", std::nullopt},
        {Body::json_if_any, "text/plain", "x", Errc::unsupported_media_type},
        {Body::json_if_any, "application/json", "", Errc::invalid_argument},
        {Body::json_or_form, "application/x-www-form-urlencoded", "username=a&password=b",
         std::nullopt, true},
        {Body::json_or_form, "application/x-www-form-urlencoded", "username=\xff",
         Errc::invalid_argument},
        {Body::json_or_form, "application/json", "{}", std::nullopt},
        {Body::aws_json, "application/x-amz-json-1.1", "{}", std::nullopt},
        {Body::aws_json, "text/plain", "{}", Errc::unsupported_media_type},
        {Body::none, "text/plain", "anything", std::nullopt},
    };
    for (const auto& c : cases) {
        auto got = read_body(with_body(c.content_type, c.body), c.kind);
        const std::string what = std::string(c.content_type ? c.content_type : "-") + " " + c.body;
        if (!c.refused) {
            ASSERT_TRUE(std::holds_alternative<RequestBody>(got)) << what;
            EXPECT_EQ(std::get<RequestBody>(got).is_form, c.is_form) << what;
            continue;
        }
        ASSERT_TRUE(std::holds_alternative<Problem>(got)) << what;
        EXPECT_EQ(std::get<Problem>(got).kind, *c.refused) << what;
        EXPECT_EQ(std::get<Problem>(got).status, 0) << "worded later, by the contract: " << what;
    }
}

}  // namespace
}  // namespace latchkey
