#pragma once
#include <cstdint>
#include <string>

namespace latchkey {

// Seconds since the Unix epoch, from the system clock.
std::int64_t unix_now();

// RFC 3339 / ISO 8601 in UTC with a Z, e.g. 2026-02-07T10:30:00Z.
std::string iso8601_utc(std::int64_t unix_seconds);

}  // namespace latchkey
