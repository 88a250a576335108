// A booking user's change of email waits in one row per account: the newest request replaces the
// older, and the row goes with the account.
#include <gtest/gtest.h>

#include <chrono>

#include "core/auth/accounts.hpp"
#include "core/auth/customers.hpp"
#include "core/auth/pending_emails.hpp"
#include "core/crypto/password.hpp"
#include "core/store/store.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

const auto* const kSodium = ::testing::AddGlobalTestEnvironment(new testing::SodiumEnvironment);

class PendingEmailsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = Store::open({dir_.file("pending.db"), 1000, 1024});
        ASSERT_TRUE(opened.ok());
        store_ = std::move(*opened);
        ASSERT_TRUE(store_->migrate().ok());
        accounts_.emplace(*store_, hasher_);
        auto a = accounts_->create(
            NewAccount{.site = "book", .email = "old@example.com", .passwordless = true}, kNow);
        ASSERT_TRUE(a.ok());
        account_ = *a;
    }
    static constexpr std::int64_t kNow = 1800000000;
    testing::TempDir dir_;
    std::unique_ptr<Store> store_;
    PasswordHasher hasher_{HashParams{1, 8 * 1024}, 1, std::chrono::seconds(5)};
    std::optional<Accounts> accounts_;
    Account account_;
};

TEST_F(PendingEmailsTest, TheNewestRequestReplacesTheOlder) {
    PendingEmails pending(*store_);
    auto none = pending.find(account_.id);
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
    ASSERT_TRUE(pending.put("book", account_.id, "first@example.com", "s1", kNow).ok());
    ASSERT_TRUE(pending.put("book", account_.id, "second@example.com", "s2", kNow + 1).ok());
    auto found = pending.find(account_.id);
    ASSERT_TRUE(found.ok() && found->has_value());
    EXPECT_EQ((*found)->email, "second@example.com");
    EXPECT_EQ((*found)->session, "s2");
    ASSERT_TRUE(pending.remove(account_.id).ok());
    auto gone = pending.find(account_.id);
    ASSERT_TRUE(gone.ok());
    EXPECT_FALSE(gone->has_value());
}

TEST_F(PendingEmailsTest, GoesWithTheAccountAsTheProfileDoes) {
    PendingEmails pending(*store_);
    Customers customers(*store_);
    ASSERT_TRUE(pending.put("book", account_.id, "new@example.com", "s", kNow).ok());
    Customer c;
    c.subject = account_.public_id;
    c.email = account_.email;
    c.preferred_language = "en";
    ASSERT_TRUE(customers.create("book", account_.id, c, kNow).ok());
    ASSERT_TRUE(accounts_->remove(account_.id).ok());
    auto found = pending.find(account_.id);
    ASSERT_TRUE(found.ok());
    EXPECT_FALSE(found->has_value());
    auto profile = customers.find("book", account_.id);
    ASSERT_FALSE(profile.ok());
    EXPECT_EQ(profile.error().code, Errc::not_found);
}

TEST_F(PendingEmailsTest, TheProfileFollowsAConfirmedChange) {
    Customers customers(*store_);
    Customer c;
    c.subject = account_.public_id;
    c.email = account_.email;
    c.preferred_language = "es";
    ASSERT_TRUE(customers.create("book", account_.id, c, kNow).ok());
    ASSERT_TRUE(customers.set_email(account_.id, "new@example.com", kNow + 5).ok());
    auto profile = customers.find("book", account_.id);
    ASSERT_TRUE(profile.ok());
    EXPECT_EQ(profile->email, "new@example.com");
    EXPECT_TRUE(profile->email_verified);
    EXPECT_EQ(profile->updated_at, kNow + 5);
    EXPECT_EQ(profile->preferred_language, "es");
}

}  // namespace
}  // namespace latchkey
