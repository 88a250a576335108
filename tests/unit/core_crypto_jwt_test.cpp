#include "core/crypto/jwt.hpp"

#include <gtest/gtest.h>

#include "core/auth/tokens.hpp"
#include "core/crypto/signing_keys.hpp"
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

SigningPolicy policy(std::set<std::string, std::less<>> eddsa = {}) {
    return SigningPolicy{std::move(eddsa), 86400};
}

class Tokens : public ::testing::Test {
  protected:
    void SetUp() override {
        keys = ring();
        signing = std::make_unique<SigningKeys>(*keys, policy());
        auto opened = Store::open({dir.file("t.db"), 1000, 1024});
        ASSERT_TRUE(opened.ok());
        store = std::move(*opened);
        ASSERT_TRUE(store->migrate().ok());
    }
    SiteTokens issuer(std::string_view site = "shop") {
        return SiteTokens{*signing, *store, "latchkey", site};
    }
    static IssuedToken issued(const SiteTokens& who, std::string_view subject, std::int64_t ttl,
                              const cJSON* extra, std::int64_t at) {
        auto t = issue_access_token(who, subject, ttl, extra, at);
        EXPECT_TRUE(t.ok());
        return t.ok() ? std::move(*t) : IssuedToken{};
    }

    testing::TempDir dir;
    std::unique_ptr<KeyRing> keys;
    std::unique_ptr<SigningKeys> signing;
    std::unique_ptr<Store> store;
    const std::int64_t now = 1800000000;
};

TEST_F(Tokens, AnIssuedTokenVerifiesWithItsClaims) {
    auto t = issued(issuer(), "user-1", 600, nullptr, now);
    auto v = verify_site_token(issuer(), t.token, now + 1);
    ASSERT_TRUE(v.ok()) << v.error().detail;
    EXPECT_EQ(v->subject, "user-1");
    EXPECT_EQ(v->jti, t.jti);
    EXPECT_EQ(v->expires_at, now + 600);
    EXPECT_EQ(json_string(v->claims.get(), "aud"), std::string_view("shop"));
}

TEST_F(Tokens, ExtraClaimsAreCarried) {
    Json extra = json_object();
    json_put(extra.get(), "type", "merchant");
    auto t = issued(issuer(), "u", 600, extra.get(), now);
    auto v = verify_site_token(issuer(), t.token, now);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(json_string(v->claims.get(), "type"), std::string_view("merchant"));
}

TEST_F(Tokens, RefusesEveryForgeryAndMisuse) {
    const std::string good = issued(issuer(), "user-1", 600, nullptr, now).token;
    const Parts p = split(good);
    const std::string other_site = issued(issuer("other"), "user-1", 600, nullptr, now).token;
    auto other_ring = ring(9);
    SigningKeys other_keys(*other_ring, policy());
    const std::string other_master =
        issued(SiteTokens{other_keys, *store, "latchkey", "shop"}, "user-1", 600, nullptr, now)
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
        auto v = verify_site_token(issuer(), c.token, now);
        EXPECT_FALSE(v.ok()) << c.attack;
        if (!v.ok()) {
            EXPECT_EQ(v.error().code, Errc::invalid_token) << c.attack;
        }
    }
}

TEST_F(Tokens, ExpiryIssuerAndFutureTimesAreChecked) {
    auto t = issued(issuer(), "u", 600, nullptr, now);
    EXPECT_FALSE(verify_site_token(issuer(), t.token, now + 600).ok()) << "expired at exp";
    EXPECT_TRUE(verify_site_token(issuer(), t.token, now + 599).ok());
    EXPECT_FALSE(verify_site_token(issuer(), t.token, now - 3600).ok()) << "iat in the future";
    SiteTokens other_iss{*signing, *store, "someone-else", "shop"};
    EXPECT_FALSE(verify_site_token(other_iss, t.token, now).ok()) << "wrong iss";
    Json extra = json_object();
    json_put(extra.get(), "nbf", now + 3600);
    auto early = issued(issuer(), "u", 7200, extra.get(), now);
    EXPECT_FALSE(verify_site_token(issuer(), early.token, now).ok()) << "not yet valid";
}

TEST_F(Tokens, ARevokedTokenIsRefusedAndOthersAreNot) {
    auto a = issued(issuer(), "u", 600, nullptr, now);
    auto b = issued(issuer(), "u", 600, nullptr, now);
    auto va = verify_site_token(issuer(), a.token, now);
    ASSERT_TRUE(va.ok());
    ASSERT_TRUE(revoke_access_token(*store, "shop", *va, now).ok());
    EXPECT_FALSE(verify_site_token(issuer(), a.token, now).ok());
    EXPECT_TRUE(verify_site_token(issuer(), b.token, now).ok());
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

TEST_F(Tokens, EdDSATokensVerifyAndPublishOnlyTheirPublicKey) {
    SigningKeys ed(*keys, policy({"shop"}));
    const SiteTokens who{ed, *store, "latchkey", "shop"};
    auto t = issued(who, "user-1", 600, nullptr, now);
    const Parts p = split(t.token);
    auto header = parse_json_strict(jwt::base64url_decode(p.header).value_or(""));
    ASSERT_TRUE(std::holds_alternative<Json>(header));
    EXPECT_EQ(json_string(std::get<Json>(header).get(), "alg"), std::string_view("EdDSA"));
    EXPECT_TRUE(verify_site_token(who, t.token, now).ok());
    // The same claims under HS256 keyed with the public key (the classic algorithm confusion),
    // or with the kid of the EdDSA key, must not verify.
    auto current = ed.current(*store, "shop", now);
    ASSERT_TRUE(current.ok());
    SigningKey confused = **current;
    confused.alg = SigningAlg::hs256;
    std::copy(confused.ed25519_public.begin(), confused.ed25519_public.end(),
              confused.secret.begin());
    Json claims = json_object();
    json_put(claims.get(), "iss", "latchkey");
    json_put(claims.get(), "aud", "shop");
    json_put(claims.get(), "sub", "admin");
    json_put(claims.get(), "iat", now);
    json_put(claims.get(), "exp", now + 600);
    json_put(claims.get(), "jti", "x");
    EXPECT_FALSE(verify_site_token(who, jwt::sign(claims.get(), confused), now).ok());
}

TEST_F(Tokens, RotationKeepsOldTokensVerifyingUntilTheyCannotBeAlive) {
    auto before = issued(issuer(), "u", 600, nullptr, now);
    SigningKeys other_process(*keys, policy());  // has version 1 cached from here on
    ASSERT_TRUE(
        verify_site_token(SiteTokens{other_process, *store, "latchkey", "shop"}, before.token, now)
            .ok());
    auto rotated = signing->rotate(*store, "shop", now + 10);
    ASSERT_TRUE(rotated.ok());
    EXPECT_EQ(rotated->version, 2);
    auto after = issued(issuer(), "u", 600, nullptr, now + 10);
    EXPECT_NE(split(before.token).header, split(after.token).header) << "a new kid signs";
    EXPECT_TRUE(verify_site_token(issuer(), before.token, now + 20).ok());
    EXPECT_TRUE(verify_site_token(issuer(), after.token, now + 20).ok());
    // A process that cached the old versions sees the rotation through the newer kid at once.
    EXPECT_TRUE(verify_site_token(SiteTokens{other_process, *store, "latchkey", "shop"},
                                  after.token, now + 20)
                    .ok());
    // Past max_token_lifetime after retirement the old key is gone even for a long-lived token.
    auto long_lived = issued(issuer(), "u", 3 * 86400, nullptr, now + 20);
    ASSERT_TRUE(signing->rotate(*store, "shop", now + 30).ok());
    SigningKeys later(*keys, policy());
    const SiteTokens later_issuer{later, *store, "latchkey", "shop"};
    EXPECT_TRUE(verify_site_token(later_issuer, long_lived.token, now + 30 + 86399).ok());
    SigningKeys much_later(*keys, policy());
    EXPECT_FALSE(verify_site_token(SiteTokens{much_later, *store, "latchkey", "shop"},
                                   long_lived.token, now + 30 + 86400)
                     .ok());
}

TEST_F(Tokens, ChangingASitesAlgorithmRotatesAndKeepsTheOldTokens) {
    auto hs = issued(issuer(), "u", 600, nullptr, now);
    SigningKeys ed(*keys, policy({"shop"}));
    const SiteTokens who{ed, *store, "latchkey", "shop"};
    auto eddsa = issued(who, "u", 600, nullptr, now + 1);
    EXPECT_TRUE(verify_site_token(who, hs.token, now + 2).ok());
    EXPECT_TRUE(verify_site_token(who, eddsa.token, now + 2).ok());
    auto versions = SigningKeys::list(*store, "shop");
    ASSERT_TRUE(versions.ok());
    ASSERT_EQ(versions->size(), 2u);
    EXPECT_EQ(versions->front().alg, SigningAlg::eddsa);
    EXPECT_FALSE(versions->front().retired_at.has_value());
    EXPECT_EQ(versions->back().retired_at, now + 1);
    auto published = ed.verifying(*store, "shop", now + 2);
    ASSERT_TRUE(published.ok());
    EXPECT_EQ(published->size(), 2u);
}

TEST(SigningKeys, DifferPerSiteAndStayStablePerSite) {
    auto k = ring();
    EXPECT_NE(k->signing_key("a").secret, k->signing_key("b").secret);
    EXPECT_NE(k->signing_key("a").kid, k->signing_key("b").kid);
    EXPECT_EQ(k->signing_key("a").secret, ring()->signing_key("a").secret);
    EXPECT_NE(k->signing_key("a").secret, ring(8)->signing_key("a").secret);
    EXPECT_NE(k->signing_key("a", 2).kid, k->signing_key("a").kid);
    EXPECT_NE(k->signing_key("a", 1, SigningAlg::eddsa).secret, k->signing_key("a").secret);
    EXPECT_EQ(k->signing_key("a", 1, SigningAlg::eddsa).kid.substr(0, 2), "1-");
}

}  // namespace
}  // namespace latchkey
