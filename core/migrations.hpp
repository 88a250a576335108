#pragma once
#include <string_view>
#include <vector>

namespace latchkey {

struct Migration {
    int version;
    std::string_view name;
    std::string_view sql;
};

// sql/NNN_name.sql, in version order; compiled in by cmake/embed_sql.cmake.
const std::vector<Migration>& migrations();

}  // namespace latchkey
