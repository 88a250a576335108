#include "core/throttle.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace latchkey {
namespace {

const auto* const kSodium = ::testing::AddGlobalTestEnvironment(new testing::SodiumEnvironment);

class Budget : public ::testing::Test {
  protected:
    void SetUp() override {
        std::array<unsigned char, 32> master{};
        master.fill(3);
        keys = KeyRing::from_master(master);
        auto opened = Store::open({dir.file("t.db"), 1000, 1024});
        ASSERT_TRUE(opened.ok());
        store = std::move(*opened);
        ASSERT_TRUE(store->migrate().ok());
    }
    GuessBudget from(std::string_view network) {
        GuessBudget b;
        b.arm(*store, *keys, policy, "login", "shop", network);
        return b;
    }

    testing::TempDir dir;
    std::unique_ptr<KeyRing> keys;
    std::unique_ptr<Store> store;
    GuessPolicy policy{.pair_free = 2,
                       .network_free = 1000,
                       .account_free = 4,
                       .first_lock = 1,
                       .max_lock = 8,
                       .account_max_lock = 3,
                       .forget_after = 100,
                       .known_days = 1};
    const std::int64_t now = 1800000000;
};

TEST_F(Budget, UnarmedFailsClosed) {
    GuessBudget unarmed;
    auto pass = unarmed.reserve("user:a@example.com", now);
    ASSERT_FALSE(pass.ok());
    EXPECT_EQ(pass.error().code, Errc::invalid_argument);
    EXPECT_FALSE(unarmed.network_wait(now).ok());
}

TEST_F(Budget, LocksDoubleUpToTheCapAndNeverLast) {
    GuessBudget b = from("192.0.2.1");
    ASSERT_TRUE(b.reserve("user:a@example.com", now).ok());
    ASSERT_TRUE(b.reserve("user:a@example.com", now).ok());  // the 2nd failure locks for 1 s
    std::int64_t t = now;
    for (std::int64_t expected : {1, 2, 4, 8, 8}) {
        auto refused = b.reserve("user:a@example.com", t);
        ASSERT_FALSE(refused.ok());
        EXPECT_EQ(refused.error().code, Errc::rate_limited);
        EXPECT_EQ(b.retry_after(), expected);
        t += expected;
        ASSERT_TRUE(b.reserve("user:a@example.com", t).ok());
    }
    // Forgotten forget_after seconds after the last lock ends.
    ASSERT_TRUE(b.reserve("user:a@example.com", t + 8 + 100).ok());
    ASSERT_TRUE(b.reserve("user:a@example.com", t + 8 + 100).ok());
}

TEST_F(Budget, ARightGuessClearsTheAccountAndItsNetworkBecomesKnown) {
    GuessBudget home = from("192.0.2.1");
    auto pass = home.reserve("user:a@example.com", now);
    ASSERT_TRUE(pass.ok());
    ASSERT_TRUE(home.succeeded(*pass, now).ok());
    // Strangers on four networks lock the account for every network but home.
    for (const char* net : {"198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"}) {
        GuessBudget stranger = from(net);
        ASSERT_TRUE(stranger.reserve("user:a@example.com", now).ok());
    }
    GuessBudget travelling = from("203.0.113.9");
    ASSERT_FALSE(travelling.reserve("user:a@example.com", now).ok());
    EXPECT_LE(travelling.retry_after(), policy.account_max_lock);
    auto again = home.reserve("user:a@example.com", now);
    ASSERT_TRUE(again.ok());
    ASSERT_TRUE(home.succeeded(*again, now).ok());
    EXPECT_TRUE(travelling.reserve("user:a@example.com", now).ok());
}

TEST_F(Budget, ANetworkIsLockedForEveryAccountAndTheGateSeesIt) {
    policy.network_free = 3;
    GuessBudget b = from("192.0.2.1");
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(b.reserve("user:" + std::to_string(i), now).ok());
    auto wait = b.network_wait(now);
    ASSERT_TRUE(wait.ok());
    EXPECT_EQ(*wait, 1);
    EXPECT_FALSE(b.reserve("", now).ok());
    auto elsewhere = from("192.0.2.2").network_wait(now);
    ASSERT_TRUE(elsewhere.ok());
    EXPECT_EQ(*elsewhere, 0);
}

}  // namespace
}  // namespace latchkey
