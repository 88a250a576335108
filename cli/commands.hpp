#pragma once
// The `latchkey` subcommands beyond serving, one file each.
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/base/config.hpp"

namespace latchkey {

// `latchkey hash calibrate`: times argon2id here and prints the parameters that take about
// `target_ms` per hash, as text or (json) one JSON object.
int hash_calibrate_command(const Config& config, int target_ms, bool json);

// `latchkey error-pages`: for every contract, the body and headers the service answers for each
// status nginx also answers itself (kNginxPages), as text or (json) one JSON array; what
// scripts/render-nginx-conf writes into nginx.conf's error_page locations.
int error_pages_command(bool json);

// The administration commands' words: `user create a@b.c --site fastapi --password-stdin`.
struct AdminArgs {
    std::string name;                            // user, session, outbox
    std::vector<std::string> operands;           // verb, then its argument (an email, an id)
    std::map<std::string, std::string> options;  // site, kind, email, family, status, limit...
    std::set<std::string> flags;                 // all, verified, password-stdin
    std::vector<std::pair<std::string, std::string>> profile;  // --profile KEY=VALUE
    bool json = false;
};

// `latchkey user|session|outbox|key|import|audit ...` on the configured database (see --help).
int admin_command(const Config& config, const AdminArgs& args);

// `latchkey --version`: version, commit, and each library with its version and linkage.
int version_command();

// `latchkey templates DIR`: writes the built-in mail templates into DIR (template_dir's layout).
int templates_command(const std::string& dir);

}  // namespace latchkey
