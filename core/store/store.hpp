#pragma once
// The store: the one way core reaches the database, with two backends behind it. SQLite
// (core/store/sqlite_store.cpp) is the embedded default: one connection per thread, WAL, one writer
// at a time. PostgreSQL (core/store/postgres_store.cpp) is chosen by `database = postgresql://...`
// and shared by many hosts: a bounded pool of connections per process, and write transactions
// that lock only what their rule concerns (lock_keys, locks_rows; the order is in
// docs/scaling.md). Core writes its SQL once, with numbered parameters (?1, ?2, ...) and the
// subset both dialects agree on; where they do not, it asks `dialect()`.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/config.hpp"
#include "core/base/result.hpp"

namespace latchkey {

enum class Dialect { sqlite, postgresql };

// How PostgreSQL write transactions exclude each other (database_write_lock). `narrow`: each rule
// locks what it concerns; `global`: one cluster-wide lock per write transaction, the former
// behaviour, kept to measure against and as a fallback.
enum class WriteLock { narrow, global };

struct StoreOptions {
    std::string path;            // a SQLite file, or a postgresql:// (postgres://) URL
    int busy_timeout_ms = 5000;  // longest wait for the write turn (and, PostgreSQL, a connection)
    int cache_kib = 256;         // SQLite page cache per connection
    int pool_size = 8;           // PostgreSQL connections per process, at most
    int mmap_kib = 0;            // SQLite memory-mapped I/O per connection; 0: read(2)
    WriteLock write_lock = WriteLock::narrow;  // PostgreSQL only
};

// What an advisory key lock concerns: the class keeps keys of different rules apart. The values
// are part of the protocol between hosts (docs/scaling.md, "Lock order"): never renumber.
enum class LockClass : std::int32_t {
    email = 1,         // one (site, kind, email key): registration and email changes
    username = 2,      // one (site, kind, username key)
    guess_bucket = 3,  // one guess-throttle bucket
    send_address = 4,  // one address's mail sending limit
    send_network = 5,  // one client network's mail sending limit
    signing_site = 6,  // one site's signing keys
};

struct LockKey {
    LockClass lock_class;
    std::string key;
};

// The options the configuration gives (database, database_busy_ms, sqlite_cache_kib,
// database_pool, sqlite_mmap_kib, database_write_lock).
StoreOptions store_options(const Config& config);

// True when `database` names a PostgreSQL server rather than a SQLite file.
bool is_postgresql_url(std::string_view database);

// One backend's prepared statement, owned and cached by its Store; `Statement` borrows it.
class StatementBackend {
  public:
    virtual ~StatementBackend() = default;
    virtual void bind_text(int index, std::string_view text) = 0;
    virtual void bind_int(int index, std::int64_t value) = 0;
    virtual void bind_blob(int index, std::string_view bytes) = 0;
    virtual void bind_null(int index) = 0;
    virtual Result<bool> step() = 0;
    virtual bool column_is_null(int col) const = 0;
    virtual std::int64_t column_int(int col) const = 0;
    virtual std::string column_text(int col) const = 0;
    virtual int changes() const = 0;
    virtual void release() = 0;  // clears bindings and results for the next borrower
};

// A prepared statement borrowed from the Store's cache: reset and unbound when it goes out of
// scope, so the next user finds it clean.
class Statement {
  public:
    explicit Statement(StatementBackend* backend) : backend_(backend) {}
    Statement(Statement&& other) noexcept : backend_(other.backend_) { other.backend_ = nullptr; }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement() {
        if (backend_ != nullptr) backend_->release();
    }

    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::int64_t value);
    Statement& bind_null(int index);
    Statement& bind_blob(int index, std::string_view bytes);
    Statement& bind_optional(int index, const std::optional<std::string>& text);

    // A row -> true, done -> false, anything else -> error.
    Result<bool> step() { return backend_->step(); }
    // Runs to completion, for statements that return no rows.
    Result<void> run();

    std::int64_t column_int(int col) const { return backend_->column_int(col); }
    std::string column_text(int col) const { return backend_->column_text(col); }
    std::optional<std::string> column_optional_text(int col) const;
    std::optional<std::int64_t> column_optional_int(int col) const;
    int changes() const { return backend_->changes(); }

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
    StatementBackend* backend_;
};

class Store {
  public:
    // A SQLite file or a PostgreSQL URL (is_postgresql_url), by `options.path`.
    static Result<std::unique_ptr<Store>> open(const StoreOptions& options);
    virtual ~Store() = default;
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    virtual Dialect dialect() const = 0;

    // Applies every embedded migration of this dialect not yet recorded, each in its own
    // transaction.
    Result<int> migrate();
    Result<int> schema_version();

    virtual Result<Statement> prepare(const char* sql) = 0;
    virtual Result<void> exec(const char* sql) = 0;

    // How a transaction takes its turn. `writer`: a write transaction. On SQLite one writer at a
    // time (BEGIN IMMEDIATE); on PostgreSQL, under READ COMMITTED, it waits only for what its
    // statements lock (lock_keys, row locks), and with WriteLock::global also for every other
    // global writer and migration. `rows`: only the rows it locks itself (SELECT ... FOR UPDATE
    // SKIP LOCKED); the same as `writer` on SQLite. `exclusive` (migrations): on PostgreSQL the
    // cluster-wide key, so hosts starting together migrate in turn and no global writer overlaps.
    enum class Turn { writer, rows, exclusive };

    // BEGIN ... COMMIT, rolled back when not committed. The one rule (docs/architecture.md,
    // "Transactions"): every core operation that writes begins its own, and one begun while this
    // Store already holds a transaction joins it as a savepoint: its commit() hands its work to
    // the outer transaction, which commits everything or nothing; dropped without commit() (a step
    // failed) it undoes its own work only, and the caller decides what the failure means.
    class Transaction {
      public:
        Transaction(const Transaction&) = delete;
        Transaction(Transaction&& other) noexcept
            : store_(other.store_), joined_(other.joined_), level_(other.level_) {
            other.store_ = nullptr;
        }
        ~Transaction();
        Result<void> commit();
        // True when an outer transaction of this Store was open already.
        bool joined() const { return joined_; }

      private:
        friend class Store;
        Transaction(Store* store, bool joined, int level)
            : store_(store), joined_(joined), level_(level) {}
        Store* store_;
        bool joined_;
        int level_;  // 1 for the outer transaction; a joined one's savepoint is named by it
    };
    // A `writer` transaction cannot join a `rows` one (it would not hold the writer's turn), nor
    // an `exclusive` one join anything else.
    Result<Transaction> begin(Turn turn = Turn::writer);
    bool in_transaction() const { return depth_ > 0; }

    // True when a transaction must lock what its rule concerns itself: on PostgreSQL, in either
    // write-lock mode (a global writer takes every narrow lock too, so hosts of both modes may
    // share one database). SQLite's single writer already excludes every other, so row locks
    // (`FOR NO KEY UPDATE`) and key locks are skipped there.
    bool locks_rows() const { return backend_locks_rows(); }

    // Takes transaction-scoped advisory locks on `keys` (when locks_rows()), sorted by class and
    // key id so that two transactions taking overlapping sets never wait on each other in a
    // cycle; released at commit or rollback. A key's id is a hash of its text: two keys sharing
    // one only wait for each other. Inside a transaction only.
    Result<void> lock_keys(std::vector<LockKey> keys);

    // Reads that belong together (a token's checks) as one read transaction on SQLite instead of
    // one per statement: the WAL's shared-memory lock, which every connection of the process
    // takes, is taken once. A write transaction begun inside it ends it first (the reads made so
    // far stay valid, later ones run on their own). A no-op on PostgreSQL, inside a transaction
    // and inside another snapshot.
    class ReadSnapshot {
      public:
        ReadSnapshot(const ReadSnapshot&) = delete;
        ReadSnapshot& operator=(const ReadSnapshot&) = delete;
        ~ReadSnapshot() {
            if (store_ != nullptr) store_->end_read();
        }

      private:
        friend class Store;
        explicit ReadSnapshot(Store* store) : store_(store) {}
        Store* store_;
    };
    ReadSnapshot read_snapshot() { return ReadSnapshot(begin_read() ? this : nullptr); }

  protected:
    Store() = default;
    // Whether this backend's writers exclude each other by the locks they take.
    virtual bool backend_locks_rows() const { return false; }
    virtual bool begin_read() { return false; }
    virtual void end_read() {}
    virtual Result<void> begin_transaction(Turn turn) = 0;
    virtual Result<void> commit_transaction() = 0;
    virtual void rollback_transaction() = 0;

  private:
    int depth_ = 0;  // open Transactions: the outer one and those joined to it
    Turn turn_ = Turn::writer;
    bool doomed_ = false;  // a savepoint could not be undone: the outer commit() must fail
    // Keys the outer transaction holds (lock_keys at depth 1), sorted.
    std::vector<std::pair<std::int32_t, std::int32_t>> held_keys_;
};

}  // namespace latchkey
