#include "core/json.hpp"

#include <gtest/gtest.h>

namespace latchkey {
namespace {

TEST(StrictJson, AcceptsPlainDocuments) {
    for (const char* text :
         {"{}", " {\"a\": [1, {\"b\": null}]} \n", "[]", "\"x\"", "{\"é\":\"ü\"}"}) {
        EXPECT_TRUE(std::holds_alternative<Json>(parse_json_strict(text))) << text;
    }
}

TEST(StrictJson, RefusesWhatTwoParsersCouldReadDifferently) {
    struct {
        std::string text;
        std::size_t offset;  // for syntax errors; npos for a duplicate key
        const char* why;
    } cases[] = {
        {"{\"a\":1,\"a\":2}", std::string::npos, "duplicate key"},
        {"{\"x\":{\"a\":1,\"a\":2}}", std::string::npos, "nested duplicate key"},
        {"{\"a\":\"x\\u0000y\"}", 7, "NUL escape"},
        {std::string("{\"a\":\"x\x01y\"}"), 7, "raw control character"},
        {"{\"a\":\"\xff\"}", 6, "invalid UTF-8"},
        {"{\"a\":\"\xc0\xaf\"}", 6, "overlong UTF-8"},
        {"{\"a\":\"\xed\xa0\x80\"}", 6, "UTF-16 surrogate in UTF-8"},
        {"{} x", 3, "trailing data"},
        {"{", 1, "truncated"},
        {"", 0, "empty"},
    };
    for (const auto& c : cases) {
        auto r = parse_json_strict(c.text);
        ASSERT_TRUE(std::holds_alternative<JsonParseError>(r)) << c.why;
        const auto& e = std::get<JsonParseError>(r);
        if (c.offset == std::string::npos) {
            ASSERT_TRUE(std::holds_alternative<JsonDuplicateKey>(e)) << c.why;
            EXPECT_EQ(std::get<JsonDuplicateKey>(e).key, "a") << c.why;
        } else {
            ASSERT_TRUE(std::holds_alternative<JsonSyntaxError>(e)) << c.why;
            EXPECT_EQ(std::get<JsonSyntaxError>(e).offset, c.offset) << c.why;
        }
    }
}

TEST(StrictJson, DeepNestingFailsCleanly) {
    const std::string deep(5000, '[');
    EXPECT_TRUE(std::holds_alternative<JsonParseError>(parse_json_strict(deep)));
}

TEST(Utf8, LengthCountsCodePoints) {
    EXPECT_EQ(utf8_length("José"), 4u);
    EXPECT_EQ(utf8_length("李"), 1u);
    EXPECT_EQ(utf8_length("😀"), 1u);
    EXPECT_TRUE(is_valid_utf8("😀"));
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST(JsonAccessors, IntegersOnly) {
    Json doc = std::get<Json>(parse_json_strict(R"({"a":5,"b":1.5,"c":"5","d":1e300})"));
    EXPECT_EQ(json_integer(doc.get(), "a"), 5);
    EXPECT_FALSE(json_integer(doc.get(), "b").has_value());
    EXPECT_FALSE(json_integer(doc.get(), "c").has_value());
    EXPECT_FALSE(json_integer(doc.get(), "d").has_value());
    EXPECT_FALSE(json_integer(doc.get(), "missing").has_value());
}

TEST(JsonPut, ALiteralIsAString) {
    Json obj = json_object();
    json_put(obj.get(), "alg", "HS256");
    EXPECT_EQ(json_render(obj.get()), R"({"alg":"HS256"})");
}

}  // namespace
}  // namespace latchkey
