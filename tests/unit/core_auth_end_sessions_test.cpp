#include "core/auth/end_sessions.hpp"

#include <gtest/gtest.h>

#include "core/auth/sessions.hpp"
#include "core/auth/tokens.hpp"
#include "core/base/json.hpp"
#include "core/crypto/signing_keys.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

const auto* const kSodium = ::testing::AddGlobalTestEnvironment(new testing::SodiumEnvironment);

class EndSessions : public ::testing::Test {
  protected:
    void SetUp() override {
        std::array<unsigned char, 32> master{};
        master.fill(7);
        keys = KeyRing::from_master(master);
        signing = std::make_unique<SigningKeys>(*keys, SigningPolicy{{}, 86400});
        auto opened = Store::open({dir.file("s.db"), 1000, 1024});
        ASSERT_TRUE(opened.ok());
        store = std::move(*opened);
        ASSERT_TRUE(store->migrate().ok());
        testing::add_accounts(*store, {1, 2});
    }
    Sessions sessions() { return Sessions(*store, *keys); }
    std::int64_t session_version(std::int64_t account_id) {
        auto stmt = store->prepare("SELECT session_version FROM accounts WHERE id = ?1");
        EXPECT_TRUE(stmt.ok());
        stmt->bind(1, account_id);
        auto row = stmt->step();
        EXPECT_TRUE(row.ok() && *row);
        return stmt->column_int(0);
    }
    std::string revoked_reason(const std::string& family) {
        auto stmt = store->prepare(
            "SELECT COALESCE(revoked_reason, '') FROM refresh_families WHERE id = ?1");
        EXPECT_TRUE(stmt.ok());
        stmt->bind(1, family);
        auto row = stmt->step();
        EXPECT_TRUE(row.ok() && *row);
        return stmt->column_text(0);
    }
    // An access token as the handlers issue it: the account's session version in `sv`.
    std::string access_token(std::int64_t account_id) {
        Json claims = json_object();
        json_put(claims.get(), "sv", session_version(account_id));
        auto t = issue_access_token(SiteTokens{*signing, *store, "latchkey", "shop"},
                                    "p" + std::to_string(account_id), 600, claims.get(), now);
        EXPECT_TRUE(t.ok());
        return t.ok() ? t->token : std::string();
    }
    // Whether the token's session version is still the account's (the handlers' check).
    bool current(const std::string& token, std::int64_t account_id) {
        auto v =
            verify_site_token(SiteTokens{*signing, *store, "latchkey", "shop"}, token, now + 2);
        EXPECT_TRUE(v.ok());  // signed and unexpired: only its session version ends it
        return v.ok() && json_integer(v->claims.get(), "sv") == session_version(account_id);
    }
    // Both ways a refresh token is presented refuse it.
    void expect_refused(const RefreshGrant& grant, std::int64_t at) {
        auto rotated = sessions().rotate("shop", grant.family_id, grant.jti, at);
        ASSERT_FALSE(rotated.ok());
        EXPECT_EQ(rotated.error().code, Errc::invalid_token) << rotated.error().detail;
        auto validated = sessions().validate("shop", grant.family_id, grant.jti, at);
        ASSERT_FALSE(validated.ok());
        EXPECT_EQ(validated.error().code, Errc::invalid_token) << validated.error().detail;
    }

    const std::int64_t now = 1800000000;
    testing::TempDir dir;
    std::unique_ptr<KeyRing> keys;
    std::unique_ptr<SigningKeys> signing;
    std::unique_ptr<Store> store;
};

TEST_F(EndSessions, StalesAccessTokensAndRefusesEveryRefreshTokenOfTheAccountOnly) {
    auto one = sessions().start("shop", 1, now);
    auto two = sessions().start("shop", 1, now);
    auto other = sessions().start("shop", 2, now);
    ASSERT_TRUE(one.ok() && two.ok() && other.ok());
    auto rotated = sessions().rotate("shop", two->family_id, two->jti, now);
    ASSERT_TRUE(rotated.ok());
    const std::string old_access = access_token(1);
    const std::string others_access = access_token(2);
    ASSERT_TRUE(current(old_access, 1));

    ASSERT_TRUE(end_sessions(*store, 1, {"global_sign_out"}, now + 1).ok());

    EXPECT_FALSE(current(old_access, 1));
    EXPECT_TRUE(current(access_token(1), 1));  // a token issued after is good
    EXPECT_TRUE(current(others_access, 2));
    expect_refused(*one, now + 2);
    expect_refused(rotated->first, now + 2);
    expect_refused(*two, now + 2);  // the spent one too, even within the grace
    EXPECT_EQ(revoked_reason(one->family_id), "global_sign_out");
    EXPECT_EQ(revoked_reason(two->family_id), "global_sign_out");
    EXPECT_TRUE(sessions().validate("shop", other->family_id, other->jti, now + 2).ok());
    EXPECT_EQ(revoked_reason(other->family_id), "");
}

TEST_F(EndSessions, KeepsAccessTokensWhenAskedAndVoidsOneTimeTokensOfThePurposeOnly) {
    auto family = sessions().start("shop", 1, now);
    ASSERT_TRUE(family.ok());
    ASSERT_TRUE(store
                    ->exec("INSERT INTO one_time_tokens(token_hash, account_id, purpose, "
                           "expires_at, created_at) VALUES ('r', 1, 'reset_password', 9999999999, "
                           "0), ('v', 1, 'verify_email', 9999999999, 0)")
                    .ok());
    const std::string access = access_token(1);
    ASSERT_TRUE(end_sessions(*store, 1, {"admin", false, "reset_password"}, now).ok());
    EXPECT_TRUE(current(access, 1));
    expect_refused(*family, now + 1);
    auto left = store->prepare("SELECT purpose FROM one_time_tokens WHERE expires_at > 0");
    ASSERT_TRUE(left.ok());
    auto purposes = left->collect([](const Statement& row) { return row.column_text(0); });
    ASSERT_TRUE(purposes.ok());
    EXPECT_EQ(*purposes, std::vector<std::string>{"verify_email"});
}

TEST_F(EndSessions, JoinsTheCallersTransactionAndRollsBackWithIt) {
    auto family = sessions().start("shop", 1, now);
    ASSERT_TRUE(family.ok());
    {
        auto tx = store->begin();
        ASSERT_TRUE(tx.ok());
        ASSERT_TRUE(end_sessions(*store, 1, {"password"}, now).ok());
        EXPECT_TRUE(store->in_transaction());  // still the caller's, not committed
    }
    EXPECT_FALSE(store->in_transaction());
    EXPECT_EQ(session_version(1), 0);
    EXPECT_TRUE(sessions().validate("shop", family->family_id, family->jti, now).ok());
}

}  // namespace
}  // namespace latchkey
