#pragma once
// The `latchkey` subcommands beyond serving, one file each.
#include "core/config.hpp"

namespace latchkey {

// `latchkey hash calibrate`: times argon2id here and prints the parameters that take about
// `target_ms` per hash, as text or (json) one JSON object.
int hash_calibrate_command(const Config& config, int target_ms, bool json);

}  // namespace latchkey
