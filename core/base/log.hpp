#pragma once
// One JSON object per line on stderr, so nginx-style log shippers can read it as is.
#include <initializer_list>
#include <string_view>
#include <utility>

namespace latchkey {

enum class LogLevel { debug, info, warn, error };

using LogField = std::pair<std::string_view, std::string_view>;

void log_event(LogLevel level, std::string_view message,
               std::initializer_list<LogField> fields = {});
void set_log_level(LogLevel minimum);

}  // namespace latchkey
