#include "core/base/json.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

#include "core/crypto/jwt.hpp"

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

TEST(Utf8, FirstInvalidByteIsReportedInOnePass) {
    EXPECT_EQ(first_invalid_utf8("plain"), std::nullopt);
    EXPECT_EQ(first_invalid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), std::nullopt);
    EXPECT_EQ(first_invalid_utf8("ab\xff"), 2u);
    EXPECT_EQ(first_invalid_utf8("ab\xc3"), 2u);                    // truncated at the end
    EXPECT_EQ(first_invalid_utf8("\xe2\x82x"), 0u);                 // truncated in the middle
    EXPECT_EQ(first_invalid_utf8("a\xc0\xaf"), 1u);                 // overlong
    EXPECT_EQ(first_invalid_utf8("a\xed\xa0\x80"), 1u);             // surrogate
    EXPECT_EQ(first_invalid_utf8("\xc3\xa9\xf4\x90\x80\x80"), 2u);  // past U+10FFFF
    EXPECT_TRUE(is_valid_utf8("\xc3\xa9"));
    EXPECT_FALSE(is_valid_utf8("\xc3"));
}

// Median seconds of `runs` timings of each of two calls, taken in turns so that whatever else the
// machine does lands on both alike; returns (median of a, median of b).
std::pair<double, double> interleaved_medians(const std::function<void()>& a,
                                              const std::function<void()>& b, int runs) {
    std::vector<double> ta, tb;
    auto time = [](const std::function<void()>& f) {
        const auto start = std::chrono::steady_clock::now();
        f();
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    for (int i = 0; i < runs; ++i) {
        ta.push_back(time(a));
        tb.push_back(time(b));
    }
    auto median = [](std::vector<double>& v) {
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
        return v[v.size() / 2];
    };
    return {median(ta), median(tb)};
}

// A 64 KiB body whose last byte is invalid UTF-8 once cost ~1.6 s (every prefix revalidated):
// thousands of times a valid body of the same size. Linear work keeps the ratio near 1 (the bad
// body is refused before cJSON even runs); the bound of 10 is far from both.
TEST(StrictJson, AnInvalidLastByteCostsNoMoreThanAValidBodyOfTheSameSize) {
    const std::string valid = "{\"a\":\"" + std::string(64 * 1024 - 8, 'x') + "\"}";
    std::string bad = valid;
    bad[bad.size() - 3] = '\xff';
    ASSERT_TRUE(std::holds_alternative<Json>(parse_json_strict(valid)));
    auto refused = parse_json_strict(bad);
    ASSERT_TRUE(std::holds_alternative<JsonParseError>(refused));
    EXPECT_EQ(std::get<JsonSyntaxError>(std::get<JsonParseError>(refused)).offset, bad.size() - 3);
    const auto [bad_s, valid_s] = interleaved_medians([&] { (void)parse_json_strict(bad); },
                                                      [&] { (void)parse_json_strict(valid); }, 9);
    EXPECT_LT(bad_s, 10 * valid_s) << bad_s << " s vs " << valid_s << " s";
}

// The same validation runs on a JWT header before its signature is checked.
TEST(StrictJson, AJwtHeaderWithAnInvalidLastByteCostsNoMoreThanAValidOne) {
    const std::string filler(5000, 'x');
    const std::string good_header = "{\"kid\":\"" + filler + "\"}";
    std::string bad_header = good_header;
    bad_header[bad_header.size() - 3] = '\xff';
    auto token = [](const std::string& header) {
        return jwt::base64url_encode(header) + "." + jwt::base64url_encode("{}") + ".sig";
    };
    const std::string good = token(good_header), bad = token(bad_header);
    const jwt::KeyLookup none = [](std::string_view) -> Result<const SigningKey*> {
        return static_cast<const SigningKey*>(nullptr);
    };
    ASSERT_FALSE(jwt::verify(bad, none));
    const auto [bad_s, good_s] = interleaved_medians([&] { (void)jwt::verify(bad, none); },
                                                     [&] { (void)jwt::verify(good, none); }, 9);
    EXPECT_LT(bad_s, 10 * good_s) << bad_s << " s vs " << good_s << " s";
}

// A hash set's cost depends on keys the client chose; the duplicate scan sorts instead. Many
// keys, one duplicate at the end, still found.
TEST(StrictJson, ADuplicateAmongManyKeysIsFound) {
    std::string text = "{";
    for (int i = 0; i < 5000; ++i) text += "\"k" + std::to_string(i) + "\":1,";
    text += "\"k42\":2}";
    auto r = parse_json_strict(text);
    ASSERT_TRUE(std::holds_alternative<JsonParseError>(r));
    EXPECT_EQ(std::get<JsonDuplicateKey>(std::get<JsonParseError>(r)).key, "k42");
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
