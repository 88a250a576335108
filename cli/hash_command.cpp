// `latchkey hash calibrate`: what a hash costs on this machine, and which parameters cost the
// time an operator chooses. At a fixed memory cost, time is a fixed part (filling the memory)
// plus a part per pass (opslimit), so two measurements predict the passes; the prediction is
// then measured too.
#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>

#include "cli/commands.hpp"
#include "core/base/json.hpp"
#include "core/crypto/password.hpp"

namespace latchkey {
namespace {

// OWASP's floor for argon2id: 19 MiB with two passes (one pass needs 46 MiB).
constexpr std::uint64_t kMinPasses = 2;

double ms(std::chrono::microseconds t) {
    return static_cast<double>(t.count()) / 1000.0;
}

int out_of_memory() {
    std::cerr << "latchkey: cannot hash: out of memory\n";
    return 1;
}

}  // namespace

int hash_calibrate_command(const Config& config, int target_ms, bool json) {
    const HashParams configured{static_cast<std::uint64_t>(config.argon2_opslimit),
                                static_cast<std::size_t>(config.argon2_memlimit_kib) * 1024};
    const HashParams interactive{crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_MEMLIMIT_INTERACTIVE};
    // Median times, in ms; nullopt when the memory cannot be had.
    auto timed = [](const HashParams& params) -> std::optional<double> {
        auto t = time_one_hash(params);
        return t ? std::optional<double>(ms(*t)) : std::nullopt;
    };
    HashParams longer = configured;
    longer.opslimit = configured.opslimit * 2 + 2;
    const auto now = timed(configured), reference = timed(interactive), slower = timed(longer);
    if (!now || !reference || !slower) return out_of_memory();
    const double per_pass = std::max(
        0.001, (*slower - *now) / static_cast<double>(longer.opslimit - configured.opslimit));
    const double fixed = *now - per_pass * static_cast<double>(configured.opslimit);
    HashParams suggested = configured;
    suggested.opslimit = std::max<std::uint64_t>(
        kMinPasses, static_cast<std::uint64_t>(std::llround((target_ms - fixed) / per_pass)));
    const auto measured = timed(suggested);
    if (!measured) return out_of_memory();
    const auto memlimit_kib = static_cast<std::int64_t>(configured.memlimit_bytes / 1024);
    if (json) {
        Json out = json_object();
        json_put(out.get(), "opslimit", static_cast<std::int64_t>(configured.opslimit));
        json_put(out.get(), "memlimit_kib", memlimit_kib);
        cJSON_AddNumberToObject(out.get(), "ms_per_hash", *now);
        cJSON_AddNumberToObject(out.get(), "interactive_ms_per_hash", *reference);
        json_put(out.get(), "target_ms", static_cast<std::int64_t>(target_ms));
        json_put(out.get(), "suggested_opslimit", static_cast<std::int64_t>(suggested.opslimit));
        cJSON_AddNumberToObject(out.get(), "suggested_ms_per_hash", *measured);
        std::cout << json_render(out.get()) << "\n";
        return 0;
    }
    std::printf("argon2id on this machine, one thread (median of 5):\n");
    std::printf("  configured    t=%llu m=%lld KiB  %7.1f ms\n",
                static_cast<unsigned long long>(configured.opslimit),
                static_cast<long long>(memlimit_kib), *now);
    std::printf("  interactive   t=%llu m=%zu KiB  %7.1f ms  (libsodium's INTERACTIVE limits)\n",
                static_cast<unsigned long long>(interactive.opslimit),
                interactive.memlimit_bytes / 1024, *reference);
    std::printf("\nfor about %d ms per hash, keeping the memory cost:\n", target_ms);
    std::printf("  argon2_opslimit = %llu\n  argon2_memlimit_kib = %lld\n  (measured: %.1f ms)\n",
                static_cast<unsigned long long>(suggested.opslimit),
                static_cast<long long>(memlimit_kib), *measured);
    if (suggested.opslimit == kMinPasses && *measured > target_ms * 1.5) {
        std::printf("  the OWASP floor (t=2) already takes longer than the target\n");
    }
    return 0;
}

}  // namespace latchkey
