#include "core/store.hpp"

#include <chrono>
#include <map>

#include "core/clock.hpp"
#include "core/migrations.hpp"

namespace latchkey {

namespace {

Errc errc_of(int rc) {
    switch (rc & 0xFF) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return Errc::busy;
        case SQLITE_READONLY:
        case SQLITE_FULL:
        case SQLITE_IOERR:
        case SQLITE_CANTOPEN:
        case SQLITE_PERM:
            return Errc::unavailable;
        default:
            return Errc::storage;
    }
}

}  // namespace

Error sqlite_error(sqlite3* db, int rc, const char* what) {
    std::string detail = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    return make_error(errc_of(rc), detail);
}

Statement::~Statement() {
    if (stmt_ == nullptr) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

Statement& Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind_null(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
}

Statement& Statement::bind_optional(int index, const std::optional<std::string>& text) {
    return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Result<bool> Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sqlite_error(sqlite3_db_handle(stmt_), rc, "step");
}

Result<void> Statement::run() {
    for (;;) {
        auto r = step();
        if (!r) return r.error();
        if (!*r) return {};
    }
}

std::int64_t Statement::column_int(int col) const {
    return sqlite3_column_int64(stmt_, col);
}

std::string Statement::column_text(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_BLOB) {
        const auto* blob = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
        return std::string(blob, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
    }
    const auto* text = sqlite3_column_text(stmt_, col);
    return text ? std::string(reinterpret_cast<const char*>(text),
                              static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
                : std::string();
}

std::optional<std::string> Statement::column_optional_text(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return column_text(col);
}

std::optional<std::int64_t> Statement::column_optional_int(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return column_int(col);
}

int Statement::changes() const {
    return sqlite3_changes(sqlite3_db_handle(stmt_));
}

namespace {

// The writer turn of each database file this process opened, by path.
std::shared_ptr<std::timed_mutex> writer_turn(const std::string& path) {
    static std::mutex registry_mutex;
    static std::map<std::string, std::weak_ptr<std::timed_mutex>> registry;
    std::lock_guard lock(registry_mutex);
    auto& slot = registry[path];
    auto turn = slot.lock();
    if (!turn) {
        turn = std::make_shared<std::timed_mutex>();
        slot = turn;
    }
    return turn;
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options) {
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(options.path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    auto store = std::make_unique<Store>(Handle{raw});  // closes the handle even on failure
    if (rc != SQLITE_OK) return sqlite_error(raw, rc, "open");
    store->writer_ = writer_turn(options.path);
    store->busy_timeout_ms_ = options.busy_timeout_ms;
    // The busy timeout comes before any pragma: several connections opening a new database at
    // once would otherwise fail the journal_mode switch with "database is locked".
    sqlite3_busy_timeout(raw, options.busy_timeout_ms);
    sqlite3_extended_result_codes(raw, 1);
    const std::string pragmas =
        "PRAGMA journal_mode=WAL;"
        // NORMAL in WAL mode: a committed transaction survives a crash of the process; a power
        // loss may lose the last transactions but never corrupts the database (docs/storage.md).
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA temp_store=MEMORY;"
        "PRAGMA cache_size=-" +
        std::to_string(options.cache_kib) + ";";
    if (auto r = store->exec(pragmas.c_str()); !r) return r.error();
    return store;
}

Store::~Store() {
    cache_.clear();
    sqlite3_close(db_);
}

Result<void> Store::exec(const char* sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    if (rc == SQLITE_OK) return {};
    std::string detail = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return make_error(errc_of(rc), detail);
}

Result<Statement> Store::prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        sqlite3_stmt* stmt = nullptr;
        const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) return sqlite_error(db_, rc, "prepare");
        it = cache_.emplace(sql, stmt).first;
    }
    return Statement(it->second.get());
}

std::int64_t Store::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(db_);
}

Result<Store::Transaction> Store::begin() {
    // Already in a transaction: SQLite refuses the nested BEGIN; waiting for our own turn
    // would only delay that answer.
    if (sqlite3_get_autocommit(db_) == 0) {
        return make_error(Errc::storage, "cannot start a transaction within a transaction");
    }
    std::unique_lock turn(*writer_, std::chrono::milliseconds(busy_timeout_ms_));
    if (!turn.owns_lock()) return make_error(Errc::busy, "another writer held the database");
    if (auto r = exec("BEGIN IMMEDIATE"); !r) return r.error();
    return Transaction(this, std::move(turn));
}

Store::Transaction::~Transaction() {
    if (store_ != nullptr) (void)store_->exec("ROLLBACK");
}  // then turn_ lets the next writer in

Result<void> Store::Transaction::commit() {
    Store* store = store_;
    auto r = store->exec("COMMIT");
    if (r) {
        store_ = nullptr;  // on failure the destructor rolls back
        turn_.unlock();
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
    if (auto r = exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version INTEGER PRIMARY KEY,"
                      " name TEXT NOT NULL,"
                      " applied_at TEXT NOT NULL)");
        !r) {
        return r.error();
    }
    int applied = 0;
    for (const auto& m : migrations()) {
        auto tx = begin();
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
