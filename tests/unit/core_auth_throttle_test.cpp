#include "core/auth/throttle.hpp"

#include <gtest/gtest.h>

#include <tuple>
#include <vector>

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

using Row = std::tuple<std::string, std::int64_t, std::int64_t, std::int64_t>;

// Every bucket as stored, sorted: what "exactly as before" is compared against.
std::vector<Row> buckets(Store& store) {
    auto stmt = store.prepare(
        "SELECT bucket_key, failures, locked_until, expires_at FROM guess_buckets "
        "ORDER BY bucket_key");
    EXPECT_TRUE(stmt.ok());
    auto rows = stmt->collect([](Statement& r) {
        return Row{r.column_text(0), r.column_int(1), r.column_int(2), r.column_int(3)};
    });
    EXPECT_TRUE(rows.ok());
    return *rows;
}

std::vector<Row> counting(std::vector<Row> rows) {  // without the known-network markers
    std::erase_if(rows, [](const Row& r) { return std::get<1>(r) == 0; });
    return rows;
}

TEST_F(Budget, ASignInOnANetworkOverItsFreeCountNeitherLocksItNorKeepsItsFailures) {
    policy.network_free = 3;
    GuessBudget nat = from("192.0.2.1");
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(nat.reserve("user:" + std::to_string(i), now).ok());
    const auto before = buckets(*store);
    // The lock is over; the next genuine sign-ins on the network are counted, then right.
    std::int64_t t = now + 5;
    for (const char* owner : {"user:alice", "user:bob", "user:carol"}) {
        auto wait = nat.network_wait(t);
        ASSERT_TRUE(wait.ok());
        EXPECT_EQ(*wait, 0) << owner;
        auto pass = nat.reserve(owner, t);
        ASSERT_TRUE(pass.ok()) << owner;
        ASSERT_TRUE(nat.succeeded(*pass, t).ok());
        EXPECT_EQ(counting(buckets(*store)), before) << owner;  // count, lock and expiry as before
        ++t;
    }
    // And the failures are forgotten when they were due to be, sign-ins or not.
    std::int64_t expiry = 0;
    for (const auto& row : before) expiry = std::max(expiry, std::get<3>(row));
    auto fresh = nat.reserve("user:9", expiry);
    ASSERT_TRUE(fresh.ok());
    for (const auto& row : buckets(*store)) EXPECT_LE(std::get<1>(row), 1);
}

TEST_F(Budget, AGuessThatWasNeverCheckedIsNotCounted) {
    GuessBudget b = from("192.0.2.1");
    ASSERT_TRUE(b.reserve("user:a@example.com", now).ok());  // one real failure stays
    const auto before = buckets(*store);
    for (int i = 0; i < 5; ++i) {  // a busy hasher answers each retry with 503
        auto pass = b.reserve("user:a@example.com", now);
        ASSERT_TRUE(pass.ok()) << i;
        ASSERT_TRUE(b.cancel(*pass).ok());
        EXPECT_EQ(buckets(*store), before) << i;
    }
    // From an empty start the cancelled guess leaves nothing behind either.
    GuessBudget other = from("198.51.100.7");
    auto pass = other.reserve("user:b@example.com", now);
    ASSERT_TRUE(pass.ok());
    ASSERT_TRUE(other.cancel(*pass).ok());
    EXPECT_EQ(buckets(*store), before);
}

TEST_F(Budget, GuessesAreCountedOutsideAnyTransactionOnly) {
    // Inside a caller's transaction, the caller's rollback would undo the count (a free guess) or
    // the taking back (a guess charged that nobody made): refused, and nothing written.
    GuessBudget b = from("192.0.2.1");
    auto pass = b.reserve("user:a@example.com", now);
    ASSERT_TRUE(pass.ok());
    const auto before = buckets(*store);
    {
        auto tx = store->begin();
        ASSERT_TRUE(tx.ok());
        auto nested = b.reserve("user:a@example.com", now);
        ASSERT_FALSE(nested.ok());
        EXPECT_EQ(nested.error().code, Errc::invalid_argument);
        EXPECT_FALSE(b.cancel(*pass).ok());
        EXPECT_FALSE(b.succeeded(*pass, now).ok());
        ASSERT_TRUE(tx->commit().ok());
    }
    EXPECT_EQ(buckets(*store), before);
    ASSERT_TRUE(b.cancel(*pass).ok());  // outside, it works
    EXPECT_TRUE(buckets(*store).empty());
}

TEST_F(Budget, TakingBackOneGuessKeepsTheGuessesCountedSince) {
    GuessBudget first = from("192.0.2.1"), second = from("192.0.2.1");
    auto mine = first.reserve("user:a@example.com", now);
    ASSERT_TRUE(mine.ok());
    ASSERT_TRUE(second.reserve("user:b@example.com", now).ok());  // in parallel, wrong
    ASSERT_TRUE(first.succeeded(*mine, now).ok());
    // The network still holds the other guess; a's buckets are gone, b's stay.
    std::int64_t total = 0;
    for (const auto& row : buckets(*store)) total += std::get<1>(row);
    EXPECT_EQ(total, 1 + 2);  // network 1, b's pair and account buckets 1 each
}

TEST_F(Budget, ALockIsAuditedOnceHoweverOftenTheLockedClientRetries) {
    policy.network_free = 3;
    GuessBudget b = from("192.0.2.1");
    b.audit_locks(AuditEvent{0, "shop", "", 0, "", "192.0.2.1", "agent", ""}, 30);
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(b.reserve("user:" + std::to_string(i), now).ok());
    const auto audited = [&]() {
        auto stmt = store->prepare(
            "SELECT COUNT(*) FROM audit_events WHERE event = 'lockout' AND site = 'shop'");
        EXPECT_TRUE(stmt.ok());
        EXPECT_TRUE(*stmt->step());
        return stmt->column_int(0);
    };
    EXPECT_EQ(audited(), 0);
    ASSERT_TRUE(b.reserve("user:2", now).ok());  // the third failure locks the network
    EXPECT_EQ(audited(), 1);
    for (int i = 0; i < 20; ++i) EXPECT_FALSE(b.reserve("user:3", now).ok());
    EXPECT_EQ(audited(), 1);
}

}  // namespace
}  // namespace latchkey
