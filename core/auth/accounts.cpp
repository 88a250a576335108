#include "core/auth/accounts.hpp"

#include <chrono>

#include "core/auth/end_sessions.hpp"
#include "core/base/email.hpp"
#include "core/base/json.hpp"
#include "core/base/metrics.hpp"
#include "core/crypto/ids.hpp"

namespace latchkey {
namespace {

constexpr const char* kColumns =
    "id, public_id, site, kind, email, username, profile, email_verified, disabled, created_at, "
    "updated_at, password_hash, session_version, locale";

std::string profile_to_json(const Profile& profile) {
    Json obj = json_object();
    for (const auto& [key, value] : profile) json_put(obj.get(), key.c_str(), value);
    return json_render(obj.get());
}

Profile profile_from_json(const std::string& text) {
    Profile profile;
    auto parsed = parse_json_strict(text);
    if (auto* doc = std::get_if<Json>(&parsed)) {
        const cJSON* item = nullptr;
        cJSON_ArrayForEach(item, doc->get()) {
            if (cJSON_IsString(item)) profile[item->string] = item->valuestring;
        }
    }
    return profile;
}

Account read_account(const Statement& row, std::string* hash) {
    Account a;
    a.id = row.column_int(0);
    a.public_id = row.column_text(1);
    a.site = row.column_text(2);
    a.kind = row.column_text(3);
    a.email = row.column_text(4);
    a.username = row.column_optional_text(5);
    a.profile = profile_from_json(row.column_text(6));
    a.email_verified = row.column_int(7) != 0;
    a.disabled = row.column_int(8) != 0;
    a.created_at = row.column_int(9);
    a.updated_at = row.column_int(10);
    if (hash != nullptr) *hash = row.column_text(11);
    a.session_version = row.column_int(12);
    a.locale = row.column_text(13);
    return a;
}

std::optional<std::string> lower(const std::optional<std::string>& s) {
    if (!s) return std::nullopt;
    return email_key(*s);  // ASCII case folding, the same rule as emails
}

}  // namespace

Result<void> Accounts::ensure_free(const NewAccount& n, std::int64_t now) {
    auto taken = store_.prepare(
        "SELECT email_key = ?3, username_key IS NOT NULL AND username_key = ?4 FROM accounts "
        "WHERE site = ?1 AND kind = ?2 AND (email_key = ?3 OR username_key = ?4) "
        "ORDER BY 1 DESC LIMIT 1");
    if (!taken) return taken.error();
    taken->bind(1, n.site)
        .bind(2, n.kind)
        .bind(3, email_key(n.email))
        .bind_optional(4, lower(n.username));
    auto row = taken->step();
    if (!row) return row.error();
    if (*row) return make_error(taken->column_int(0) ? Errc::email_taken : Errc::username_taken);
    auto claimed = store_.prepare(
        "SELECT email_key = ?3 FROM account_claims "
        "WHERE site = ?1 AND kind = ?2 AND (email_key = ?3 OR username_key = ?4) "
        "AND expires_at >= ?5 ORDER BY 1 DESC LIMIT 1");
    if (!claimed) return claimed.error();
    claimed->bind(1, n.site)
        .bind(2, n.kind)
        .bind(3, email_key(n.email))
        .bind_optional(4, lower(n.username))
        .bind(5, now);
    row = claimed->step();
    if (!row) return row.error();
    if (*row) return make_error(claimed->column_int(0) ? Errc::email_taken : Errc::username_taken);
    return {};
}

namespace {
void add_name_keys(std::vector<LockKey>& keys, std::string_view site, std::string_view kind,
                   std::string_view email, const std::optional<std::string>& username) {
    std::string scope = std::string(site) + '\x1f' + std::string(kind) + '\x1f';
    keys.push_back({LockClass::email, scope + email_key(email)});
    if (username) keys.push_back({LockClass::username, scope + email_key(*username)});
}
}  // namespace

Result<void> Accounts::lock_names(std::string_view site, std::string_view kind,
                                  std::string_view email,
                                  const std::optional<std::string>& username) {
    std::vector<LockKey> keys;
    add_name_keys(keys, site, kind, email, username);
    return store_.lock_keys(std::move(keys));
}

Result<void> Accounts::lock_names(const std::vector<ImportedAccount>& batch) {
    if (!store_.locks_rows()) return {};
    std::vector<LockKey> keys;
    keys.reserve(2 * batch.size());
    for (const auto& imported : batch) {
        const NewAccount& n = imported.account;
        add_name_keys(keys, n.site, n.kind, n.email, n.username);
    }
    return store_.lock_keys(std::move(keys));
}

Result<void> lock_account(Store& store, std::int64_t id) {
    if (!store.locks_rows()) return {};
    auto row = store.prepare("SELECT 1 FROM accounts WHERE id = ?1 FOR NO KEY UPDATE");
    if (!row) return row.error();
    row->bind(1, id);
    auto found = row->step();
    if (!found) return found.error();
    if (!*found) return make_error(Errc::not_found);
    return {};
}

Result<void> lock_callers_account(Store& store, std::int64_t id) {
    auto locked = lock_account(store, id);
    if (!locked && locked.error().code == Errc::not_found) {
        return make_error(Errc::invalid_token, "no account");
    }
    return locked;
}

Result<std::int64_t> Accounts::claim(const NewAccount& n, std::int64_t now) {
    auto tx = store_.begin();
    if (!tx) return tx.error();
    if (auto r = lock_names(n.site, n.kind, n.email, n.username); !r) return r.error();
    {  // this address's lapsed claims (the unique index would refuse a new one)...
        auto lapsed = store_.prepare(
            "DELETE FROM account_claims WHERE site = ?1 AND kind = ?2 "
            "AND (email_key = ?3 OR username_key = ?4) AND expires_at < ?5");
        if (!lapsed) return lapsed.error();
        lapsed->bind(1, n.site)
            .bind(2, n.kind)
            .bind(3, email_key(n.email))
            .bind_optional(4, lower(n.username))
            .bind(5, now);
        if (auto r = lapsed->run(); !r) return r.error();
    }
    {  // ... and a few others', skipping any another registration holds
        auto purge = store_.prepare(
            "DELETE FROM account_claims WHERE id IN (SELECT id FROM account_claims "
            "WHERE expires_at < ?1 ORDER BY expires_at LIMIT 50 FOR UPDATE SKIP LOCKED)");
        if (!purge) return purge.error();
        purge->bind(1, now);
        if (auto r = purge->run(); !r) return r.error();
    }
    if (auto free = ensure_free(n, now); !free) return free.error();
    const auto wait = std::chrono::ceil<std::chrono::seconds>(hasher_.max_wait()).count();
    std::int64_t id = 0;
    {  // the statement is reset before the commit
        auto insert = store_.prepare(
            "INSERT INTO account_claims(site, kind, email_key, username_key, expires_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id");
        if (!insert) return insert.error();
        insert->bind(1, n.site)
            .bind(2, n.kind)
            .bind(3, email_key(n.email))
            .bind_optional(4, lower(n.username))
            .bind(5, now + static_cast<std::int64_t>(wait) + kClaimMargin);
        auto row = insert->step();
        if (!row) return row.error();
        if (!*row) return make_error(Errc::storage, "claim returned no id");
        id = insert->column_int(0);
    }
    if (auto r = tx->commit(); !r) return r.error();
    return id;
}

namespace {

Account fresh_account(const NewAccount& n, std::int64_t now) {
    Account a;
    a.public_id = n.id_style == PublicIdStyle::uuid ? new_uuid_v4() : new_hex_id(12);
    a.site = n.site;
    a.kind = n.kind;
    a.email = n.email;
    a.username = n.username;
    a.profile = n.profile;
    a.email_verified = n.email_verified;
    a.locale = n.locale;
    a.created_at = a.updated_at = now;
    return a;
}

}  // namespace

// A fresh account id on SQLite, from the high-water mark of account_ids (sql/015): never the id
// of an account deleted before. PostgreSQL's identity column already never reuses one.
static Result<std::optional<std::int64_t>> fresh_id(Store& store) {
    if (store.dialect() != Dialect::sqlite) return std::optional<std::int64_t>();
    auto next = store.prepare("INSERT INTO account_ids DEFAULT VALUES RETURNING id");
    if (!next) return next.error();
    auto row = next->step();
    if (!row) return row.error();
    if (!*row) return make_error(Errc::storage, "account_ids returned no id");
    const std::int64_t id = next->column_int(0);
    auto forget = store.prepare("DELETE FROM account_ids WHERE id = ?1");  // the mark stays
    if (!forget) return forget.error();
    forget->bind(1, id);
    if (auto r = forget->run(); !r) return r.error();
    return std::optional<std::int64_t>(id);
}

Result<void> Accounts::insert(Account& a, const std::optional<std::string>& hash) {
    auto id = fresh_id(store_);
    if (!id) return id.error();
    // With the id from account_ids (SQLite), or without (PostgreSQL's identity column).
    auto insert = store_.prepare(
        *id ? "INSERT INTO accounts(public_id, site, kind, email, email_key, username, "
              "username_key, password_hash, profile, email_verified, created_at, updated_at, "
              "locale, id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13) "
              "RETURNING id"
            : "INSERT INTO accounts(public_id, site, kind, email, email_key, username, "
              "username_key, password_hash, profile, email_verified, created_at, updated_at, "
              "locale) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12) "
              "RETURNING id");
    if (!insert) return insert.error();
    if (*id) insert->bind(13, **id);
    insert->bind(1, a.public_id)
        .bind(2, a.site)
        .bind(3, a.kind)
        .bind(4, a.email)
        .bind(5, email_key(a.email))
        .bind_optional(6, a.username)
        .bind_optional(7, lower(a.username))
        .bind_optional(8, hash)
        .bind(9, profile_to_json(a.profile))
        .bind(10, std::int64_t{a.email_verified})
        .bind(11, a.created_at)
        .bind(12, a.locale);
    auto row = insert->step();
    if (!row) return row.error();
    if (!*row) return make_error(Errc::storage, "insert returned no id");
    a.id = insert->column_int(0);
    return {};
}

Result<Account> Accounts::import(const ImportedAccount& imported, std::int64_t now) {
    const NewAccount& n = imported.account;
    if (imported.password_hash && !PasswordHasher::is_known_hash(*imported.password_hash)) {
        return make_error(Errc::invalid_argument, "password hash of an unknown format");
    }
    auto tx = store_.begin();
    if (!tx) return tx.error();
    if (auto r = lock_names(n.site, n.kind, n.email, n.username); !r) return r.error();
    if (auto free = ensure_free(n, now); !free) return free.error();
    Account a = fresh_account(n, now);
    if (imported.public_id) {
        if (!is_public_id(*imported.public_id))
            return make_error(Errc::invalid_argument, "id is neither a UUID nor 24 hex digits");
        auto taken = store_.prepare("SELECT 1 FROM accounts WHERE public_id = ?1");
        if (!taken) return taken.error();
        taken->bind(1, *imported.public_id);
        auto row = taken->step();
        if (!row) return row.error();
        if (*row) return make_error(Errc::invalid_argument, "id in use");
        a.public_id = *imported.public_id;
    }
    if (auto r = insert(a, imported.password_hash); !r) return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    return a;
}

Result<void> Accounts::settle(Account& a, const NewAccount& n, std::int64_t claim_id,
                              const std::optional<std::string>& hash, std::int64_t now,
                              const WithinCreate& within) {
    auto tx = store_.begin();
    if (!tx) return tx.error();
    if (auto r = lock_names(n.site, n.kind, n.email, n.username); !r) return r;
    auto drop = store_.prepare("DELETE FROM account_claims WHERE id = ?1");
    if (!drop) return drop.error();
    drop->bind(1, claim_id);
    if (auto r = drop->run(); !r) return r;
    // Our claim lapsed and was purged (a hash slower than its lifetime): the address is ours only
    // if no one else claimed or took it meanwhile.
    if (drop->changes() == 0) {
        if (auto free = ensure_free(n, now); !free) return free.error();
    }
    if (auto r = insert(a, hash); !r) return r.error();
    if (within) {
        if (auto r = within(a); !r) return r.error();
    }
    return tx->commit();
}

void Accounts::release(std::int64_t claim_id) {
    auto tx = store_.begin();
    if (!tx) return;  // the claim lapses on its own
    auto drop = store_.prepare("DELETE FROM account_claims WHERE id = ?1");
    if (!drop) return;
    drop->bind(1, claim_id);
    if (!drop->run()) return;
    (void)tx->commit();
}

Result<Account> Accounts::create(const NewAccount& n, std::int64_t now,
                                 const WithinCreate& within) {
    // Checked before anything else: a taken or claimed email costs no write lock and no hash.
    if (auto free = ensure_free(n, now); !free) return free.error();
    Account a = fresh_account(n, now);
    if (n.passwordless) {  // nothing to hash: one short transaction decides
        auto tx = store_.begin();
        if (!tx) return tx.error();
        if (auto r = lock_names(n.site, n.kind, n.email, n.username); !r) return r.error();
        if (auto free = ensure_free(n, now); !free) return free.error();
        if (auto r = insert(a, std::nullopt); !r) return r.error();
        if (within) {
            if (auto r = within(a); !r) return r.error();
        }
        if (auto r = tx->commit(); !r) return r.error();
        return a;
    }
    auto claimed = claim(n, now);
    if (!claimed) return claimed.error();
    auto hash = hasher_.hash(n.password);
    Result<void> settled =
        hash ? settle(a, n, *claimed, *hash, now, within) : Result<void>(hash.error());
    if (!settled) {
        release(*claimed);
        return settled.error();
    }
    return a;
}

Result<std::optional<Account>> Accounts::find_by_email(std::string_view site, std::string_view kind,
                                                       std::string_view email, std::string* hash) {
    static const std::string sql =
        std::string("SELECT ") + kColumns +
        " FROM accounts WHERE site = ?1 AND kind = ?2 AND email_key = ?3";
    auto stmt = store_.prepare(sql.c_str());
    if (!stmt) return stmt.error();
    stmt->bind(1, site).bind(2, kind).bind(3, email_key(email));
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return std::optional<Account>();
    return std::optional<Account>(read_account(*stmt, hash));
}

Result<Account> Accounts::authenticate(GuessBudget& guesses, std::string_view site,
                                       std::string_view kind, std::string_view email,
                                       std::string_view password, std::int64_t now) {
    auto pass = guesses.reserve(std::string(kind) + ":" + email_key(email), now);
    if (!pass) return pass.error();
    // A check that never ran (a busy hasher, a failed read) counts nothing against the client.
    const auto unchecked = [&](Error error) -> Error {
        (void)guesses.cancel(*pass);  // best effort: the error is the answer either way
        return error;
    };
    std::string stored;
    auto found = find_by_email(site, kind, email, &stored);
    if (!found) return unchecked(found.error());
    if (!*found) {
        if (auto r = hasher_.verify_dummy(password); !r) return unchecked(r.error());
        Metrics::process().count("latchkey_login_failures_total", site);
        return make_error(Errc::invalid_credentials, "unknown email");
    }
    auto match = hasher_.verify(stored, password);
    if (!match) return unchecked(match.error());
    Account& account = **found;
    if (!*match || account.disabled) {
        Metrics::process().count("latchkey_login_failures_total", site);
        return make_error(Errc::invalid_credentials, "wrong password");
    }
    if (hasher_.needs_rehash(stored)) {
        auto fresh = hasher_.hash(password);
        if (fresh) {
            auto update = store_.prepare(
                "UPDATE accounts SET password_hash = ?1 WHERE id = ?2 AND password_hash = ?3");
            if (update) {
                update->bind(1, *fresh).bind(2, account.id).bind(3, stored);
                (void)update->run();  // best effort: the next login tries again
            }
        }
    }
    if (auto r = guesses.succeeded(*pass, now); !r) return r.error();
    return std::move(account);
}

Result<std::optional<Account>> Accounts::find_by_email(std::string_view site, std::string_view kind,
                                                       std::string_view email) {
    return find_by_email(site, kind, email, nullptr);
}

Result<Account> Accounts::find_by_id(std::int64_t id) {
    static const std::string sql =
        std::string("SELECT ") + kColumns + " FROM accounts WHERE id = ?1";
    auto stmt = store_.prepare(sql.c_str());
    if (!stmt) return stmt.error();
    stmt->bind(1, id);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return make_error(Errc::not_found);
    return read_account(*stmt, nullptr);
}

Result<void> Accounts::replace_password(std::int64_t id, std::string_view hash, std::int64_t now,
                                        std::string_view one_time_purpose) {
    auto tx = store_.begin();
    if (!tx) return tx.error();
    auto stmt =
        store_.prepare("UPDATE accounts SET password_hash = ?2, updated_at = ?3 WHERE id = ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, id).bind(2, hash).bind(3, now);
    if (auto r = stmt->run(); !r) return r;
    if (auto r = end_sessions(store_, id, {"password", true, one_time_purpose}, now); !r) return r;
    return tx->commit();
}

Result<void> Accounts::mark_email_verified(std::int64_t id, std::int64_t now) {
    auto stmt = store_.prepare(
        "UPDATE accounts SET email_verified = 1, updated_at = ?2 WHERE id = ?1 AND email_verified "
        "= 0");
    if (!stmt) return stmt.error();
    stmt->bind(1, id).bind(2, now);
    return stmt->run();
}

Result<void> Accounts::change_email(const Account& account, std::string_view email,
                                    std::int64_t now) {
    auto tx = store_.begin();
    if (!tx) return tx.error();
    if (email_key(email) != email_key(account.email)) {
        // Callers that lock the account first took this key before it (the lock order); here it
        // is then taken again, which returns at once.
        if (auto r = lock_names(account.site, account.kind, email); !r) return r.error();
        const NewAccount wanted{
            .site = account.site, .kind = account.kind, .email = std::string(email)};
        if (auto free = ensure_free(wanted, now); !free) return free.error();
    }
    auto stmt = store_.prepare(
        "UPDATE accounts SET email = ?2, email_key = ?3, email_verified = 1, updated_at = ?4 "
        "WHERE id = ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, account.id).bind(2, email).bind(3, email_key(email)).bind(4, now);
    if (auto r = stmt->run(); !r) return r.error();
    return tx->commit();
}

Result<bool> Accounts::email_free_for(const Account& account, std::string_view email,
                                      std::int64_t now) {
    if (email_key(email) == email_key(account.email)) return true;
    const NewAccount wanted{
        .site = account.site, .kind = account.kind, .email = std::string(email)};
    auto free = ensure_free(wanted, now);
    if (free) return true;
    if (free.error().code == Errc::email_taken) return false;
    return free.error();
}

Result<void> Accounts::set_locale(std::int64_t id, std::string_view locale, std::int64_t now) {
    auto stmt = store_.prepare(
        "UPDATE accounts SET locale = ?2, updated_at = ?3 WHERE id = ?1 AND locale <> ?2");
    if (!stmt) return stmt.error();
    stmt->bind(1, id).bind(2, locale).bind(3, now);
    return stmt->run();
}

Result<Account> Accounts::find_by_public_id(std::string_view site, std::string_view kind,
                                            std::string_view public_id) {
    static const std::string sql =
        std::string("SELECT ") + kColumns +
        " FROM accounts WHERE public_id = ?1 AND site = ?2 AND kind = ?3";
    auto stmt = store_.prepare(sql.c_str());
    if (!stmt) return stmt.error();
    stmt->bind(1, public_id).bind(2, site).bind(3, kind);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return make_error(Errc::not_found);
    return read_account(*stmt, nullptr);
}

Result<std::vector<Account>> Accounts::list(std::string_view site, std::string_view kind,
                                            int limit) {
    static const std::string sql = std::string("SELECT ") + kColumns +
                                   " FROM accounts WHERE site = ?1 AND (?2 = '' OR kind = ?2) "
                                   "ORDER BY id LIMIT ?3";
    auto stmt = store_.prepare(sql.c_str());
    if (!stmt) return stmt.error();
    stmt->bind(1, site).bind(2, kind).bind(3, std::int64_t{limit});
    return stmt->collect([](const Statement& row) { return read_account(row, nullptr); });
}

Result<std::vector<Account>> Accounts::with_email(std::string_view site, std::string_view email) {
    static const std::string sql =
        std::string("SELECT ") + kColumns +
        " FROM accounts WHERE site = ?1 AND email_key = ?2 ORDER BY kind";
    auto stmt = store_.prepare(sql.c_str());
    if (!stmt) return stmt.error();
    stmt->bind(1, site).bind(2, email_key(email));
    return stmt->collect([](const Statement& row) { return read_account(row, nullptr); });
}

Result<void> Accounts::set_disabled(std::int64_t id, bool disabled, std::int64_t now) {
    auto tx = store_.begin();
    if (!tx) return tx.error();
    auto stmt = store_.prepare("UPDATE accounts SET disabled = ?2, updated_at = ?3 WHERE id = ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, id).bind(2, std::int64_t{disabled}).bind(3, now);
    if (auto r = stmt->run(); !r) return r;
    if (stmt->changes() == 0) return make_error(Errc::not_found);
    if (disabled) {
        if (auto r = end_sessions(store_, id, {"disabled"}, now); !r) return r;
    }
    return tx->commit();
}

Result<void> Accounts::remove(std::int64_t id) {
    auto stmt = store_.prepare("DELETE FROM accounts WHERE id = ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, id);
    if (auto r = stmt->run(); !r) return r;
    if (stmt->changes() == 0) return make_error(Errc::not_found);
    return {};
}

}  // namespace latchkey
