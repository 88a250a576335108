#pragma once
// The one configuration of a Latchkey process: parsed once in main, passed down by reference.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.hpp"

namespace latchkey {

struct Config {
    std::string data_dir = "var";    // embedded default: everything lives under ./var
    std::string database;            // default: <data_dir>/latchkey.db; or postgresql://...
    std::int64_t database_pool = 8;  // PostgreSQL connections per process
    std::string database_write_lock = "narrow";  // PostgreSQL: "narrow" or "global"
    std::string master_key_file;                 // default: <data_dir>/master.key
    std::string mail_dir;                        // default: <data_dir>/mail
    std::string listen;               // "" = inherited fd 0 (spawn-fcgi); unix:PATH; HOST:PORT
    std::int64_t socket_mode = 0660;  // for unix:PATH; written in octal in files
    std::string socket_group;         // for unix:PATH; group that may connect (nginx's)
    std::int64_t threads = 16;        // worker threads, each with its own SQLite connection
    std::int64_t max_body_bytes = 65536;
    std::string issuer = "latchkey";       // the JWT iss claim
    std::int64_t access_token_ttl = 1800;  // seconds
    std::string eddsa_sites;  // sites signing with Ed25519 (comma-separated); others use HS256
    std::int64_t argon2_opslimit = 2;          // OWASP floor: t = 2
    std::int64_t argon2_memlimit_kib = 19456;  // OWASP floor: m = 19 MiB
    std::int64_t hash_concurrency = 0;         // hashes at once; 0 = one per core
    std::int64_t hash_queue_ms = 5000;         // longest wait for a hash slot before 503
    std::string hash_scheduling = "nice";  // hashing threads: "nice" (10) or "idle" (SCHED_IDLE)
    std::int64_t hash_queue_max = 2048;    // requests waiting their turn to hash
    std::int64_t database_busy_ms = 5000;
    std::int64_t sqlite_cache_kib = 256;  // page cache per connection
    std::int64_t sqlite_mmap_kib = 0;     // memory-mapped I/O per connection; 0: none
    std::string log_level = "info";
    std::string log_file;                    // empty: standard error; reopened on SIGHUP
    std::int64_t audit_retention_days = 90;  // audit events older than this are pruned
    std::string mail_transport = "dir";      // dir, sendmail, smtp://..., smtps://...
    std::string mail_from = "Latchkey <no-reply@localhost>";
    std::string sendmail_path = "/usr/sbin/sendmail";
    std::int64_t mail_require_tls = 0;   // 1: smtp:// must upgrade with STARTTLS
    std::int64_t mail_max_attempts = 8;  // then the message is marked failed
    std::string template_dir;            // overrides for mail templates (see docs/mail.md)
    std::string breached_passwords_dir;  // HIBP range files new passwords are checked against
    std::string public_url;  // mail links' base: URL, or site=URL,... (when nginx passes none)
    std::string verify_link_path = "/verify-email";   // frontend page a verification link opens
    std::string reset_link_path = "/reset-password";  // frontend page a reset link opens
    std::string confirm_email_link_path = "/confirm-email";  // page an email-change link opens
    std::int64_t refresh_lifetime = 7 * 24 * 3600;  // absolute life of a refresh family, seconds
    std::int64_t refresh_reuse_grace = 10;  // a rotated refresh token may come again this long
    std::int64_t otp_length = 8;            // digits in an emailed sign-in code
    std::int64_t otp_ttl = 300;             // seconds a code lives
    std::int64_t otp_max_attempts = 3;      // wrong codes that end the sign-in session
    std::int64_t otp_per_window = 5;        // codes per (email, client network) per otp_window
    std::int64_t otp_window = 300;
    std::int64_t otp_per_day = 20;     // codes per email per day from networks it has not proven
    std::int64_t id_token_ttl = 3600;  // booking's id and access tokens (exp - iat)

    // Mail sending limits (mail as a weapon; docs/mail.md). Verification and reset links, per
    // kind of link:
    std::int64_t mail_per_window = 3;           // per (address, client network) per mail_window
    std::int64_t mail_window = 3600;            // seconds
    std::int64_t mail_per_address_window = 10;  // per address per window, unproven networks
    std::int64_t mail_per_address_day = 20;     // per address per day, unproven networks
    std::int64_t mail_per_network_window = 30;  // per client network per window, all addresses
    // Booking's codes, besides otp_per_window and otp_per_day:
    std::int64_t otp_per_address_window = 10;  // per address per otp_window, unproven networks
    std::int64_t otp_per_network_window = 30;  // per client network per otp_window

    // Guess throttling (core/auth/throttle.hpp; replaces storefront's lockout_* settings).
    std::int64_t throttle_pair_free = 5;          // failed guesses per (account, network)...
    std::int64_t throttle_network_free = 50;      // ...per network, any account, per class...
    std::int64_t throttle_account_free = 10;      // ...per account, from its unknown networks
    std::int64_t throttle_first_lock = 1;         // seconds; each further failure doubles the lock
    std::int64_t throttle_max_lock = 900;         // longest lock of a pair or a network
    std::int64_t throttle_account_max_lock = 60;  // longest lock of an account, all networks
    // The same for authenticator-app codes at sign-in (the guesser already has the password).
    std::int64_t throttle_second_factor_account_max_lock = 3600;
    std::int64_t throttle_forget = 900;     // failures forgotten this long after the last lock ends
    std::int64_t throttle_known_days = 30;  // a network an account signed in from stays known

    // Security notices by mail (core/mail/notices.hpp): 1 sends it, 0 does not.
    std::int64_t notify_new_sign_in = 1;  // a sign-in from a device and network not seen before
    std::int64_t notify_password_changed = 1;
    std::int64_t notify_account_deleted = 1;
    std::int64_t notify_email_changed = 1;         // to the old address, when the change is done
    std::int64_t notify_email_change_attempt = 1;  // to a taken address someone asked to move to
    std::int64_t notify_second_factor = 1;  // an authenticator app on or off, a recovery code used
};

// The base URL of `site`'s mail links from `public_url` ("https://app.example.com" for every
// site, or "site=URL, site=URL, URL" with an optional default), without a trailing slash; none
// when the setting names neither the site nor a default.
std::optional<std::string> public_url_for(const Config& config, std::string_view site);

// The sites named by `eddsa_sites`.
std::vector<std::string> eddsa_site_list(const Config& config);

struct ConfigKey {
    const char* name;
    const char* help;
};
// Every key a configuration file or LATCHKEY_<NAME> environment variable may set.
const std::vector<ConfigKey>& config_keys();

// Reads `path` (if not empty) as `key = value` lines (# comments), then applies LATCHKEY_<KEY>
// variables from `environ`, then fills the defaults that depend on data_dir. Unknown keys and
// out-of-range values are errors.
Result<Config> load_config(const std::string& path, char** environ);

// The checks across values that load_config makes; run again after command-line flags.
Result<void> check_config(const Config& config);

// Applies one setting; used by load_config and by command-line flags.
Result<void> set_config_value(Config& config, const std::string& key, const std::string& value);

}  // namespace latchkey
