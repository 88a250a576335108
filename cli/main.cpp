// latchkey: the FastCGI auth service and its command line.
#include <fcntl.h>
#include <malloc.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.hpp"
#include "core/base/config.hpp"
#include "core/base/json.hpp"
#include "core/base/log.hpp"
#include "core/crypto/keys.hpp"
#include "core/crypto/password.hpp"
#include "core/crypto/signing_keys.hpp"
#include "core/mail/mail_transport.hpp"
#include "core/mail/mail_worker.hpp"
#include "core/store/store.hpp"
#include "fcgi/server.hpp"
#include "handlers/context.hpp"
#include "handlers/contracts.hpp"
#include "handlers/services.hpp"

extern char** environ;

namespace latchkey {
namespace {

constexpr const char* kUsage = R"(latchkey - authentication backend for nginx (FastCGI)

Usage:
  latchkey serve   [options]   answer FastCGI requests (fd 0 under spawn-fcgi, or --listen)
  latchkey migrate [options]   create or upgrade the database, then exit
  latchkey config  [options]   print the effective configuration, then exit
  latchkey routes  [--json]    every contract's routes and their policy (access, body, throttle, queue)
  latchkey contracts           every contract's name (nginx's LATCHKEY_CONTRACT), one a line
  latchkey error-pages [--json]
                               every contract's body and headers for each status nginx answers
                               itself (400 404 405 408 413 414 429 500 503), as the service
                               answers them; scripts/render-nginx-conf writes them into nginx.conf
  latchkey templates DIR       write the built-in mail templates into DIR as files, to edit
                               and set template_dir to
  latchkey hash calibrate [--target-ms N] [--json]
                               time argon2id here; print the passes that take about N ms
                               (default 50) at the configured memory cost
  latchkey user list|show|create|disable|enable|delete|set-password|verify [EMAIL] --site SITE
               [--kind KIND] [--limit N] [--json]
               create: [--password-stdin] [--verified] [--username U] [--id-style uuid|hex24]
                       [--profile KEY=VALUE ...]; without --password-stdin the account is
                       passwordless (email codes). set-password reads the password from stdin and
                       ends every session and token of the account, as disable does.
  latchkey session list --site SITE [--email EMAIL] [--all (ended too)] [--json]
  latchkey session revoke --site SITE (--family ID | --email EMAIL | --all)
  latchkey outbox list [--status pending|sending|sent|failed] [--limit N] [--json]
  latchkey outbox retry (ID | --all)       failed mail back to the queue
  latchkey outbox purge [--older-than-days N]   delete sent and failed mail (default 30 days)
  latchkey key list [--site SITE] [--json]   signing key versions and how long each verifies
  latchkey key rotate --site SITE          a new signing key (new kid) with the site's algorithm
                                           (eddsa_sites); old tokens verify until they expire
  latchkey import FILE|- --site SITE [--kind KIND] [--format jsonl|csv] [--batch N]
               [--id-style uuid|hex24] [--json]
               users from JSON Lines or CSV (header row): email, password_hash (bcrypt $2a/$2b/$2y
               or argon2id; none: passwordless), username, kind, id, verified; other fields are
               the profile. Streams the file, commits every N (1000) records, shows progress and
               what was skipped and why; accounts already there are skipped, so re-running is safe
  latchkey audit [--site SITE] [--email EMAIL] [--event EVENT] [--since-hours N] [--limit N]
               [--json]          the audit log, newest first (login.success, login.failure,
                                 lockout, register, verify, reset, refresh.reuse, logout, admin.*)
  latchkey --help | --version (version, commit, the libraries and their versions)

Options:
  --config FILE      read `key = value` settings from FILE
  --listen ADDR      unix:PATH or HOST:PORT (default: the socket on fd 0)
  --threads N        worker threads
  --data-dir DIR     where the embedded defaults live (default: ./var)
  --set KEY=VALUE    any configuration key (repeatable)
  --listen-fd N      serve the listening socket already open on descriptor N (what SIGHUP's
                     reload passes to the next image of the process)

Signals (serve): SIGTERM or SIGINT finish the requests in flight and exit 0; SIGHUP checks the
configuration again and, when it is valid, finishes the requests in flight and starts again with
it on the same socket and process id (log_file is reopened); an invalid one is logged and ignored.

Every key can also be set as LATCHKEY_<KEY> in the environment; the file comes first, then the
environment, then the command line. `latchkey config` lists the keys.
)";

struct Command {
    std::string name;
    std::string config_file;
    std::vector<std::pair<std::string, std::string>> overrides;
    std::vector<std::string> operands;  // words after the command, e.g. `calibrate`
    int target_ms = 50;
    bool json = false;
    int listen_fd = -1;  // --listen-fd: the socket a reloading image handed over
    AdminArgs admin;     // the administration commands' options
};

// Options of the administration commands: each takes a value, except the flags.
constexpr const char* kAdminOptions[] = {"--site",     "--kind",  "--email",           "--family",
                                         "--status",   "--limit", "--older-than-days", "--username",
                                         "--id-style", "--event", "--since-hours",     "--format",
                                         "--batch"};
constexpr const char* kAdminFlags[] = {"--all", "--verified", "--password-stdin"};

int usage_error(const std::string& message) {
    std::cerr << "latchkey: " << message << "\n\n" << kUsage;
    return 2;
}

Result<void> ensure_dir(const std::string& path, mode_t mode) {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec)
        return make_error(Errc::config, "cannot create directory " + path + ": " + ec.message());
    (void)mode;
    return {};
}

Result<Config> effective_config(const Command& cmd) {
    auto config = load_config(cmd.config_file, environ);
    if (!config) return config.error();
    for (const auto& [key, value] : cmd.overrides) {
        if (auto r = set_config_value(*config, key, value); !r) return r.error();
    }
    // Derived paths follow a data_dir given on the command line too.
    if (auto base = load_config(cmd.config_file, environ); base) {
        if (!is_postgresql_url(config->database) && config->database == base->database &&
            config->data_dir != base->data_dir) {
            config->database = config->data_dir + "/latchkey.db";
        }
        if (config->master_key_file == base->master_key_file &&
            config->data_dir != base->data_dir) {
            config->master_key_file = config->data_dir + "/master.key";
        }
        if (config->mail_dir == base->mail_dir && config->data_dir != base->data_dir) {
            config->mail_dir = config->data_dir + "/mail";
        }
    }
    if (auto checked = check_config(*config); !checked) return checked.error();
    return config;
}

LogLevel parse_level(const std::string& name) {
    if (name == "debug") return LogLevel::debug;
    if (name == "warn") return LogLevel::warn;
    if (name == "error") return LogLevel::error;
    return LogLevel::info;
}

Result<std::unique_ptr<Store>> open_store(const Config& config) {
    return Store::open(store_options(config));
}

int fail(const Error& error) {
    log_event(LogLevel::error, "cannot start", {{"error", error.detail}});
    return 1;
}

int migrate_command(const Config& config) {
    if (auto r = ensure_dir(config.data_dir, 0750); !r) return fail(r.error());
    auto store = open_store(config);
    if (!store) return fail(store.error());
    auto applied = (*store)->migrate();
    if (!applied) return fail(applied.error());
    auto version = (*store)->schema_version();
    if (!version) return fail(version.error());
    std::cout << "database " << config.database << ": schema version " << *version << " ("
              << *applied << " migration(s) applied)\n";
    return 0;
}

// glibc's default suits a short program, not a long-lived one that now and then needs a
// password hash's 19 MiB: after the first such block is freed, the dynamic mmap threshold rises
// above it and every later one stays in a thread's heap for good. A fixed threshold keeps big
// blocks in mmap, returned to the kernel when freed. (Capping the arenas saved little memory
// and cost 3% of /me throughput: see docs/performance.md.)
void tune_malloc() {
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
}

// Log lines go to log_file when one is set: it is opened (again) at every start, which is how
// SIGHUP's reload reopens a rotated log.
Result<void> open_log_file(const Config& config) {
    if (config.log_file.empty()) return {};
    const int fd = ::open(config.log_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        return make_error(Errc::config,
                          "cannot open log_file " + config.log_file + ": " + std::strerror(errno));
    }
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
    return {};
}

// A core dump of the service would hold the master key, derived keys and passwords in flight:
// none is written (RLIMIT_CORE 0 for a core file, not dumpable for a core_pattern pipe; a
// sanitizer build stays dumpable because LeakSanitizer attaches to its own threads with ptrace).
void forbid_core_dumps() {
    const rlimit none{0, 0};
    ::setrlimit(RLIMIT_CORE, &none);
#if !defined(__SANITIZE_ADDRESS__)
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

// The name ps and pkill see: exec'ing /proc/self/exe (a reload) would make it "exe".
void keep_process_name(const char* program) {
    const char* slash = std::strrchr(program, '/');
    ::prctl(PR_SET_NAME, slash != nullptr ? slash + 1 : program, 0, 0, 0);
}

int serve_command(const Config& config, const Command& cmd) {
    forbid_core_dumps();
    block_control_signals();  // before the hashing and mail threads exist
    // A file-size limit reached is a failed write (503, logged), not a reason to die.
    ::signal(SIGXFSZ, SIG_IGN);
    if (auto r = open_log_file(config); !r) return fail(r.error());
    tune_malloc();
    // Database, key and mail are private to the service; the socket's mode is set explicitly.
    ::umask(027);
    for (const auto& dir : {config.data_dir, config.mail_dir}) {
        if (auto r = ensure_dir(dir, 0750); !r) return fail(r.error());
    }
    auto keys = KeyRing::load_or_create(config.master_key_file);
    if (!keys) return fail(keys.error());
    {
        auto store = open_store(config);
        if (!store) return fail(store.error());
        if (auto applied = (*store)->migrate(); !applied) return fail(applied.error());
    }
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int hash_slots =
        config.hash_concurrency > 0 ? static_cast<int>(config.hash_concurrency) : cores;
    // Requests that hash (Route::queued) wait in the request queue, not on the workers; twice
    // as many queue threads as hashing threads keep every hashing thread fed while the others
    // read and write the store.
    const int queue_threads = 2 * hash_slots;
    // Only the queue's threads wait for a hash; the workers' half is a guard for a route that
    // hashes without being queued (it then holds a worker, as every request did before).
    const int hash_waiting = queue_threads + static_cast<int>(config.threads) / 2;
    PasswordHasher hasher(
        HashParams{static_cast<std::uint64_t>(config.argon2_opslimit),
                   static_cast<std::size_t>(config.argon2_memlimit_kib) * 1024},
        hash_slots, std::chrono::milliseconds(config.hash_queue_ms), hash_waiting,
        config.hash_scheduling == "idle" ? HashScheduling::idle : HashScheduling::nice);
    Router router(all_contracts(), run_route);
    const KeyRing& key_ring = **keys;
    SigningKeys signing_keys(key_ring, signing_policy(config));

    auto transport = make_mail_transport(config);
    if (!transport) return fail(transport.error());
    auto mail_store = open_store(config);
    if (!mail_store) return fail(mail_store.error());
    MailWorker mail_worker(config, key_ring, std::move(*mail_store), std::move(*transport));
    mail_worker.start();

    ServicesFactory factory = [&]() -> std::shared_ptr<Services> {
        auto store = open_store(config);
        if (!store) {
            log_event(LogLevel::error, "cannot open database", {{"error", store.error().detail}});
            return nullptr;
        }
        auto services = std::make_shared<Services>(
            Services{config, key_ring, signing_keys, hasher, std::move(*store)});
        services->mail_worker = &mail_worker;
        return services;
    };
    ServerOptions options;
    options.listen = config.listen;
    options.socket_mode = static_cast<int>(config.socket_mode);
    options.socket_group = config.socket_group;
    options.threads = static_cast<int>(config.threads);
    options.max_body_bytes = static_cast<std::size_t>(config.max_body_bytes);
    options.queue = {queue_threads, static_cast<std::size_t>(config.hash_queue_max),
                     std::chrono::milliseconds(config.hash_queue_ms)};
    options.inherited_fd = cmd.listen_fd;
    options.may_reload = [&cmd] {
        auto next = effective_config(cmd);
        if (!next) log_event(LogLevel::error, "configuration", {{"error", next.error().detail}});
        return next.ok();
    };
    return run_server(options, router, factory);
}

const char* access_name(Access access) {
    switch (access) {
        case Access::caller:
            return "caller";
        case Access::open:
            return "open";
        case Access::caller_if_any:
            return "caller_if_any";
    }
    return "?";
}

const char* body_name(Body body) {
    switch (body) {
        case Body::none:
            return "none";
        case Body::json:
            return "json";
        case Body::json_if_any:
            return "json_if_any";
        case Body::json_or_form:
            return "json_or_form";
        case Body::aws_json:
            return "aws_json";
    }
    return "?";
}

// The route tables as they are compiled in: what the OpenAPI documents are checked against.
int routes_command(bool json) {
    Json list(cJSON_CreateArray());
    for (const Contract& contract : all_contracts()) {
        for (const Route& route : contract.routes) {
            if (!json) {
                std::cout << contract.name << " " << route.method << " " << route.path
                          << " access=" << access_name(route.access)
                          << " body=" << body_name(route.body)
                          << (route.throttle.empty() ? "" : " throttle=") << route.throttle
                          << (route.queued ? " queued" : "") << "\n";
                continue;
            }
            Json row = json_object();
            json_put(row.get(), "contract", contract.name);
            json_put(row.get(), "method", route.method);
            json_put(row.get(), "path", route.path);
            json_put(row.get(), "access", access_name(route.access));
            json_put(row.get(), "body", body_name(route.body));
            json_put(row.get(), "caller_kind", route.caller_kind);
            if (route.throttle.empty()) {
                cJSON_AddNullToObject(row.get(), "throttle");
            } else {
                json_put(row.get(), "throttle", route.throttle);
            }
            cJSON_AddItemToObject(row.get(), "refuse_early",
                                  cJSON_CreateBool(!route.throttle.empty() && route.refuse_early));
            cJSON_AddItemToObject(row.get(), "queued", cJSON_CreateBool(route.queued));
            cJSON_AddItemToArray(list.get(), row.release());
        }
    }
    if (json) std::cout << json_render(list.get()) << "\n";
    return 0;
}

// The one list of contracts the tests, scripts and tools read (see "Adding a contract" in
// docs/architecture.md): nginx.conf names sites, this names what each site may speak.
int contracts_command() {
    for (const Contract& contract : all_contracts()) std::cout << contract.name << "\n";
    return 0;
}

int config_command(const Config& config) {
    std::cout << "data_dir = " << config.data_dir << "\ndatabase = " << config.database
              << "\nmaster_key_file = " << config.master_key_file
              << "\nmail_dir = " << config.mail_dir << "\nlisten = " << config.listen
              << "\nthreads = " << config.threads << "\nissuer = " << config.issuer
              << "\naccess_token_ttl = " << config.access_token_ttl
              << "\nargon2_opslimit = " << config.argon2_opslimit
              << "\nargon2_memlimit_kib = " << config.argon2_memlimit_kib << "\n\n# keys:\n";
    for (const auto& key : config_keys())
        std::cout << "#   " << key.name << ": " << key.help << "\n";
    return 0;
}

// SIGHUP's reload: this program again, with the same arguments and the listening socket.
int exec_again(std::string program, std::vector<std::string> args, int listen_fd) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--listen-fd") {
            args.erase(args.begin() + static_cast<std::ptrdiff_t>(i),
                       args.begin() + static_cast<std::ptrdiff_t>(std::min(i + 2, args.size())));
            break;
        }
    }
    args.insert(args.begin(), std::move(program));
    args.push_back("--listen-fd");
    args.push_back(std::to_string(listen_fd));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    log_event(LogLevel::error, "reload: cannot exec", {{"error", std::strerror(errno)}});
    return 1;
}

int run(int argc, char** argv) {
    Command cmd;
    std::vector<std::string> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto next = [&](const char* flag) -> std::optional<std::string> {
            if (i + 1 >= args.size()) return std::nullopt;
            (void)flag;
            return args[++i];
        };
        if (a == "--help" || a == "-h" || a == "help") {
            std::cout << kUsage;
            return 0;
        } else if (a == "--version") {
            return version_command();
        } else if (a == "--config") {
            auto v = next("--config");
            if (!v) return usage_error("--config needs a file");
            cmd.config_file = *v;
        } else if (a == "--listen" || a == "--threads" || a == "--data-dir") {
            auto v = next(a.c_str());
            if (!v) return usage_error(a + " needs a value");
            std::string key = a.substr(2);
            if (key == "data-dir") key = "data_dir";
            cmd.overrides.emplace_back(key, *v);
        } else if (a == "--set") {
            auto v = next("--set");
            const auto eq = v ? v->find('=') : std::string::npos;
            if (eq == std::string::npos) return usage_error("--set needs KEY=VALUE");
            cmd.overrides.emplace_back(v->substr(0, eq), v->substr(eq + 1));
        } else if (a == "--target-ms") {
            auto v = next("--target-ms");
            const int ms = v ? std::atoi(v->c_str()) : 0;
            if (ms < 1 || ms > 10000) return usage_error("--target-ms needs 1..10000");
            cmd.target_ms = ms;
        } else if (a == "--listen-fd") {
            auto v = next("--listen-fd");
            const int fd = v ? std::atoi(v->c_str()) : -1;
            if (!v || fd < 0 || std::to_string(fd) != *v)
                return usage_error("--listen-fd needs a descriptor");
            cmd.listen_fd = fd;
        } else if (a == "--json") {
            cmd.json = true;
        } else if (std::find(std::begin(kAdminOptions), std::end(kAdminOptions), a) !=
                   std::end(kAdminOptions)) {
            auto v = next(a.c_str());
            if (!v) return usage_error(a + " needs a value");
            cmd.admin.options[a.substr(2)] = *v;
        } else if (std::find(std::begin(kAdminFlags), std::end(kAdminFlags), a) !=
                   std::end(kAdminFlags)) {
            cmd.admin.flags.insert(a.substr(2));
        } else if (a == "--profile") {
            auto v = next("--profile");
            const auto eq = v ? v->find('=') : std::string::npos;
            if (eq == std::string::npos) return usage_error("--profile needs KEY=VALUE");
            cmd.admin.profile.emplace_back(v->substr(0, eq), v->substr(eq + 1));
        } else if (!a.empty() && a[0] != '-' && cmd.name.empty()) {
            cmd.name = a;
        } else if (!a.empty() && a[0] != '-') {
            cmd.operands.push_back(a);
        } else {
            return usage_error("unknown argument '" + a + "'");
        }
    }
    if (cmd.name.empty()) return usage_error("no command given");
    const bool calibrate =
        cmd.name == "hash" && cmd.operands == std::vector<std::string>{"calibrate"};
    const bool admin = cmd.name == "user" || cmd.name == "session" || cmd.name == "outbox" ||
                       cmd.name == "audit" || cmd.name == "key" || cmd.name == "import";
    if (cmd.name != "serve" && cmd.name != "migrate" && cmd.name != "config" &&
        cmd.name != "routes" && cmd.name != "contracts" && cmd.name != "error-pages" &&
        cmd.name != "templates" && !calibrate && !admin) {
        return usage_error("unknown command '" + cmd.name + "'");
    }
    if (cmd.name == "templates") {
        if (cmd.operands.size() != 1) return usage_error("templates needs one directory");
        return templates_command(cmd.operands.front());
    }
    if (!calibrate && !admin && !cmd.operands.empty()) {
        return usage_error("unexpected argument '" + cmd.operands.front() + "'");
    }
    if (cmd.name == "routes") return routes_command(cmd.json);
    if (cmd.name == "contracts") return contracts_command();
    if (cmd.name == "error-pages") return error_pages_command(cmd.json);
    if (sodium_init() < 0) {
        std::cerr << "latchkey: libsodium failed to initialise\n";
        return 1;
    }
    auto config = effective_config(cmd);
    if (!config) return usage_error(config.error().detail);
    set_log_level(parse_level(config->log_level));
    if (cmd.name == "migrate") return migrate_command(*config);
    if (cmd.name == "config") return config_command(*config);
    if (calibrate) return hash_calibrate_command(*config, cmd.target_ms, cmd.json);
    if (admin) {
        cmd.admin.name = cmd.name;
        cmd.admin.operands = cmd.operands;
        cmd.admin.json = cmd.json;
        return admin_command(*config, cmd.admin);
    }
    if (argv[0] != nullptr) keep_process_name(argv[0]);
    const int served = serve_command(*config, cmd);
    if (served == kReloadRequested) {
        return exec_again(argv[0] != nullptr ? argv[0] : "latchkey", args,
                          listening_fd_for_reload());
    }
    return served;
}

}  // namespace
}  // namespace latchkey

int main(int argc, char** argv) {
    // Started with 0, 1 or 2 closed, the first file opened would take that number: the listening
    // socket on fd 0 looks like spawn-fcgi's to libfcgi, and a log line would land in a file.
    for (int fd = 0; fd <= 2; ++fd) {
        if (fcntl(fd, F_GETFD) == -1) (void)open("/dev/null", O_RDWR);
    }
    try {
        return latchkey::run(argc, argv);
    } catch (const std::exception& e) {
        latchkey::log_event(latchkey::LogLevel::error, "fatal", {{"error", e.what()}});
        return 1;
    }
}
