// RFC 6238 Appendix B's SHA-1 vectors (the 20-byte ASCII key "12345678901234567890", 8 digits),
// RFC 4226 Appendix D's HOTP values (the same key, 6 digits, counter = step), RFC 4648 section 10's
// base32 vectors, and the window arithmetic.
#include <gtest/gtest.h>

#include "core/crypto/totp.hpp"

namespace latchkey::totp {
namespace {

const std::string kKey = "12345678901234567890";

TEST(Totp, Rfc6238AppendixBSha1Vectors) {
    const std::pair<std::int64_t, const char*> vectors[] = {
        {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
        {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
    };
    for (const auto& [time, expected] : vectors) {
        EXPECT_EQ(code_at(kKey, step_at(time), 8), expected) << time;
    }
}

TEST(Totp, Rfc4226AppendixDSixDigitValues) {
    const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                              "254676", "287922", "162583", "399871", "520489"};
    for (int counter = 0; counter < 10; ++counter) {
        EXPECT_EQ(code_at(kKey, counter), expected[counter]) << counter;
    }
}

TEST(Totp, StepsAreThirtySecondsFromTheEpoch) {
    EXPECT_EQ(step_at(0), 0);
    EXPECT_EQ(step_at(29), 0);
    EXPECT_EQ(step_at(30), 1);
    EXPECT_EQ(step_at(59), 1);
    EXPECT_EQ(step_at(-1), -1);
}

TEST(Totp, MatchesOneStepEachWayAndNoFurther) {
    const std::int64_t now = 1111111111;  // step 37037037
    const std::int64_t step = step_at(now);
    for (std::int64_t offset : {-1, 0, 1}) {
        EXPECT_EQ(matching_step(kKey, code_at(kKey, step + offset), now), step + offset);
    }
    for (std::int64_t offset : {-3, -2, 2, 3}) {
        EXPECT_FALSE(matching_step(kKey, code_at(kKey, step + offset), now)) << offset;
    }
    EXPECT_FALSE(matching_step(kKey, code_at(kKey, step + 1), now, 0));
}

TEST(Totp, RefusesWhatIsNotSixDigits) {
    const std::int64_t now = 1234567890;
    const std::string good = code_at(kKey, step_at(now));
    EXPECT_TRUE(matching_step(kKey, good, now));
    EXPECT_FALSE(matching_step(kKey, good.substr(0, 5), now));
    EXPECT_FALSE(matching_step(kKey, good + "0", now));
    std::string spaced = good;
    spaced[0] = ' ';
    EXPECT_FALSE(matching_step(kKey, spaced, now));
    EXPECT_FALSE(matching_step(kKey, "", now));
    EXPECT_FALSE(matching_step(kKey, "12345a", now));
    EXPECT_FALSE(matching_step("another key of twenty", good, now));
}

TEST(Totp, Base32IsRfc4648WithoutPadding) {
    EXPECT_EQ(base32(""), "");
    EXPECT_EQ(base32("f"), "MY");
    EXPECT_EQ(base32("fo"), "MZXQ");
    EXPECT_EQ(base32("foo"), "MZXW6");
    EXPECT_EQ(base32("foob"), "MZXW6YQ");
    EXPECT_EQ(base32("fooba"), "MZXW6YTB");
    EXPECT_EQ(base32("foobar"), "MZXW6YTBOI");
    EXPECT_EQ(base32(kKey), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

}  // namespace
}  // namespace latchkey::totp
