#include "core/store/store.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace latchkey {
namespace {

class Transactions : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = Store::open({dir.file("t.db"), 1000, 1024});
        ASSERT_TRUE(opened.ok());
        store = std::move(*opened);
        ASSERT_TRUE(store->exec("CREATE TABLE t (v INTEGER)").ok());
    }
    void insert(int v) {
        ASSERT_TRUE(
            store->exec(("INSERT INTO t(v) VALUES (" + std::to_string(v) + ")").c_str()).ok());
    }
    std::vector<std::int64_t> values() {
        auto stmt = store->prepare("SELECT v FROM t ORDER BY v");
        EXPECT_TRUE(stmt.ok());
        auto out = stmt->collect([](const Statement& row) { return row.column_int(0); });
        EXPECT_TRUE(out.ok());
        return *out;
    }
    testing::TempDir dir;
    std::unique_ptr<Store> store;
};

TEST_F(Transactions, AnInnerOneJoinsAndCommitsOnlyWithTheOuter) {
    {
        auto outer = store->begin();
        ASSERT_TRUE(outer.ok());
        EXPECT_FALSE(outer->joined());
        insert(1);
        auto inner = store->begin();
        ASSERT_TRUE(inner.ok());
        EXPECT_TRUE(inner->joined());
        insert(2);
        ASSERT_TRUE(inner->commit().ok());
        EXPECT_TRUE(store->in_transaction());
    }  // the outer one is dropped: nothing stays
    EXPECT_FALSE(store->in_transaction());
    EXPECT_TRUE(values().empty());
}

TEST_F(Transactions, AFailedInnerOneUndoesOnlyItsOwnWork) {
    auto outer = store->begin();
    ASSERT_TRUE(outer.ok());
    insert(1);
    {
        auto inner = store->begin();
        ASSERT_TRUE(inner.ok());
        insert(2);
    }  // a step that failed
    {
        auto again = store->begin();
        ASSERT_TRUE(again.ok());
        insert(3);
        ASSERT_TRUE(again->commit().ok());
    }
    ASSERT_TRUE(outer->commit().ok());
    EXPECT_FALSE(store->in_transaction());
    EXPECT_EQ(values(), (std::vector<std::int64_t>{1, 3}));
    auto next = store->begin();  // a fresh outer transaction after the commit
    ASSERT_TRUE(next.ok());
    EXPECT_FALSE(next->joined());
}

TEST_F(Transactions, AWriterCannotJoinARowsTransaction) {
    auto outer = store->begin(Store::Turn::rows);
    ASSERT_TRUE(outer.ok());
    EXPECT_FALSE(store->begin(Store::Turn::writer).ok());
    EXPECT_TRUE(store->begin(Store::Turn::rows).ok());
}

TEST_F(Transactions, AnExclusiveOneJoinsOnlyAnotherExclusiveOne) {
    {
        auto outer = store->begin();
        ASSERT_TRUE(outer.ok());
        EXPECT_FALSE(store->begin(Store::Turn::exclusive).ok());
    }
    auto outer = store->begin(Store::Turn::exclusive);
    ASSERT_TRUE(outer.ok());
    auto inner = store->begin(Store::Turn::exclusive);
    ASSERT_TRUE(inner.ok());
    EXPECT_TRUE(inner->joined());
}

TEST_F(Transactions, SqliteNeedsNoRowOrKeyLocks) {
    EXPECT_FALSE(store->locks_rows());
    // Outside a transaction too: nothing to take where the single writer excludes every other.
    EXPECT_TRUE(store->lock_keys({{LockClass::email, "site user a@example.com"}}).ok());
    auto tx = store->begin();
    ASSERT_TRUE(tx.ok());
    EXPECT_TRUE(store->lock_keys({{LockClass::guess_bucket, "b"}, {LockClass::email, "a"}}).ok());
    insert(1);
    ASSERT_TRUE(tx->commit().ok());
    EXPECT_EQ(values(), std::vector<std::int64_t>{1});
}

TEST(Migrations, AnUpToDateDatabaseIsMigratedWithoutTakingTheWriteTurn) {
    testing::TempDir dir;
    auto first = Store::open({dir.file("m.db"), 200, 1024});
    ASSERT_TRUE(first.ok());
    auto applied = (*first)->migrate();
    ASSERT_TRUE(applied.ok());
    EXPECT_GT(*applied, 0);
    // Another process's writer holds the turn: a host restarting finds nothing to apply at once.
    auto held = (*first)->begin();
    ASSERT_TRUE(held.ok());
    auto second = Store::open({dir.file("m.db"), 200, 1024});
    ASSERT_TRUE(second.ok());
    auto again = (*second)->migrate();
    ASSERT_TRUE(again.ok()) << again.error().detail;
    EXPECT_EQ(*again, 0);
}

TEST_F(Transactions, AReadSnapshotSeesOneStateOfTheDatabase) {
    insert(1);
    auto other = Store::open({dir.file("t.db"), 1000, 1024});
    ASSERT_TRUE(other.ok());
    {
        const auto snapshot = store->read_snapshot();
        EXPECT_EQ(values(), (std::vector<std::int64_t>{1}));
        ASSERT_TRUE((*other)->exec("INSERT INTO t(v) VALUES (2)").ok());
        EXPECT_EQ(values(), (std::vector<std::int64_t>{1}));  // still the state of the first read
    }
    EXPECT_EQ(values(), (std::vector<std::int64_t>{1, 2}));
}

TEST_F(Transactions, AWriterBegunInsideAReadSnapshotEndsItAndCommits) {
    auto other = Store::open({dir.file("t.db"), 1000, 1024});
    ASSERT_TRUE(other.ok());
    {
        const auto snapshot = store->read_snapshot();
        EXPECT_TRUE(values().empty());
        ASSERT_TRUE((*other)->exec("INSERT INTO t(v) VALUES (1)").ok());
        // A deferred read upgraded to a write would fail here (the snapshot is stale); the
        // writer's own BEGIN IMMEDIATE starts from the newest state.
        auto tx = store->begin();
        ASSERT_TRUE(tx.ok());
        insert(2);
        ASSERT_TRUE(tx->commit().ok());
        EXPECT_EQ(values(), (std::vector<std::int64_t>{1, 2}));
    }
    EXPECT_EQ(values(), (std::vector<std::int64_t>{1, 2}));
}

TEST_F(Transactions, AReadSnapshotInsideATransactionLeavesItOpen) {
    auto tx = store->begin();
    ASSERT_TRUE(tx.ok());
    insert(1);
    { const auto snapshot = store->read_snapshot(); }
    insert(2);                       // still inside the writer's transaction
    ASSERT_TRUE(tx->commit().ok());  // fails if the snapshot had ended the transaction
    EXPECT_EQ(values(), (std::vector<std::int64_t>{1, 2}));
}

}  // namespace
}  // namespace latchkey
