// An account id is never handed out twice: SQLite would give a deleted newest account's id to the
// next registration, and its audit tombstone would read as the newcomer's history.
#include <gtest/gtest.h>

#include <chrono>

#include "core/auth/accounts.hpp"
#include "core/crypto/password.hpp"
#include "core/store/store.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

const auto* const kSodium = ::testing::AddGlobalTestEnvironment(new testing::SodiumEnvironment);

TEST(AccountIds, ADeletedAccountsIdIsNeverGivenToTheNext) {
    testing::TempDir dir;
    auto opened = Store::open({dir.file("ids.db"), 1000, 1024});
    ASSERT_TRUE(opened.ok());
    auto store = std::move(*opened);
    ASSERT_TRUE(store->migrate().ok());
    PasswordHasher hasher(HashParams{1, 8 * 1024}, 1, std::chrono::seconds(5));
    Accounts accounts(*store, hasher);
    auto make = [&](const char* email) {
        auto a = accounts.create(NewAccount{.site = "shop", .email = email, .passwordless = true},
                                 1800000000);
        EXPECT_TRUE(a.ok());
        return a.ok() ? a->id : 0;
    };
    const std::int64_t first = make("a@example.com");
    const std::int64_t newest = make("b@example.com");
    ASSERT_GT(newest, first);
    ASSERT_TRUE(accounts.remove(newest).ok());
    const std::int64_t next = make("c@example.com");
    EXPECT_GT(next, newest) << "the deleted account's id came back";
    ASSERT_TRUE(accounts.remove(next).ok());
    ASSERT_TRUE(accounts.remove(first).ok());
    EXPECT_GT(make("b@example.com"), next) << "not even once every account is gone";
}

}  // namespace
}  // namespace latchkey
