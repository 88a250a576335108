#include "core/jwt.hpp"

#include <gtest/gtest.h>

#include "core/tokens.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

const auto* const kSodium = ::testing::AddGlobalTestEnvironment(new testing::SodiumEnvironment);

std::unique_ptr<KeyRing> ring(unsigned char fill = 7) {
    std::array<unsigned char, 32> master{};
    master.fill(fill);
    return KeyRing::from_master(master);
}

std::string b64(std::string_view s) {
    return jwt::base64url_encode(s);
}

struct Parts {
    std::string header, payload, signature;
};
Parts split(const std::string& token) {
    const auto a = token.find('.'), b = token.rfind('.');
    return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}

class Tokens : public ::testing::Test {
  protected:
    void SetUp() override {
        keys = ring();
        auto opened = Store::open({dir.file("t.db"), 1000, 1024});
        ASSERT_TRUE(opened.ok());
        store = std::move(*opened);
        ASSERT_TRUE(store->migrate().ok());
    }
    TokenIssuer issuer(std::string_view site = "shop") {
        return TokenIssuer{*keys, "latchkey", site};
    }

    testing::TempDir dir;
    std::unique_ptr<KeyRing> keys;
    std::unique_ptr<Store> store;
    const std::int64_t now = 1800000000;
};

TEST_F(Tokens, AnIssuedTokenVerifiesWithItsClaims) {
    auto t = issue_access_token(issuer(), "user-1", 600, nullptr, now);
    auto v = verify_access_token(issuer(), *store, t.token, now + 1);
    ASSERT_TRUE(v.ok()) << v.error().detail;
    EXPECT_EQ(v->subject, "user-1");
    EXPECT_EQ(v->jti, t.jti);
    EXPECT_EQ(v->expires_at, now + 600);
    EXPECT_EQ(json_string(v->claims.get(), "aud"), std::string_view("shop"));
}

TEST_F(Tokens, ExtraClaimsAreCarried) {
    Json extra = json_object();
    json_put(extra.get(), "type", "merchant");
    auto t = issue_access_token(issuer(), "u", 600, extra.get(), now);
    auto v = verify_access_token(issuer(), *store, t.token, now);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(json_string(v->claims.get(), "type"), std::string_view("merchant"));
}

TEST_F(Tokens, RefusesEveryForgeryAndMisuse) {
    const std::string good = issue_access_token(issuer(), "user-1", 600, nullptr, now).token;
    const Parts p = split(good);
    const std::string other_site =
        issue_access_token(issuer("other"), "user-1", 600, nullptr, now).token;
    const std::string other_master =
        issue_access_token(TokenIssuer{*ring(9), "latchkey", "shop"}, "user-1", 600, nullptr, now)
            .token;
    const std::string kid = keys->signing_key("shop").kid;
    char last = p.signature.back() == 'A' ? 'B' : 'A';
    struct {
        const char* attack;
        std::string token;
    } cases[] = {
        {"alg none, empty signature", b64(R"({"alg":"none","typ":"JWT"})") + "." + p.payload + "."},
        {"alg none, original signature",
         b64(R"({"alg":"none","kid":")" + kid + "\"}") + "." + p.payload + "." + p.signature},
        {"alg switched to HS512", b64(R"({"alg":"HS512","typ":"JWT","kid":")" + kid + "\"}") + "." +
                                      p.payload + "." + p.signature},
        {"alg switched to RS256", b64(R"({"alg":"RS256","typ":"JWT","kid":")" + kid + "\"}") + "." +
                                      p.payload + "." + p.signature},
        {"kid of a file path", b64(R"({"alg":"HS256","typ":"JWT","kid":"../../etc/passwd"})") +
                                   "." + p.payload + "." + p.signature},
        {"tampered payload",
         p.header + "." +
             b64(R"({"iss":"latchkey","aud":"shop","sub":"admin","iat":1800000000,"exp":1800000600,"jti":"x"})") +
             "." + p.signature},
        {"last signature character changed",
         p.header + "." + p.payload + "." + p.signature.substr(0, p.signature.size() - 1) + last},
        {"signature dropped", p.header + "." + p.payload + "."},
        {"token of another site", other_site},
        {"token signed under another master key", other_master},
        {"four segments", good + ".x"},
        {"two segments", p.header + "." + p.payload},
        {"garbage", "not a token"},
        {"empty", ""},
        {"oversized", std::string(9000, 'a')},
        {"padding in base64url", p.header + "=." + p.payload + "." + p.signature},
    };
    for (const auto& c : cases) {
        auto v = verify_access_token(issuer(), *store, c.token, now);
        EXPECT_FALSE(v.ok()) << c.attack;
        if (!v.ok()) {
            EXPECT_EQ(v.error().code, Errc::invalid_token) << c.attack;
        }
    }
}

TEST_F(Tokens, ExpiryIssuerAndFutureTimesAreChecked) {
    auto t = issue_access_token(issuer(), "u", 600, nullptr, now);
    EXPECT_FALSE(verify_access_token(issuer(), *store, t.token, now + 600).ok())
        << "expired at exp";
    EXPECT_TRUE(verify_access_token(issuer(), *store, t.token, now + 599).ok());
    EXPECT_FALSE(verify_access_token(issuer(), *store, t.token, now - 3600).ok())
        << "iat in the future";
    TokenIssuer other_iss{*keys, "someone-else", "shop"};
    EXPECT_FALSE(verify_access_token(other_iss, *store, t.token, now).ok()) << "wrong iss";
    Json extra = json_object();
    json_put(extra.get(), "nbf", now + 3600);
    auto early = issue_access_token(issuer(), "u", 7200, extra.get(), now);
    EXPECT_FALSE(verify_access_token(issuer(), *store, early.token, now).ok()) << "not yet valid";
}

TEST_F(Tokens, ARevokedTokenIsRefusedAndOthersAreNot) {
    auto a = issue_access_token(issuer(), "u", 600, nullptr, now);
    auto b = issue_access_token(issuer(), "u", 600, nullptr, now);
    auto va = verify_access_token(issuer(), *store, a.token, now);
    ASSERT_TRUE(va.ok());
    ASSERT_TRUE(revoke_access_token(*store, "shop", *va, now).ok());
    EXPECT_FALSE(verify_access_token(issuer(), *store, a.token, now).ok());
    EXPECT_TRUE(verify_access_token(issuer(), *store, b.token, now).ok());
}

TEST(BearerToken, ParsesTheAuthorizationHeader) {
    struct {
        const char* header;
        const char* token;  // nullptr: none
    } cases[] = {
        {"Bearer abc.def.ghi", "abc.def.ghi"},
        {"bearer abc", "abc"},
        {"BEARER  abc ", "abc"},
        {"Basic abc", nullptr},
        {"Bearer", nullptr},
        {"Bearer ", nullptr},
        {"Bearerabc", nullptr},
        {"", nullptr},
    };
    for (const auto& c : cases) {
        auto t = bearer_token(c.header);
        if (c.token == nullptr) {
            EXPECT_FALSE(t.has_value()) << c.header;
        } else {
            EXPECT_EQ(t.value_or("<none>"), c.token) << c.header;
        }
    }
}

TEST(SigningKeys, DifferPerSiteAndStayStablePerSite) {
    auto k = ring();
    EXPECT_NE(k->signing_key("a").secret, k->signing_key("b").secret);
    EXPECT_NE(k->signing_key("a").kid, k->signing_key("b").kid);
    EXPECT_EQ(k->signing_key("a").secret, ring()->signing_key("a").secret);
    EXPECT_NE(k->signing_key("a").secret, ring(8)->signing_key("a").secret);
}

}  // namespace
}  // namespace latchkey
