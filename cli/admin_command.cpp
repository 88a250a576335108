// `latchkey user|session|outbox ...`: administration on the service's own database, safe while it
// runs (SQLite WAL: short write transactions, the same busy timeout as the service). A table for
// people, `--json` for scripts.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "cli/admin_support.hpp"
#include "cli/commands.hpp"
#include "core/auth/accounts.hpp"
#include "core/auth/audit.hpp"
#include "core/auth/end_sessions.hpp"
#include "core/auth/sessions.hpp"
#include "core/base/clock.hpp"
#include "core/base/json.hpp"
#include "core/crypto/keys.hpp"
#include "core/crypto/password.hpp"
#include "core/crypto/signing_keys.hpp"
#include "core/mail/mail.hpp"
#include "core/store/store.hpp"

namespace latchkey {
namespace {

Table accounts_table(const std::vector<Account>& accounts) {
    Table t{{"id", "public_id", "kind", "email", "verified", "disabled", "created"}, {}};
    for (const auto& a : accounts) {
        t.rows.push_back({std::to_string(a.id), a.public_id, a.kind, a.email,
                          a.email_verified ? "yes" : "no", a.disabled ? "yes" : "no",
                          when(a.created_at)});
    }
    return t;
}

// The one account of that email on the site (of --kind when given): several kinds need --kind.
Result<Account> find_account(Accounts& accounts, const AdminArgs& args, const std::string& email) {
    const std::string site = *option(args, "site");
    if (auto kind = option(args, "kind")) {
        auto found = accounts.find_by_email(site, *kind, email);
        if (!found) return found.error();
        if (!*found)
            return make_error(Errc::not_found, "no " + *kind + " " + email + " on " + site);
        return std::move(**found);
    }
    auto found = accounts.with_email(site, email);
    if (!found) return found.error();
    auto& matches = *found;
    if (matches.empty()) return make_error(Errc::not_found, "no account " + email + " on " + site);
    if (matches.size() > 1)
        return make_error(Errc::invalid_argument,
                          email + " has several account types: pass --kind");
    return std::move(matches.front());
}

Result<std::string> password_from_stdin() {
    if (isatty(STDIN_FILENO)) std::cerr << "password: " << std::flush;
    std::string password;
    std::getline(std::cin, password);
    if (password.size() < 8)
        return make_error(Errc::invalid_argument, "the password needs 8 characters or more");
    return password;
}

PasswordHasher make_hasher(const Config& config) {
    return PasswordHasher(HashParams{static_cast<std::uint64_t>(config.argon2_opslimit),
                                     static_cast<std::size_t>(config.argon2_memlimit_kib) * 1024},
                          1, std::chrono::seconds(60));
}

int user_command(const Config& config, Store& store, const AdminArgs& args) {
    const std::string verb = args.operands.empty() ? "" : args.operands[0];
    if (!option(args, "site")) return usage("user " + verb + " needs --site");
    const std::string site = *option(args, "site");
    PasswordHasher hasher = make_hasher(config);
    Accounts accounts(store, hasher);
    const std::int64_t now = unix_now();
    if (verb == "list") {
        const int limit = std::stoi(option(args, "limit").value_or("1000"));
        auto list = accounts.list(site, option(args, "kind").value_or(""), limit);
        if (!list) return fail(list.error().detail);
        accounts_table(*list).print(args.json);
        return 0;
    }
    if (args.operands.size() != 2) return usage("user " + verb + " needs one EMAIL");
    const std::string email = args.operands[1];
    if (verb == "create") {
        NewAccount n;
        n.site = site;
        n.kind = option(args, "kind").value_or("user");
        n.email = email;
        n.username = option(args, "username");
        n.id_style = option(args, "id-style").value_or("uuid") == "hex24" ? PublicIdStyle::hex24
                                                                          : PublicIdStyle::uuid;
        n.email_verified = args.flags.count("verified") > 0;
        for (const auto& [key, value] : args.profile) n.profile[key] = value;
        if (args.flags.count("password-stdin")) {
            auto password = password_from_stdin();
            if (!password) return fail(password.error().detail);
            n.password = *password;
        } else {
            n.passwordless = true;
        }
        auto created = accounts.create(n, now);
        if (!created) {
            if (created.error().code == Errc::email_taken)
                return fail(email + " exists on " + site);
            return fail(created.error().detail);
        }
        admin_audit(store, config, site, "create", created->id, created->email, n.kind);
        accounts_table({*created}).print(args.json);
        return 0;
    }
    auto account = find_account(accounts, args, email);
    if (!account) return fail(account.error().detail);
    Result<void> done;
    if (verb == "show") {
        accounts_table({*account}).print(args.json);
        return 0;
    } else if (verb == "disable" || verb == "enable") {
        done = accounts.set_disabled(account->id, verb == "disable", now);
    } else if (verb == "delete") {
        done = accounts.remove(account->id);
    } else if (verb == "verify") {
        done = accounts.mark_email_verified(account->id, now);
    } else if (verb == "set-password") {
        auto password = password_from_stdin();
        if (!password) return fail(password.error().detail);
        auto hash = hasher.hash(*password);
        if (!hash) return fail(hash.error().detail);
        done = accounts.replace_password(account->id, *hash, now);  // ends sessions and tokens
    } else {
        return usage("unknown user command '" + verb + "'");
    }
    if (!done) return fail(done.error().detail);
    admin_audit(store, config, site, verb, account->id, account->email, account->kind);
    std::cerr << "latchkey: " << verb << " " << account->email << " (" << account->kind << ", "
              << site << "): done\n";
    return 0;
}

int session_command(const Config& config, Store& store, const KeyRing& keys,
                    const AdminArgs& args) {
    const std::string verb = args.operands.empty() ? "" : args.operands[0];
    if (!option(args, "site")) return usage("session " + verb + " needs --site");
    const std::string site = *option(args, "site");
    PasswordHasher hasher = make_hasher(config);
    Accounts accounts(store, hasher);
    Sessions sessions(store, keys);
    const std::int64_t now = unix_now();
    std::int64_t account_id = 0;
    if (auto email = option(args, "email")) {
        auto account = find_account(accounts, args, *email);
        if (!account) return fail(account.error().detail);
        account_id = account->id;
    }
    if (verb == "list") {
        auto list = sessions.list(site, account_id, args.flags.count("all") > 0,
                                  std::stoi(option(args, "limit").value_or("1000")), now);
        if (!list) return fail(list.error().detail);
        Table t{{"family", "email", "created", "expires", "revoked", "reason"}, {}};
        for (const auto& f : *list)
            t.rows.push_back({f.id, f.email, when(f.created_at), when(f.expires_at),
                              when(f.revoked_at),
                              f.revoked_reason.empty() ? "-" : f.revoked_reason});
        t.print(args.json);
        return 0;
    }
    if (verb != "revoke") return usage("unknown session command '" + verb + "'");
    Result<void> done;
    if (auto family = option(args, "family")) {
        done = sessions.revoke_family(site, *family, "admin", now);
    } else if (account_id != 0) {
        // Refresh families only: access tokens run out on their own (short-lived).
        done = end_sessions(store, account_id, {"admin", false}, now);
    } else if (args.flags.count("all")) {
        auto n = sessions.revoke_site(site, "admin", now);
        if (!n) return fail(n.error().detail);
        admin_audit(store, config, site, "session.revoke", 0, "", "all sessions of the site");
        std::cerr << "latchkey: revoked " << *n << " session(s) of " << site << "\n";
        return 0;
    } else {
        return usage("session revoke needs --family ID, --email EMAIL or --all");
    }
    if (!done) return fail(done.error().detail);
    admin_audit(store, config, site, "session.revoke", account_id,
                option(args, "email").value_or(""),
                option(args, "family") ? "family " + *option(args, "family") : "every session");
    std::cerr << "latchkey: revoked\n";
    return 0;
}

int outbox_command(Store& store, const KeyRing& keys, const AdminArgs& args) {
    const std::string verb = args.operands.empty() ? "" : args.operands[0];
    Outbox outbox(store, keys);
    if (verb == "list") {
        auto list = outbox.list(option(args, "status").value_or(""),
                                std::stoi(option(args, "limit").value_or("100")));
        if (!list) return fail(list.error().detail);
        Table t{
            {"id", "site", "kind", "recipient", "status", "attempts", "created", "sent", "error"},
            {}};
        for (const auto& m : *list)
            t.rows.push_back({std::to_string(m.id), m.site, m.kind, m.recipient, m.status,
                              std::to_string(m.attempts), when(m.created_at), when(m.sent_at),
                              m.last_error.empty() ? "-" : m.last_error});
        t.print(args.json);
        return 0;
    }
    if (verb == "retry") {
        std::int64_t id = 0;
        if (args.operands.size() == 2) {
            id = std::stoll(args.operands[1]);
        } else if (!args.flags.count("all")) {
            return usage("outbox retry needs an ID or --all");
        }
        auto n = outbox.retry_failed(id, unix_now());
        if (!n) return fail(n.error().detail);
        std::cerr << "latchkey: " << *n << " failed mail(s) queued again\n";
        return *n > 0 || id == 0 ? 0 : 1;
    }
    if (verb == "purge") {
        const int days = std::stoi(option(args, "older-than-days").value_or("30"));
        auto n = outbox.purge(unix_now() - std::int64_t{days} * 86400);
        if (!n) return fail(n.error().detail);
        std::cerr << "latchkey: purged " << *n << " sent or failed mail(s) older than " << days
                  << " day(s)\n";
        return 0;
    }
    return usage("unknown outbox command '" + verb + "'");
}

// `key list` shows each site's versions and until when a retired one still verifies; `key rotate`
// makes a new current version with the site's configured algorithm. Running services pick the
// new key within seconds; the old one verifies until every token it signed has expired.
int key_command(const Config& config, Store& store, const KeyRing& ring, const AdminArgs& args) {
    const std::string verb = args.operands.empty() ? "" : args.operands[0];
    SigningKeys keys(ring, signing_policy(config));
    const std::int64_t now = unix_now();
    auto table = [&](const std::vector<KeyVersion>& versions) {
        Table t{{"site", "version", "kid", "alg", "created", "status"}, {}};
        for (const auto& v : versions) {
            std::string status = "current";
            if (v.retired_at) {
                const std::int64_t until = *v.retired_at + keys.policy().max_token_lifetime;
                status = (until > now ? "verifying until " : "expired ") + when(until);
            }
            t.rows.push_back({v.site, std::to_string(v.version), keys.key_of(v).kid,
                              std::string(alg_name(v.alg)), when(v.created_at), status});
        }
        return t;
    };
    if (verb == "list") {
        auto versions = SigningKeys::list(store, option(args, "site").value_or(""));
        if (!versions) return fail(versions.error().detail);
        table(*versions).print(args.json);
        return 0;
    }
    if (verb == "rotate") {
        const auto site = option(args, "site");
        if (!site || site->empty()) return usage("key rotate needs --site SITE");
        auto made = keys.rotate(store, *site, now);
        if (!made) return fail(made.error().detail);
        admin_audit(
            store, config, *site, "key.rotate", 0, "",
            "version " + std::to_string(made->version) + " " + std::string(alg_name(made->alg)));
        table({*made}).print(args.json);
        return 0;
    }
    return usage("unknown key command '" + verb + "'");
}

int audit_command(Store& store, const AdminArgs& args) {
    AuditFilter filter;
    filter.site = option(args, "site").value_or("");
    filter.email = option(args, "email").value_or("");
    filter.event = option(args, "event").value_or("");
    if (auto hours = option(args, "since-hours"))
        filter.since = unix_now() - std::stoll(*hours) * 3600;
    filter.limit = std::stoi(option(args, "limit").value_or("100"));
    auto events = AuditLog(store).list(filter);
    if (!events) return fail(events.error().detail);
    Table t{{"time", "site", "event", "account", "email", "ip", "user_agent", "detail"}, {}};
    for (const auto& e : *events)
        t.rows.push_back(
            {when(e.at), e.site, e.event, e.account_id ? std::to_string(e.account_id) : "-",
             e.email.empty() ? "-" : e.email, e.ip.empty() ? "-" : e.ip,
             e.user_agent.empty() ? "-" : e.user_agent, e.detail.empty() ? "-" : e.detail});
    t.print(args.json);
    return 0;
}

}  // namespace

int admin_command(const Config& config, const AdminArgs& args) {
    auto store = Store::open(store_options(config));
    if (!store) return fail("cannot open " + config.database + ": " + store.error().detail);
    if (auto applied = (*store)->migrate(); !applied) return fail(applied.error().detail);
    try {
        if (args.name == "user") return user_command(config, **store, args);
        if (args.name == "audit") return audit_command(**store, args);
        if (args.name == "import")
            return import_command(config, **store, make_hasher(config), args);
        auto keys = KeyRing::load_or_create(config.master_key_file);
        if (!keys) return fail(keys.error().detail);
        if (args.name == "session") return session_command(config, **store, **keys, args);
        if (args.name == "key") return key_command(config, **store, **keys, args);
        return outbox_command(**store, **keys, args);
    } catch (const std::invalid_argument&) {
        return usage("a number was expected");
    } catch (const std::out_of_range&) {
        return usage("a number is out of range");
    }
}

}  // namespace latchkey
