#include "cli/admin_support.hpp"

#include <algorithm>
#include <iostream>

#include "core/auth/audit.hpp"
#include "core/base/clock.hpp"
#include "core/base/json.hpp"

namespace latchkey {

int fail(const std::string& message) {
    std::cerr << "latchkey: " << message << "\n";
    return 1;
}

int usage(const std::string& message) {
    std::cerr << "latchkey: " << message << " (see latchkey --help)\n";
    return 2;
}

std::string when(std::int64_t unix_seconds) {
    return unix_seconds == 0 ? "-" : iso8601_utc(unix_seconds);
}

void Table::print(bool json) const {
    if (json) {
        Json array(cJSON_CreateArray());
        for (const auto& row : rows) {
            Json object = json_object();
            for (std::size_t i = 0; i < columns.size(); ++i)
                json_put(object.get(), columns[i].c_str(), row[i]);
            cJSON_AddItemToArray(array.get(), object.release());
        }
        std::cout << json_render(array.get()) << "\n";
        return;
    }
    std::vector<std::size_t> width(columns.size());
    for (std::size_t i = 0; i < columns.size(); ++i) width[i] = columns[i].size();
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    auto line = [&](const std::vector<std::string>& cells) {
        for (std::size_t i = 0; i < cells.size(); ++i) {
            std::cout << cells[i];
            if (i + 1 < cells.size()) std::cout << std::string(width[i] - cells[i].size() + 2, ' ');
        }
        std::cout << "\n";
    };
    line(columns);
    for (const auto& row : rows) line(row);
}

std::optional<std::string> option(const AdminArgs& args, const char* name) {
    if (auto it = args.options.find(name); it != args.options.end()) return it->second;
    return std::nullopt;
}

void admin_audit(Store& store, const Config& config, const std::string& site,
                 const std::string& action, std::int64_t account_id, const std::string& email,
                 const std::string& detail) {
    const std::int64_t now = unix_now();
    auto recorded = AuditLog(store).record(
        AuditEvent{now, site, "admin." + action, account_id, email, "cli", "latchkey", detail},
        config.audit_retention_days);
    if (!recorded) std::cerr << "latchkey: not audited: " << recorded.error().detail << "\n";
}

}  // namespace latchkey
