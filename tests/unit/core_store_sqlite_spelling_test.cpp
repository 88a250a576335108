// Core writes one SQL text for both dialects; SQLite drops PostgreSQL's row-locking clauses.
#include <gtest/gtest.h>

#include "core/store/sqlite_store.hpp"

namespace latchkey {
namespace {

TEST(SqliteSpelling, DropsEachRowLockingClause) {
    EXPECT_EQ(sqlite_spelling("SELECT id FROM t WHERE a < ?1 LIMIT 50 FOR UPDATE SKIP LOCKED"),
              "SELECT id FROM t WHERE a < ?1 LIMIT 50");
    EXPECT_EQ(sqlite_spelling("SELECT 1 FROM accounts WHERE id = ?1 FOR NO KEY UPDATE"),
              "SELECT 1 FROM accounts WHERE id = ?1");
    EXPECT_EQ(sqlite_spelling("SELECT 1 FROM t FOR UPDATE"), "SELECT 1 FROM t");
}

TEST(SqliteSpelling, DropsAClauseInsideASubquery) {
    EXPECT_EQ(sqlite_spelling("DELETE FROM t WHERE id IN (SELECT id FROM t WHERE x LIMIT 5 FOR "
                              "UPDATE SKIP LOCKED)"),
              "DELETE FROM t WHERE id IN (SELECT id FROM t WHERE x LIMIT 5)");
}

TEST(SqliteSpelling, LeavesEverythingElseAsItIs) {
    EXPECT_EQ(sqlite_spelling(""), "");
    EXPECT_EQ(sqlite_spelling("SELECT 1"), "SELECT 1");
    // Inside quotes, and as the start of a longer word, it is not a clause.
    EXPECT_EQ(sqlite_spelling("SELECT ' FOR UPDATE' FROM t"), "SELECT ' FOR UPDATE' FROM t");
    EXPECT_EQ(sqlite_spelling("SELECT \" FOR UPDATE\" FROM t"), "SELECT \" FOR UPDATE\" FROM t");
    EXPECT_EQ(sqlite_spelling("SELECT a FOR UPDATED"), "SELECT a FOR UPDATED");
    EXPECT_EQ(sqlite_spelling("INSERT INTO t VALUES (?1) ON CONFLICT DO NOTHING"),
              "INSERT INTO t VALUES (?1) ON CONFLICT DO NOTHING");
}

}  // namespace
}  // namespace latchkey
