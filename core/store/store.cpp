#include "core/store/store.hpp"

#include "core/base/clock.hpp"
#include "core/store/migrations.hpp"
#include "core/store/postgres_store.hpp"
#include "core/store/sqlite_store.hpp"

#include <sodium.h>

#include <algorithm>
#include <utility>

namespace latchkey {

StoreOptions store_options(const Config& config) {
    return StoreOptions{
        config.database,
        static_cast<int>(config.database_busy_ms),
        static_cast<int>(config.sqlite_cache_kib),
        static_cast<int>(config.database_pool),
        static_cast<int>(config.sqlite_mmap_kib),
        config.database_write_lock == "global" ? WriteLock::global : WriteLock::narrow};
}

bool is_postgresql_url(std::string_view database) {
    return database.starts_with("postgresql://") || database.starts_with("postgres://");
}

Statement& Statement::bind(int index, std::string_view text) {
    backend_->bind_text(index, text);
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
    backend_->bind_int(index, value);
    return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
    backend_->bind_blob(index, bytes);
    return *this;
}

Statement& Statement::bind_null(int index) {
    backend_->bind_null(index);
    return *this;
}

Statement& Statement::bind_optional(int index, const std::optional<std::string>& text) {
    return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Result<void> Statement::run() {
    for (;;) {
        auto r = step();
        if (!r) return r.error();
        if (!*r) return {};
    }
}

std::optional<std::string> Statement::column_optional_text(int col) const {
    if (backend_->column_is_null(col)) return std::nullopt;
    return column_text(col);
}

std::optional<std::int64_t> Statement::column_optional_int(int col) const {
    if (backend_->column_is_null(col)) return std::nullopt;
    return column_int(col);
}

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options) {
    if (is_postgresql_url(options.path)) return open_postgres_store(options);
    return open_sqlite_store(options);
}

namespace {
std::string savepoint_sql(const char* verb, int level) {
    return std::string(verb) + " latchkey_" + std::to_string(level);
}
}  // namespace

Result<Store::Transaction> Store::begin(Turn turn) {
    if (depth_ > 0) {
        if (turn == Turn::writer && turn_ == Turn::rows) {
            return make_error(Errc::storage, "a writer transaction cannot join a rows transaction");
        }
        if (turn == Turn::exclusive && turn_ != Turn::exclusive) {
            return make_error(Errc::storage, "an exclusive transaction cannot join another");
        }
        if (auto r = exec(savepoint_sql("SAVEPOINT", depth_ + 1).c_str()); !r) return r.error();
        ++depth_;
        return Transaction(this, true, depth_);
    }
    if (auto r = begin_transaction(turn); !r) return r.error();
    held_keys_.clear();
    depth_ = 1;
    turn_ = turn;
    doomed_ = false;
    return Transaction(this, false, 1);
}

namespace {
// The second half of a two-int advisory key: the first four bytes of an unkeyed BLAKE2b of the
// key's text, the same on every host and build (docs/scaling.md).
std::int32_t key_id(std::string_view key) {
    unsigned char digest[crypto_generichash_BYTES_MIN];
    crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(key.data()),
                       key.size(), nullptr, 0);
    const std::uint32_t id =
        static_cast<std::uint32_t>(digest[0]) | static_cast<std::uint32_t>(digest[1]) << 8 |
        static_cast<std::uint32_t>(digest[2]) << 16 | static_cast<std::uint32_t>(digest[3]) << 24;
    return static_cast<std::int32_t>(id);
}
}  // namespace

Result<void> Store::lock_keys(std::vector<LockKey> keys) {
    if (!locks_rows()) return {};
    if (!in_transaction()) return make_error(Errc::storage, "key locks need a transaction");
    std::vector<std::pair<std::int32_t, std::int32_t>> ids;
    ids.reserve(keys.size());
    for (const auto& k : keys) {
        ids.emplace_back(static_cast<std::int32_t>(k.lock_class), key_id(k.key));
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    // Keys the outer transaction holds already cost nothing: an import batch takes its accounts'
    // keys at once, and each account's savepoint takes its own again.
    std::erase_if(ids, [&](const auto& key) {
        return std::binary_search(held_keys_.begin(), held_keys_.end(), key);
    });
    if (ids.empty()) return {};
    std::string classes = "{", key_ids = "{";
    for (const auto& [lock_class, id] : ids) {
        classes += std::to_string(lock_class) + ',';
        key_ids += std::to_string(id) + ',';
    }
    classes.back() = '}';
    key_ids.back() = '}';
    // One round trip for all of them, taken in the sorted order: a subquery with ORDER BY is
    // not merged into the outer query, so the outer one calls the lock function row by row as
    // the sort hands them out.
    auto lock = prepare(
        "SELECT pg_advisory_xact_lock(c, k) FROM (SELECT c, k FROM "
        "unnest(CAST(?1 AS integer[]), CAST(?2 AS integer[])) AS t(c, k) ORDER BY c, k) AS sorted");
    if (!lock) return lock.error();
    lock->bind(1, classes).bind(2, key_ids);
    if (auto r = lock->run(); !r) return r.error();
    // Held until the transaction ends. Keys taken in a savepoint are not remembered: undoing the
    // savepoint releases them.
    if (depth_ == 1) {
        held_keys_.insert(held_keys_.end(), ids.begin(), ids.end());
        std::sort(held_keys_.begin(), held_keys_.end());
    }
    return {};
}

Store::Transaction::~Transaction() {
    if (store_ == nullptr) return;
    if (joined_) {
        // ROLLBACK TO keeps the savepoint; RELEASE then removes it, leaving the outer work.
        if (!store_->exec(savepoint_sql("ROLLBACK TO SAVEPOINT", level_).c_str()) ||
            !store_->exec(savepoint_sql("RELEASE SAVEPOINT", level_).c_str())) {
            store_->doomed_ = true;
        }
        store_->depth_ = level_ - 1;
        return;
    }
    store_->rollback_transaction();
    store_->depth_ = 0;
}

Result<void> Store::Transaction::commit() {
    if (joined_) {
        if (auto r = store_->exec(savepoint_sql("RELEASE SAVEPOINT", level_).c_str()); !r) {
            return r.error();  // the destructor undoes this savepoint's work
        }
        store_->depth_ = level_ - 1;
        store_ = nullptr;
        return {};
    }
    if (store_->doomed_) {
        store_->rollback_transaction();
        store_->depth_ = 0;
        store_ = nullptr;
        return make_error(Errc::storage, "a step of the transaction could not be undone");
    }
    auto r = store_->commit_transaction();
    if (r) {
        store_->depth_ = 0;
        store_ = nullptr;  // on failure the destructor rolls back
    }
    return r;
}

Result<int> Store::schema_version() {
    auto stmt = prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
    if (!stmt) return stmt.error();
    auto row = stmt->step();
    if (!row) return row.error();
    return static_cast<int>(stmt->column_int(0));
}

Result<int> Store::migrate() {
    // Every migration recorded already (a host restarting): a plain read says so, and no
    // exclusive turn stops the cluster's writers. A new database has no table yet to read.
    if (auto done = prepare("SELECT version FROM schema_migrations")) {
        auto versions = done->collect([](const Statement& row) { return row.column_int(0); });
        if (versions) {
            const auto& all = migrations(dialect());
            const bool every = std::all_of(all.begin(), all.end(), [&](const auto& m) {
                return std::find(versions->begin(), versions->end(), m.version) != versions->end();
            });
            if (every) return 0;
        }
    }
    // In exclusive transactions: hosts starting together against one PostgreSQL take turns, and
    // no write of a running host overlaps a migration.
    {
        auto tx = begin(Turn::exclusive);
        if (!tx) return tx.error();
        if (auto r = exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                          " version INTEGER PRIMARY KEY,"
                          " name TEXT NOT NULL,"
                          " applied_at TEXT NOT NULL)");
            !r) {
            return r.error();
        }
        if (auto r = tx->commit(); !r) return r.error();
    }
    int applied = 0;
    for (const auto& m : migrations(dialect())) {
        auto tx = begin(Turn::exclusive);
        if (!tx) return tx.error();
        auto seen = prepare("SELECT 1 FROM schema_migrations WHERE version = ?1");
        if (!seen) return seen.error();
        seen->bind(1, std::int64_t{m.version});
        auto row = seen->step();
        if (!row) return row.error();
        if (*row) continue;  // another process applied it first; the transaction rolls back
        if (auto r = exec(std::string(m.sql).c_str()); !r) {
            return make_error(Errc::storage, "migration " + std::to_string(m.version) + "_" +
                                                 std::string(m.name) + ": " + r.error().detail);
        }
        auto record = prepare(
            "INSERT INTO schema_migrations(version, name, applied_at) "
            "VALUES (?1, ?2, ?3)");
        if (!record) return record.error();
        record->bind(1, std::int64_t{m.version}).bind(2, m.name).bind(3, iso8601_utc(unix_now()));
        if (auto r = record->run(); !r) return r.error();
        if (auto r = tx->commit(); !r) return r.error();
        ++applied;
    }
    return applied;
}

}  // namespace latchkey
