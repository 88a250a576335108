#include "core/store/sqlite_store.hpp"

#include <sqlite3.h>

#include <cctype>
#include <chrono>
#include <mutex>
#include <unordered_map>

#include "core/base/per_process.hpp"
#include "core/store/sql_quotes.hpp"

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

// Errc::busy for SQLITE_BUSY/LOCKED after the timeout, Errc::unavailable for a disk that cannot
// be written, Errc::storage otherwise.
Error sqlite_error(sqlite3* db, int rc, const char* what) {
    std::string detail = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    return make_error(errc_of(rc), detail);
}

class SqliteStatement final : public StatementBackend {
  public:
    explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}
    ~SqliteStatement() override { sqlite3_finalize(stmt_); }

    void bind_text(int index, std::string_view text) override {
        sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                          SQLITE_TRANSIENT);
    }
    void bind_int(int index, std::int64_t value) override {
        sqlite3_bind_int64(stmt_, index, value);
    }
    void bind_blob(int index, std::string_view bytes) override {
        sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()),
                          SQLITE_TRANSIENT);
    }
    void bind_null(int index) override { sqlite3_bind_null(stmt_, index); }

    Result<bool> step() override {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        return sqlite_error(sqlite3_db_handle(stmt_), rc, "step");
    }

    bool column_is_null(int col) const override {
        return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
    }
    std::int64_t column_int(int col) const override { return sqlite3_column_int64(stmt_, col); }
    std::string column_text(int col) const override {
        if (sqlite3_column_type(stmt_, col) == SQLITE_BLOB) {
            const auto* blob = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
            return std::string(blob, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
        }
        const auto* text = sqlite3_column_text(stmt_, col);
        return text ? std::string(reinterpret_cast<const char*>(text),
                                  static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
                    : std::string();
    }
    int changes() const override { return sqlite3_changes(sqlite3_db_handle(stmt_)); }
    void release() override {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

  private:
    sqlite3_stmt* stmt_;
};

class SqliteStore final : public Store {
  public:
    explicit SqliteStore(sqlite3* db) : db_(db) {}
    ~SqliteStore() override {
        cache_.clear();
        sqlite3_close(db_);
    }

    Result<void> configure(const StoreOptions& options) {
        writer_ = per_process<std::timed_mutex>(
            options.path, [] { return std::make_shared<std::timed_mutex>(); });
        busy_timeout_ms_ = options.busy_timeout_ms;
        // The busy timeout comes before any pragma: several connections opening a new database
        // at once would otherwise fail the journal_mode switch with "database is locked".
        sqlite3_busy_timeout(db_, options.busy_timeout_ms);
        sqlite3_extended_result_codes(db_, 1);
        const std::string pragmas =
            "PRAGMA journal_mode=WAL;"
            // NORMAL in WAL mode: a committed transaction survives a crash of the process; a
            // power loss may lose the last transactions but never corrupts the database.
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA temp_store=MEMORY;"
            "PRAGMA cache_size=-" +
            std::to_string(options.cache_kib) +
            ";"
            "PRAGMA mmap_size=" +
            std::to_string(static_cast<std::int64_t>(options.mmap_kib) * 1024) + ";";
        return exec(pragmas.c_str());
    }

    Dialect dialect() const override { return Dialect::sqlite; }

    Result<void> exec(const char* sql) override {
        char* message = nullptr;
        const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
        if (rc == SQLITE_OK) return {};
        std::string detail = message ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        return make_error(errc_of(rc), detail);
    }

    Result<Statement> prepare(const char* sql) override {
        auto it = cache_.find(sql);
        if (it == cache_.end()) {
            sqlite3_stmt* stmt = nullptr;
            const std::string text = sqlite_spelling(sql);
            const int rc = sqlite3_prepare_v3(db_, text.c_str(), -1, SQLITE_PREPARE_PERSISTENT,
                                              &stmt, nullptr);
            if (rc != SQLITE_OK) return sqlite_error(db_, rc, "prepare");
            it = cache_.emplace(sql, std::make_unique<SqliteStatement>(stmt)).first;
        }
        return Statement(it->second.get());
    }

  protected:
    bool begin_read() override {
        if (reading_ || sqlite3_get_autocommit(db_) == 0) return false;
        reading_ = static_cast<bool>(exec("BEGIN"));
        return reading_;
    }
    void end_read() override {
        if (!reading_) return;
        reading_ = false;
        if (!exec("COMMIT")) (void)exec("ROLLBACK");
    }
    Result<void> begin_transaction(Turn) override {
        end_read();  // a snapshot's reads are done; the writer's BEGIN IMMEDIATE replaces it
        // Already in a transaction: SQLite refuses the nested BEGIN; waiting for our own turn
        // would only delay that answer.
        if (sqlite3_get_autocommit(db_) == 0) {
            return make_error(Errc::storage, "cannot start a transaction within a transaction");
        }
        std::unique_lock turn(*writer_, std::chrono::milliseconds(busy_timeout_ms_));
        if (!turn.owns_lock()) return make_error(Errc::busy, "another writer held the database");
        if (auto r = exec("BEGIN IMMEDIATE"); !r) return r.error();
        turn_ = std::move(turn);
        return {};
    }
    Result<void> commit_transaction() override {
        auto r = exec("COMMIT");
        if (r) turn_ = {};  // the next writer goes in
        return r;
    }
    void rollback_transaction() override {
        (void)exec("ROLLBACK");
        turn_ = {};
    }

  private:
    sqlite3* db_;
    std::shared_ptr<std::timed_mutex> writer_;  // shared by this process's Stores of one file
    std::unique_lock<std::timed_mutex> turn_;   // held from BEGIN to COMMIT or ROLLBACK
    int busy_timeout_ms_ = 5000;
    bool reading_ = false;  // a read_snapshot() holds a deferred BEGIN
    std::unordered_map<const char*, std::unique_ptr<SqliteStatement>> cache_;
};

// SQLite counts every allocation under one process-wide mutex unless told not to; with a
// connection per worker, that mutex was where the workers queued (a futex wait per request).
// Nothing here reads sqlite3_memory_used(), so the count is switched off before the first open.
void configure_library_once() {
    static std::once_flag once;
    std::call_once(once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

std::string sqlite_spelling(std::string_view sql) {
    // Longest first: "FOR UPDATE" is the start of the first.
    static constexpr std::string_view kClauses[] = {" FOR UPDATE SKIP LOCKED", " FOR NO KEY UPDATE",
                                                    " FOR UPDATE"};
    std::string out;
    out.reserve(sql.size());
    SqlQuotes quotes;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (quotes.outside(c) && c == ' ') {
            bool dropped = false;
            for (std::string_view clause : kClauses) {
                const std::size_t end = i + clause.size();
                if (sql.substr(i, clause.size()) == clause &&
                    (end == sql.size() ||
                     !(std::isalnum(static_cast<unsigned char>(sql[end])) || sql[end] == '_'))) {
                    i = end - 1;
                    dropped = true;
                    break;
                }
            }
            if (dropped) continue;
        }
        out += c;
    }
    return out;
}

Result<std::unique_ptr<Store>> open_sqlite_store(const StoreOptions& options) {
    configure_library_once();
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(options.path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    auto store = std::make_unique<SqliteStore>(raw);  // closes the handle even on failure
    if (rc != SQLITE_OK) return sqlite_error(raw, rc, "open");
    if (auto r = store->configure(options); !r) return r.error();
    return std::unique_ptr<Store>(std::move(store));
}

}  // namespace latchkey
