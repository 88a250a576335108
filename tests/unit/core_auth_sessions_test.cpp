#include "core/auth/sessions.hpp"

#include <gtest/gtest.h>

#include "core/crypto/seal.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

const auto* const kSodium = ::testing::AddGlobalTestEnvironment(new testing::SodiumEnvironment);

SealKey key_of(unsigned char fill) {
    SealKey key{};
    key.fill(fill);
    return key;
}

TEST(Seal, OpensOnlyWithItsKeyAndUnaltered) {
    const std::string sealed = seal("successor-id", key_of(1));
    EXPECT_EQ(unseal(sealed, key_of(1)), "successor-id");
    EXPECT_EQ(sealed.find("successor-id"), std::string::npos);
    EXPECT_NE(seal("successor-id", key_of(1)), sealed);  // a fresh nonce each time
    EXPECT_FALSE(unseal(sealed, key_of(2)));
    std::string altered = sealed;
    altered.back() ^= 1;
    EXPECT_FALSE(unseal(altered, key_of(1)));
    EXPECT_FALSE(unseal("short", key_of(1)));
}

class Families : public ::testing::Test {
  protected:
    void SetUp() override {
        std::array<unsigned char, 32> master{};
        master.fill(9);
        keys = KeyRing::from_master(master);
        auto opened = Store::open({dir.file("s.db"), 1000, 1024});
        ASSERT_TRUE(opened.ok());
        store = std::move(*opened);
        ASSERT_TRUE(store->migrate().ok());
        ASSERT_TRUE(store
                        ->exec("INSERT INTO accounts(id, public_id, site, kind, email, email_key, "
                               "created_at, updated_at) VALUES (1, 'p1', 'shop', 'customer', "
                               "'a@example.com', 'a@example.com', 0, 0)")
                        .ok());
    }
    Sessions sessions() { return Sessions(*store, *keys, SessionPolicy{3600, kGrace}); }
    bool revoked(const std::string& family) {
        auto alive = sessions().family_alive("shop", family, now);
        EXPECT_TRUE(alive.ok());
        return !*alive;
    }

    static constexpr std::int64_t kGrace = 10;
    const std::int64_t now = 1800000000;
    testing::TempDir dir;
    std::unique_ptr<KeyRing> keys;
    std::unique_ptr<Store> store;
};

TEST_F(Families, AReplayInsideTheGraceGetsTheSameSuccessor) {
    auto first = sessions().start("shop", 1, now);
    ASSERT_TRUE(first.ok());
    auto second = sessions().rotate("shop", first->family_id, first->jti, now);
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->second, RotateOutcome::rotated);
    auto again = sessions().rotate("shop", first->family_id, first->jti, now + kGrace);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->second, RotateOutcome::replayed);
    EXPECT_EQ(again->first.jti, second->first.jti);
    EXPECT_EQ(again->first.issued_at, second->first.issued_at);
    EXPECT_EQ(again->first.expires_at, second->first.expires_at);
    EXPECT_FALSE(revoked(first->family_id));
}

TEST_F(Families, ASpentTokenAfterTheGraceRevokesTheFamilyOnBothPaths) {
    for (bool rotating : {true, false}) {
        auto first = sessions().start("shop", 1, now);
        ASSERT_TRUE(first.ok());
        auto second = sessions().rotate("shop", first->family_id, first->jti, now);
        ASSERT_TRUE(second.ok());
        const std::int64_t late = now + kGrace + 1;
        const Error error =
            rotating ? sessions().rotate("shop", first->family_id, first->jti, late).error()
                     : sessions().validate("shop", first->family_id, first->jti, late).error();
        EXPECT_EQ(error.code, Errc::refresh_reuse) << error.detail;
        EXPECT_TRUE(revoked(first->family_id));
        EXPECT_FALSE(sessions().rotate("shop", first->family_id, second->first.jti, late).ok());
    }
}

TEST_F(Families, TheSealedSuccessorIsForgottenOnceTheGraceHasPassed) {
    auto first = sessions().start("shop", 1, now);
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(sessions().rotate("shop", first->family_id, first->jti, now).ok());
    auto count = [&] {
        auto stmt =
            store->prepare("SELECT COUNT(*) FROM refresh_tokens WHERE successor IS NOT NULL");
        EXPECT_TRUE(stmt.ok() && stmt->step().ok());
        return stmt->column_int(0);
    };
    EXPECT_EQ(count(), 1);
    ASSERT_TRUE(sessions().start("shop", 1, now + kGrace).ok());  // still inside: kept
    EXPECT_EQ(count(), 1);
    ASSERT_TRUE(sessions().start("shop", 1, now + kGrace + 1).ok());
    EXPECT_EQ(count(), 0);
}

}  // namespace
}  // namespace latchkey
