#include "core/base/log.hpp"

#include <unistd.h>

#include <atomic>
#include <string>

#include "core/base/clock.hpp"
#include "core/base/json.hpp"

namespace latchkey {
namespace {
std::atomic<LogLevel> g_minimum{LogLevel::info};

const char* level_name(LogLevel level) {
    switch (level) {
        case LogLevel::debug:
            return "debug";
        case LogLevel::info:
            return "info";
        case LogLevel::warn:
            return "warn";
        case LogLevel::error:
            return "error";
    }
    return "info";
}
}  // namespace

void set_log_level(LogLevel minimum) {
    g_minimum = minimum;
}

void log_event(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
    if (level < g_minimum.load(std::memory_order_relaxed)) return;
    std::string line = "{\"time\":\"" + iso8601_utc(unix_now()) + "\",\"level\":\"" +
                       level_name(level) + "\",\"msg\":\"" + json_escape(message) + "\"";
    for (const auto& [key, value] : fields) {
        line += ",\"" + json_escape(key) + "\":\"" + json_escape(value) + "\"";
    }
    line += "}\n";
    // One write(2) per line: lines from different threads never interleave.
    [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace latchkey
