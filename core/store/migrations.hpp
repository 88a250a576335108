#pragma once
#include <string_view>
#include <vector>

#include "core/store/store.hpp"

namespace latchkey {

struct Migration {
    int version;
    std::string_view name;
    std::string_view sql;
};

// The migrations of a dialect, in version order: sql/NNN_name.sql, except where
// sql/postgresql/NNN_name.sql gives PostgreSQL its own text. Compiled in by cmake/embed_sql.cmake.
const std::vector<Migration>& migrations(Dialect dialect);

}  // namespace latchkey
