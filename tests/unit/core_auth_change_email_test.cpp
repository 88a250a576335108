// An account's address changes only to one free in its namespace; a change of case is always free.
#include <gtest/gtest.h>

#include <array>
#include <chrono>

#include "core/auth/accounts.hpp"
#include "core/auth/end_sessions.hpp"
#include "core/auth/one_time.hpp"
#include "core/auth/throttle.hpp"
#include "core/crypto/password.hpp"
#include "core/store/store.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

const auto* const kSodium = ::testing::AddGlobalTestEnvironment(new testing::SodiumEnvironment);

class ChangeEmail : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = Store::open({dir_.file("email.db"), 1000, 1024});
        ASSERT_TRUE(opened.ok());
        store_ = std::move(*opened);
        ASSERT_TRUE(store_->migrate().ok());
        accounts_.emplace(*store_, hasher_);
    }
    Account make(const char* email, const char* kind = "user") {
        auto a = accounts_->create(
            NewAccount{.site = "shop", .kind = kind, .email = email, .passwordless = true}, kNow);
        EXPECT_TRUE(a.ok());
        return a.ok() ? *a : Account{};
    }
    static constexpr std::int64_t kNow = 1800000000;
    testing::TempDir dir_;
    std::unique_ptr<Store> store_;
    PasswordHasher hasher_{HashParams{1, 8 * 1024}, 1, std::chrono::seconds(5)};
    std::optional<Accounts> accounts_;
};

TEST_F(ChangeEmail, MovesTheAccountToAFreeAddressAndMarksItVerified) {
    const Account a = make("old@example.com");
    ASSERT_TRUE(accounts_->change_email(a, "New@Example.com", kNow + 1).ok());
    auto found = accounts_->find_by_email("shop", "user", "new@example.com");
    ASSERT_TRUE(found.ok() && found->has_value());
    EXPECT_EQ((*found)->id, a.id);
    EXPECT_EQ((*found)->email, "New@Example.com");
    EXPECT_TRUE((*found)->email_verified);
    auto old = accounts_->find_by_email("shop", "user", "old@example.com");
    ASSERT_TRUE(old.ok());
    EXPECT_FALSE(old->has_value()) << "the old address still names the account";
}

TEST_F(ChangeEmail, RefusesAnAddressAnotherAccountHolds) {
    const Account a = make("a@example.com");
    make("b@example.com");
    auto r = accounts_->change_email(a, "B@example.com", kNow + 1);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::email_taken);
    auto still = accounts_->find_by_id(a.id);
    ASSERT_TRUE(still.ok());
    EXPECT_EQ(still->email, "a@example.com");
}

TEST_F(ChangeEmail, AChangeOfCaseIsFreeAndOtherNamespacesDoNotCount) {
    const Account a = make("a@example.com");
    make("b@example.com", "merchant");
    EXPECT_TRUE(accounts_->change_email(a, "A@Example.com", kNow + 1).ok());
    EXPECT_TRUE(accounts_->change_email(a, "b@example.com", kNow + 2).ok())
        << "another account type's address blocked the change";
}

TEST_F(ChangeEmail, EmailFreeForAnswersAsChangeEmailWould) {
    const Account a = make("a@example.com");
    make("b@example.com");
    make("c@example.com", "merchant");
    auto taken = accounts_->email_free_for(a, "B@example.com", kNow);
    ASSERT_TRUE(taken.ok());
    EXPECT_FALSE(*taken);
    for (const char* free : {"A@example.com", "c@example.com", "d@example.com"}) {
        auto r = accounts_->email_free_for(a, free, kNow);
        ASSERT_TRUE(r.ok());
        EXPECT_TRUE(*r) << free;
    }
}

TEST_F(ChangeEmail, APendingChangeCarriesItsAddressAndEndsWithTheSessions) {
    const Account a = make("a@example.com");
    std::array<unsigned char, 32> master{};
    master.fill(5);
    const auto keys = KeyRing::from_master(master);
    OneTimeTokens tokens(*store_, *keys);
    GuessBudget guesses;
    guesses.arm(*store_, *keys, GuessPolicy{}, "token", "shop", "192.0.2.1");
    auto first = tokens.issue(a.id, kChangeEmailPurpose, 3600, kNow, "new@example.com");
    ASSERT_TRUE(first.ok());
    auto pass = guesses.reserve("", kNow);
    ASSERT_TRUE(pass.ok());
    auto live = tokens.live(*pass, kChangeEmailPurpose, *first, kNow);
    ASSERT_TRUE(live.ok() && *live);

    // Superseded: a newer request revokes the pending one.
    ASSERT_TRUE(tokens.revoke(a.id, kChangeEmailPurpose).ok());
    auto gone = tokens.redeem(*pass, kChangeEmailPurpose, *first, kNow);
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.error().code, Errc::invalid_token);

    auto second = tokens.issue(a.id, kChangeEmailPurpose, 3600, kNow, "other@example.com");
    ASSERT_TRUE(second.ok());
    auto redeemed = tokens.redeem(*pass, kChangeEmailPurpose, *second, kNow);
    ASSERT_TRUE(redeemed.ok());
    EXPECT_EQ(redeemed->new_email, "other@example.com");
    EXPECT_FALSE(redeemed->already_used);

    // A password change (any end of the sessions that stales access tokens) voids a pending one.
    auto third = tokens.issue(a.id, kChangeEmailPurpose, 3600, kNow, "third@example.com");
    ASSERT_TRUE(third.ok());
    ASSERT_TRUE(end_sessions(*store_, a.id, {"password"}, kNow).ok());
    auto ended = tokens.redeem(*pass, kChangeEmailPurpose, *third, kNow);
    ASSERT_FALSE(ended.ok());
    EXPECT_EQ(ended.error().code, Errc::invalid_token);

    // Other purposes carry no address.
    auto reset = tokens.issue(a.id, "reset_password", 3600, kNow);
    ASSERT_TRUE(reset.ok());
    auto plain = tokens.redeem(*pass, "reset_password", *reset, kNow);
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(plain->new_email, "");
}

}  // namespace
}  // namespace latchkey
