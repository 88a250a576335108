#pragma once
// The SQLite store: one Store per thread (connections are not shared), WAL, prepared statements
// cached per connection, writes in BEGIN IMMEDIATE transactions. The connections of one process
// to one database take turns at writing on a mutex before they ask SQLite: threads then queue
// and are woken in turn, instead of polling SQLite's lock with the busy handler's sleeps (which
// cost up to 100 ms per retry and made write latency erratic under load).
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"

namespace latchkey {

struct StoreOptions {
    std::string path;
    int busy_timeout_ms = 5000;
    int cache_kib = 2048;
};

// A prepared statement borrowed from the Store's cache: reset and unbound when it goes out of
// scope, so the next user finds it clean.
class Statement {
  public:
    explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
    Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::int64_t value);
    Statement& bind_null(int index);
    Statement& bind_blob(int index, std::string_view bytes);
    Statement& bind_optional(int index, const std::optional<std::string>& text);

    // SQLITE_ROW -> true, SQLITE_DONE -> false, anything else -> error.
    Result<bool> step();
    // Runs to completion, for statements that return no rows.
    Result<void> run();

    std::int64_t column_int(int col) const;
    std::string column_text(int col) const;
    std::optional<std::string> column_optional_text(int col) const;
    std::optional<std::int64_t> column_optional_int(int col) const;
    int changes() const;

    // Steps through every remaining row, turning each into a value with `read(*this)`.
    template <class Read>
    auto collect(Read read) -> Result<std::vector<decltype(read(*this))>> {
        std::vector<decltype(read(*this))> out;
        while (true) {
            auto row = step();
            if (!row) return row.error();
            if (!*row) return out;
            out.push_back(read(*this));
        }
    }

  private:
    sqlite3_stmt* stmt_;
};

class Store {
  public:
    static Result<std::unique_ptr<Store>> open(const StoreOptions& options);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // Applies every embedded migration not yet recorded, each in its own transaction.
    Result<int> migrate();
    Result<int> schema_version();

    Result<Statement> prepare(const char* sql);
    Result<void> exec(const char* sql);
    std::int64_t last_insert_rowid() const;
    sqlite3* handle() const { return db_; }

    // BEGIN IMMEDIATE ... COMMIT, rolled back when not committed.
    class Transaction {
      public:
        Transaction(const Transaction&) = delete;
        Transaction(Transaction&& other) noexcept
            : store_(other.store_), turn_(std::move(other.turn_)) {
            other.store_ = nullptr;
        }
        ~Transaction();
        Result<void> commit();

      private:
        friend class Store;
        Transaction(Store* store, std::unique_lock<std::timed_mutex> turn)
            : store_(store), turn_(std::move(turn)) {}
        Store* store_;
        std::unique_lock<std::timed_mutex> turn_;  // released after COMMIT or ROLLBACK
    };
    Result<Transaction> begin();

    struct Handle {  // only open() makes one
        sqlite3* db;
    };
    explicit Store(Handle h) : db_(h.db) {}

  private:
    sqlite3* db_;
    std::shared_ptr<std::timed_mutex> writer_;  // shared by this process's Stores of one file
    int busy_timeout_ms_ = 5000;
    struct StmtDeleter {
        void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
    };
    std::unordered_map<const char*, std::unique_ptr<sqlite3_stmt, StmtDeleter>> cache_;
};

// Errc::busy for SQLITE_BUSY/LOCKED after the timeout, Errc::storage otherwise.
Error sqlite_error(sqlite3* db, int rc, const char* what);

}  // namespace latchkey
