// core writes SQL in SQLite's spelling (`?1`); the PostgreSQL backend rewrites it to `$1`.
#include <gtest/gtest.h>

#include <ostream>

#include "core/store/postgres_store.hpp"

namespace latchkey {
namespace {

struct Rewrite {
    const char* name;
    const char* sql;
    const char* postgres;
    int highest;
};

const Rewrite kRewrites[] = {
    {"empty", "", "", 0},
    {"no_parameters", "SELECT 1", "SELECT 1", 0},
    {"one", "SELECT * FROM t WHERE a = ?1", "SELECT * FROM t WHERE a = $1", 1},
    {"several_in_order", "INSERT INTO t VALUES (?1, ?2, ?3)", "INSERT INTO t VALUES ($1, $2, $3)",
     3},
    {"repeated", "WHERE a = ?1 OR b = ?1", "WHERE a = $1 OR b = $1", 1},
    {"out_of_order", "VALUES (?3, ?1, ?2)", "VALUES ($3, $1, $2)", 3},
    {"more_than_nine", "VALUES (?9, ?10, ?11, ?123)", "VALUES ($9, $10, $11, $123)", 123},
    {"ten_is_not_one_then_zero", "a = ?10", "a = $10", 10},
    {"highest_is_not_the_last", "a = ?12 AND b = ?3", "a = $12 AND b = $3", 12},
    {"at_the_very_end", "?1", "$1", 1},
    {"next_to_punctuation", "f(?1,?2)||?3", "f($1,$2)||$3", 3},
    {"bare_question_mark_is_kept", "SELECT '?' , ? FROM t", "SELECT '?' , ? FROM t", 0},
    {"trailing_question_mark", "a = ?", "a = ?", 0},
    {"doubled_question_mark", "a = ??1", "a = ?$1", 1},
    {"question_mark_then_letter", "a = ?x1", "a = ?x1", 0},
    {"zero_is_rewritten_as_written", "a = ?0", "a = $0", 0},
    {"inside_a_string", "SELECT '?1' WHERE a = ?1", "SELECT '?1' WHERE a = $1", 1},
    {"inside_a_string_with_a_doubled_quote", "SELECT 'it''s ?2', ?1", "SELECT 'it''s ?2', $1", 1},
    {"after_an_empty_string", "SELECT '', ?1", "SELECT '', $1", 1},
    {"inside_a_quoted_identifier", "SELECT \"col?1\" FROM t WHERE a = ?2",
     "SELECT \"col?1\" FROM t WHERE a = $2", 2},
    {"quote_inside_a_quoted_identifier", "SELECT \"it's\" FROM t WHERE a = ?1",
     "SELECT \"it's\" FROM t WHERE a = $1", 1},
    {"double_quote_inside_a_string", "SELECT 'say \"?1' WHERE a = ?2",
     "SELECT 'say \"?1' WHERE a = $2", 2},
};

void PrintTo(const Rewrite& row, std::ostream* out) {
    *out << row.sql;
}

class PostgresPlaceholders : public ::testing::TestWithParam<Rewrite> {};

TEST_P(PostgresPlaceholders, RewritesNumberedParametersOutsideQuotes) {
    const Rewrite& row = GetParam();
    int highest = -1;
    EXPECT_EQ(postgres_placeholders(row.sql, &highest), row.postgres);
    EXPECT_EQ(highest, row.highest);
    EXPECT_EQ(postgres_placeholders(row.sql), row.postgres);  // the count is optional
}

INSTANTIATE_TEST_SUITE_P(Table, PostgresPlaceholders, ::testing::ValuesIn(kRewrites),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace latchkey
