// An account's address changes only to one free in its namespace; a change of case is always free.
#include <gtest/gtest.h>

#include <chrono>

#include "core/auth/accounts.hpp"
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

}  // namespace
}  // namespace latchkey
