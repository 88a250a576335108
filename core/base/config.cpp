#include "core/base/config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <variant>

#include "core/base/log.hpp"

namespace latchkey {
namespace {

struct IntField {
    std::int64_t Config::*field;
    std::int64_t min;
    std::int64_t max;
    int base;  // 8 for modes
};
using Field = std::variant<std::string Config::*, IntField>;

struct Row {
    ConfigKey key;
    Field field;
};

const std::vector<Row>& rows() {
    static const std::vector<Row> table = {
        {{"data_dir", "directory for the embedded defaults (database, key, mail)"},
         &Config::data_dir},
        {{"database",
          "SQLite database file, or a PostgreSQL URL "
          "postgresql://[user[:password]@]host[:port]/db"},
         &Config::database},
        {{"database_pool", "PostgreSQL connections per process, at most"},
         IntField{&Config::database_pool, 1, 1000, 10}},
        {{"database_write_lock",
          "PostgreSQL write locking: narrow (each rule locks what it concerns) or global (one "
          "cluster-wide lock per write, the former behaviour)"},
         &Config::database_write_lock},
        {{"master_key_file", "32-byte master key (hex), created 0600 on first start"},
         &Config::master_key_file},
        {{"mail_dir", "directory where the dir mail transport writes .eml files"},
         &Config::mail_dir},
        {{"listen", "empty (fd 0, spawn-fcgi), unix:PATH or HOST:PORT"}, &Config::listen},
        {{"socket_mode", "mode of a unix socket, octal"},
         IntField{&Config::socket_mode, 0, 0777, 8}},
        {{"socket_group", "group owning a unix socket (nginx's workers' group)"},
         &Config::socket_group},
        {{"threads", "worker threads"}, IntField{&Config::threads, 1, 1024, 10}},
        {{"max_body_bytes", "largest request body accepted"},
         IntField{&Config::max_body_bytes, 1024, 16 << 20, 10}},
        {{"issuer", "JWT iss claim"}, &Config::issuer},
        {{"eddsa_sites",
          "sites whose tokens are signed EdDSA (Ed25519) and published at "
          "/.well-known/jwks.json, comma-separated; other sites sign HS256"},
         &Config::eddsa_sites},
        {{"access_token_ttl", "access token lifetime, seconds"},
         IntField{&Config::access_token_ttl, 60, 86400 * 30, 10}},
        {{"argon2_opslimit", "argon2id passes (t)"}, IntField{&Config::argon2_opslimit, 1, 64, 10}},
        {{"argon2_memlimit_kib", "argon2id memory (m), KiB"},
         IntField{&Config::argon2_memlimit_kib, 8, 4 << 20, 10}},
        {{"hash_concurrency", "password hashes computed at once; 0 = one per core"},
         IntField{&Config::hash_concurrency, 0, 256, 10}},
        {{"hash_queue_ms", "longest wait for a hash slot before 503"},
         IntField{&Config::hash_queue_ms, 0, 600000, 10}},
        {{"hash_scheduling",
          "how hashing threads yield to requests: nice (nice 10) or idle (SCHED_IDLE)"},
         &Config::hash_scheduling},
        {{"hash_queue_max", "requests that may wait their turn to hash; more get 503 at once"},
         IntField{&Config::hash_queue_max, 1, 100000, 10}},
        {{"database_busy_ms",
          "longest wait for the write turn (SQLite busy timeout, PostgreSQL writer lock and pooled "
          "connection), ms"},
         IntField{&Config::database_busy_ms, 0, 600000, 10}},
        {{"sqlite_cache_kib", "SQLite page cache per connection, KiB"},
         IntField{&Config::sqlite_cache_kib, 64, 1 << 20, 10}},
        {{"sqlite_mmap_kib", "SQLite memory-mapped I/O per connection, KiB; 0 = none"},
         IntField{&Config::sqlite_mmap_kib, 0, 1 << 30, 10}},
        {{"log_level", "debug, info, warn or error"}, &Config::log_level},
        {{"audit_retention_days", "days the audit log keeps an event"},
         IntField{&Config::audit_retention_days, 1, 36500, 10}},
        {{"log_file",
          "file the JSON log lines go to (default: standard error); reopened on SIGHUP"},
         &Config::log_file},
        {{"mail_transport", "dir, sendmail, smtp://[user:pass@]host:port or smtps://..."},
         &Config::mail_transport},
        {{"mail_from", "From: header of every mail"}, &Config::mail_from},
        {{"sendmail_path", "sendmail binary for mail_transport = sendmail"},
         &Config::sendmail_path},
        {{"mail_require_tls", "1: smtp:// must use STARTTLS"},
         IntField{&Config::mail_require_tls, 0, 1, 10}},
        {{"mail_max_attempts", "delivery attempts before a mail is marked failed"},
         IntField{&Config::mail_max_attempts, 1, 100, 10}},
        {{"template_dir", "directory of mail template overrides"}, &Config::template_dir},
        {{"breached_passwords_dir",
          "directory of breached-password files in the HIBP range format (empty: none)"},
         &Config::breached_passwords_dir},
        {{"public_url",
          "base URL of mail links when nginx passes no LATCHKEY_PUBLIC_URL: URL, or site=URL,..."},
         &Config::public_url},
        {{"verify_link_path",
          "frontend page the verification link opens (<public URL><path>?token=...)"},
         &Config::verify_link_path},
        {{"reset_link_path", "frontend page the password-reset link opens"},
         &Config::reset_link_path},
        {{"confirm_email_link_path", "frontend page the link confirming a new email address opens"},
         &Config::confirm_email_link_path},
        {{"refresh_lifetime", "absolute lifetime of a refresh-token family, seconds"},
         IntField{&Config::refresh_lifetime, 1, 365LL * 86400, 10}},
        {{"refresh_reuse_grace", "seconds a rotated refresh token may be presented again"},
         IntField{&Config::refresh_reuse_grace, 0, 300, 10}},
        {{"otp_length", "digits in an emailed sign-in code"},
         IntField{&Config::otp_length, 6, 10, 10}},
        {{"otp_ttl", "seconds an emailed code lives"}, IntField{&Config::otp_ttl, 1, 3600, 10}},
        {{"otp_max_attempts", "wrong codes that end a sign-in session"},
         IntField{&Config::otp_max_attempts, 1, 10, 10}},
        {{"otp_per_window", "codes per (email, client network) per otp_window"},
         IntField{&Config::otp_per_window, 1, 1000, 10}},
        {{"otp_window", "seconds of the otp_per_window limit"},
         IntField{&Config::otp_window, 1, 86400, 10}},
        {{"otp_per_day", "codes per email per day from networks it has not proven"},
         IntField{&Config::otp_per_day, 1, 10000, 10}},
        {{"id_token_ttl", "lifetime of booking id and access tokens, seconds"},
         IntField{&Config::id_token_ttl, 60, 86400, 10}},
        // Mail sending limits (docs/mail.md).
        {{"mail_per_window", "links of one kind per (email, client network) per mail_window"},
         IntField{&Config::mail_per_window, 1, 1000, 10}},
        {{"mail_window", "seconds of the mail_per_* limits"},
         IntField{&Config::mail_window, 1, 86400, 10}},
        {{"mail_per_address_window", "links per email per mail_window, unproven networks"},
         IntField{&Config::mail_per_address_window, 1, 10000, 10}},
        {{"mail_per_address_day", "links per email per day, unproven networks"},
         IntField{&Config::mail_per_address_day, 1, 100000, 10}},
        {{"mail_per_network_window", "links per client network per mail_window"},
         IntField{&Config::mail_per_network_window, 1, 1000000, 10}},
        {{"otp_per_address_window", "codes per email per otp_window, unproven networks"},
         IntField{&Config::otp_per_address_window, 1, 10000, 10}},
        {{"otp_per_network_window", "codes per client network per otp_window"},
         IntField{&Config::otp_per_network_window, 1, 1000000, 10}},
        {{"throttle_pair_free", "failed guesses per account and client network before locks"},
         IntField{&Config::throttle_pair_free, 1, 1000, 10}},
        {{"throttle_network_free", "failed guesses per client network (any account) before locks"},
         IntField{&Config::throttle_network_free, 1, 100000, 10}},
        {{"throttle_account_free", "failed guesses per account from unknown networks before locks"},
         IntField{&Config::throttle_account_free, 1, 1000, 10}},
        {{"throttle_first_lock", "seconds of the first lock; each further failure doubles it"},
         IntField{&Config::throttle_first_lock, 1, 3600, 10}},
        {{"throttle_max_lock", "longest lock of an account on one network, or of a network"},
         IntField{&Config::throttle_max_lock, 1, 86400, 10}},
        {{"throttle_account_max_lock", "longest lock of an account across all networks"},
         IntField{&Config::throttle_account_max_lock, 1, 3600, 10}},
        {{"throttle_second_factor_account_max_lock",
          "longest lock of an account's authenticator-app codes across all networks"},
         IntField{&Config::throttle_second_factor_account_max_lock, 1, 86400, 10}},
        {{"throttle_forget", "seconds after the last lock ends that failures are forgotten"},
         IntField{&Config::throttle_forget, 1, 86400, 10}},
        {{"throttle_known_days", "days a network an account signed in from stays known"},
         IntField{&Config::throttle_known_days, 0, 365, 10}},
        {{"notify_new_sign_in", "1: mail a notice of a sign-in from a device not seen before"},
         IntField{&Config::notify_new_sign_in, 0, 1, 10}},
        {{"notify_password_changed", "1: mail a notice when the password changes"},
         IntField{&Config::notify_password_changed, 0, 1, 10}},
        {{"notify_account_deleted", "1: mail a notice when the account is deleted"},
         IntField{&Config::notify_account_deleted, 0, 1, 10}},
        {{"notify_email_changed", "1: mail the old address a notice when the email is changed"},
         IntField{&Config::notify_email_changed, 0, 1, 10}},
        {{"notify_email_change_attempt",
          "1: mail an address that has an account a notice when another account asks to move to "
          "it"},
         IntField{&Config::notify_email_change_attempt, 0, 1, 10}},
        {{"notify_second_factor",
          "1: mail a notice when an authenticator app is turned on or off, or a recovery code is "
          "used to sign in"},
         IntField{&Config::notify_second_factor, 0, 1, 10}},
    };
    return table;
}

std::string trim(std::string s) {
    auto not_space = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
}

}  // namespace

std::vector<std::string> eddsa_site_list(const Config& config) {
    std::vector<std::string> sites;
    std::string rest = config.eddsa_sites;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string site = trim(rest.substr(0, comma));
        if (!site.empty()) sites.push_back(std::move(site));
        rest = comma == std::string::npos ? std::string() : rest.substr(comma + 1);
    }
    return sites;
}

namespace {

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Calls `each(site, url)` for every entry of `public_url` (site empty: the default).
template <class Each>
void for_each_public_url(const std::string& setting, Each each) {
    std::string_view rest = setting;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string_view entry = trimmed(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (entry.empty()) continue;
        const auto scheme = entry.find("://");
        const auto equals = entry.find('=');
        if (equals != std::string_view::npos &&
            (scheme == std::string_view::npos || equals < scheme)) {
            each(trimmed(entry.substr(0, equals)), trimmed(entry.substr(equals + 1)));
        } else {
            each(std::string_view{}, entry);
        }
    }
}

}  // namespace

std::optional<std::string> public_url_for(const Config& config, std::string_view site) {
    std::optional<std::string> found, fallback;
    for_each_public_url(config.public_url, [&](std::string_view name, std::string_view url) {
        if (name == site && !found) found = std::string(url);
        if (name.empty() && !fallback) fallback = std::string(url);
    });
    auto url = found ? found : fallback;
    if (url) {
        while (!url->empty() && url->back() == '/') url->pop_back();
    }
    return url;
}

Result<void> check_config(const Config& config) {
    static const char* levels[] = {"debug", "info", "warn", "error"};
    if (std::find(std::begin(levels), std::end(levels), config.log_level) == std::end(levels)) {
        return make_error(Errc::config, "log_level must be debug, info, warn or error");
    }
    if (config.database_write_lock != "narrow" && config.database_write_lock != "global") {
        return make_error(Errc::config, "database_write_lock must be narrow or global");
    }
    if (config.hash_scheduling != "nice" && config.hash_scheduling != "idle") {
        return make_error(Errc::config, "hash_scheduling must be nice or idle");
    }
    for (const auto* path :
         {&config.verify_link_path, &config.reset_link_path, &config.confirm_email_link_path}) {
        if (path->empty() || path->front() != '/' ||
            path->find_first_of("?# ") != std::string::npos) {
            return make_error(Errc::config,
                              "a link path starts with / and has no query: '" + *path + "'");
        }
    }
    std::string bad_url;
    for_each_public_url(config.public_url, [&](std::string_view, std::string_view url) {
        const bool web = url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
        if ((!web || url.find_first_of("?# ") != std::string_view::npos) && bad_url.empty()) {
            bad_url = std::string(url);
        }
    });
    if (!bad_url.empty()) {
        return make_error(
            Errc::config,
            "public_url entries are http(s) base URLs without query: '" + bad_url + "'");
    }
    return {};
}

const std::vector<ConfigKey>& config_keys() {
    static const std::vector<ConfigKey> keys = [] {
        std::vector<ConfigKey> k;
        for (const auto& row : rows()) k.push_back(row.key);
        return k;
    }();
    return keys;
}

namespace {

// Keys renamed since: the former name is still accepted (file, environment, flags), with one
// warning per process.
struct RenamedKey {
    const char* former;
    const char* now;
};
constexpr RenamedKey kRenamedKeys[] = {
    {"sqlite_busy_ms", "database_busy_ms"},  // former: only SQLite waited
};

std::string current_key(const std::string& key) {
    static std::once_flag warned[std::size(kRenamedKeys)];
    for (std::size_t i = 0; i < std::size(kRenamedKeys); ++i) {
        if (key != kRenamedKeys[i].former) continue;
        std::call_once(warned[i], [&] {
            log_event(LogLevel::warn, "deprecated configuration key",
                      {{"key", kRenamedKeys[i].former}, {"use", kRenamedKeys[i].now}});
        });
        return kRenamedKeys[i].now;
    }
    return key;
}

}  // namespace

Result<void> set_config_value(Config& config, const std::string& given_key,
                              const std::string& value) {
    const std::string key = current_key(given_key);
    for (const auto& row : rows()) {
        if (key != row.key.name) continue;
        if (auto* text = std::get_if<std::string Config::*>(&row.field)) {
            config.*(*text) = value;
            return {};
        }
        const auto& f = std::get<IntField>(row.field);
        errno = 0;
        char* end = nullptr;
        const long long v = std::strtoll(value.c_str(), &end, f.base);
        if (value.empty() || *end != '\0' || errno != 0 || v < f.min || v > f.max) {
            return make_error(Errc::config, key + ": '" + value + "' is not a number in [" +
                                                std::to_string(f.min) + ", " +
                                                std::to_string(f.max) + "]");
        }
        config.*(f.field) = v;
        return {};
    }
    return make_error(Errc::config, "unknown configuration key '" + key + "'");
}

Result<Config> load_config(const std::string& path, char** environ) {
    Config config;
    if (!path.empty()) {
        std::ifstream in(path);
        if (!in) return make_error(Errc::config, "cannot read configuration file " + path);
        std::string line;
        for (int number = 1; std::getline(in, line); ++number) {
            line = trim(line);
            if (line.empty() || line[0] == '#') continue;
            const auto eq = line.find('=');
            if (eq == std::string::npos) {
                return make_error(Errc::config,
                                  path + ":" + std::to_string(number) + ": expected 'key = value'");
            }
            auto set =
                set_config_value(config, trim(line.substr(0, eq)), trim(line.substr(eq + 1)));
            if (!set) {
                return make_error(Errc::config,
                                  path + ":" + std::to_string(number) + ": " + set.error().detail);
            }
        }
    }
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string entry(*e);
        static const std::string prefix = "LATCHKEY_";
        const auto eq = entry.find('=');
        if (entry.rfind(prefix, 0) != 0 || eq == std::string::npos) continue;
        std::string key = entry.substr(prefix.size(), eq - prefix.size());
        std::transform(key.begin(), key.end(), key.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        // LATCHKEY_CONTRACT and LATCHKEY_SITE are FastCGI params set by nginx, not settings.
        if (key == "contract" || key == "site" || key == "config") continue;
        auto set = set_config_value(config, key, entry.substr(eq + 1));
        if (!set)
            return make_error(Errc::config,
                              "environment " + entry.substr(0, eq) + ": " + set.error().detail);
    }
    if (config.database.empty()) config.database = config.data_dir + "/latchkey.db";
    if (config.master_key_file.empty()) config.master_key_file = config.data_dir + "/master.key";
    if (config.mail_dir.empty()) config.mail_dir = config.data_dir + "/mail";
    if (auto checked = check_config(config); !checked) return checked.error();
    return config;
}

}  // namespace latchkey
