#pragma once
// What the administration commands share: messages and exit codes, option lookup, the output
// table (aligned for people, JSON for scripts) and the audit record of an admin action.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "core/base/config.hpp"
#include "core/store/store.hpp"

namespace latchkey {

int fail(const std::string& message);         // prints "latchkey: message", returns 1
int usage(const std::string& message);        // a usage mistake: returns 2
std::string when(std::int64_t unix_seconds);  // ISO 8601 UTC, "-" for 0

std::optional<std::string> option(const AdminArgs& args, const char* name);

// Rows as an aligned table (people) or a JSON array of objects (scripts).
struct Table {
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> rows;

    void print(bool json) const;
};

// Admin actions go into the audit log like the clients' events, from "cli".
void admin_audit(Store& store, const Config& config, const std::string& site,
                 const std::string& action, std::int64_t account_id, const std::string& email,
                 const std::string& detail = {});

class PasswordHasher;
// `latchkey import FILE --site SITE ...` (cli/import_command.cpp).
int import_command(const Config& config, Store& store, const PasswordHasher& hasher,
                   const AdminArgs& args);

}  // namespace latchkey
