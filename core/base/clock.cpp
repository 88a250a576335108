#include "core/base/clock.hpp"

#include <ctime>

namespace latchkey {

std::int64_t unix_now() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

std::string iso8601_utc(std::int64_t unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace latchkey
