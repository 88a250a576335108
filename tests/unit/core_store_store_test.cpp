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

}  // namespace
}  // namespace latchkey
