#include "core/store/postgres_store.hpp"

#include "core/base/per_process.hpp"
#include "core/store/pq_library.hpp"
#include "core/store/sql_quotes.hpp"

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <span>
#include <unordered_map>

namespace latchkey {
namespace {

// libpq, once open_postgres_store has loaded it: nothing else here runs before that.
const PqLibrary& pq() {
    static const PqLibrary* const library = [] {
        std::string ignored;
        return load_pq(ignored);
    }();
    return *library;
}

constexpr Oid kInt8 = 20;
constexpr Oid kText = 25;
constexpr Oid kBytea = 17;
// How each turn begins. Narrow writers take no lock at BEGIN: what they exclude is in their own
// statements. The constant key ("latchkey" in ASCII, truncated) is taken exclusively by
// migrations and, with WriteLock::global, by every writer, the cluster-wide write lock of releases
// before narrow locks: global hosts exclude each other, those releases' hosts and migrations. The
// BEGIN is sent with the transaction's first statement, in one round trip (libpq's pipeline
// mode), or, with an older libpq, on its own.
constexpr const char* kBegin = "BEGIN ISOLATION LEVEL READ COMMITTED";
constexpr const char* kLockExclusive = "SELECT pg_advisory_xact_lock(7809644229187373)";

struct ConnectionCloser {
    void operator()(PGconn* c) const { pq().finish(c); }
};

// One server connection, and the statements prepared on it so far (server-side prepared
// statements live as long as the connection): core's statements are few and fixed, so each is
// parsed and planned once per connection instead of once per execution.
struct Session {
    std::unique_ptr<PGconn, ConnectionCloser> conn;
    std::unordered_map<const char*, std::string> prepared;  // core's SQL text -> statement name
    PGconn* get() const { return conn.get(); }
};
using Connection = std::unique_ptr<Session>;

struct ResultClearer {
    void operator()(PGresult* r) const { pq().clear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultClearer>;

// What a failed call means to a client: the server is away (503), it is contended (503 too,
// with another message), or the statement itself is wrong.
Error postgres_error(PGconn* conn, const PGresult* result, const char* what) {
    std::string message = result ? pq().result_error_message(result) : pq().error_message(conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
        message.pop_back();
    }
    const char* state = result ? pq().result_error_field(result, PG_DIAG_SQLSTATE) : nullptr;
    const std::string_view code = state ? state : "";
    Errc errc = Errc::storage;
    if (pq().status(conn) != CONNECTION_OK || code.starts_with("08") || code.starts_with("57P") ||
        code.starts_with("53")) {
        errc = Errc::unavailable;
    } else if (code == "40001" || code == "40P01" || code == "55P03" || code == "23505") {
        // Contended: a lock wait ran out, or (never expected: every rule locks before it checks)
        // a deadlock or a uniqueness race was lost. The client may try again.
        errc = Errc::busy;
    }
    return make_error(errc, std::string(what) + ": " + message);
}

// The connections of one process to one database: at most `size`, borrowed and given back.
class Pool {
  public:
    Pool(std::string url, int size, int wait_ms)
        : url_(std::move(url)), size_(size), wait_ms_(wait_ms) {}

    Result<Connection> borrow() {
        std::unique_lock lock(mutex_);
        for (;;) {
            const bool ready = available_.wait_for(lock, std::chrono::milliseconds(wait_ms_),
                                                   [&] { return !idle_.empty() || open_ < size_; });
            if (!ready) return make_error(Errc::busy, "no database connection free");
            if (idle_.empty()) break;
            Connection conn = std::move(idle_.back());
            idle_.pop_back();
            // A server that restarted closed this socket: reading says so without a round trip.
            if (pq().consume_input(conn->get()) == 1 && pq().status(conn->get()) == CONNECTION_OK) {
                return conn;
            }
            --open_;
        }
        ++open_;  // a slot for a new connection, opened without holding the lock
        lock.unlock();
        Connection conn = connect();
        if (pq().status(conn->get()) != CONNECTION_OK) {
            Error error = postgres_error(conn->get(), nullptr, "connect");
            give_back(nullptr);
            return make_error(Errc::unavailable, error.detail);
        }
        return conn;
    }

    // A connection comes back idle, or (broken, or inside a transaction) is closed.
    void give_back(Connection conn) {
        std::lock_guard lock(mutex_);
        if (conn && pq().status(conn->get()) == CONNECTION_OK &&
            pq().transaction_status(conn->get()) == PQTRANS_IDLE) {
            idle_.push_back(std::move(conn));
        } else {
            --open_;
        }
        available_.notify_one();
    }

  private:
    Connection connect() {
        // The URL's own settings come after these defaults, so it can override them.
        const std::string lock_timeout = "-c lock_timeout=" + std::to_string(wait_ms_);
        const char* keys[] = {"connect_timeout", "application_name", "options", "dbname", nullptr};
        const char* values[] = {"3", "latchkey", lock_timeout.c_str(), url_.c_str(), nullptr};
        auto conn = std::make_unique<Session>();
        conn->conn.reset(pq().connectdb_params(keys, values, /*expand_dbname=*/1));
        if (pq().status(conn->get()) == CONNECTION_OK) {
            PgResult quiet(pq().exec(conn->get(), "SET client_min_messages = warning"));
        }
        return conn;
    }

    const std::string url_;
    const int size_;
    const int wait_ms_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<Connection> idle_;
    int open_ = 0;
};

// One execution's parameters, as libpq takes them.
struct Parameters {
    int count;
    const Oid* types;
    const char* const* values;
    const int* lengths;
    const int* formats;
};

class PostgresStore;

class PostgresStatement final : public StatementBackend {
  public:
    PostgresStatement(PostgresStore& store, const char* sql)
        : store_(store), key_(sql), sql_(postgres_placeholders(sql, &parameters_)) {
        values_.resize(static_cast<std::size_t>(parameters_));
        types_.assign(static_cast<std::size_t>(parameters_), 0);
        formats_.assign(static_cast<std::size_t>(parameters_), 0);
        lengths_.assign(static_cast<std::size_t>(parameters_), 0);
        pointers_.assign(static_cast<std::size_t>(parameters_), nullptr);
    }

    void bind_text(int index, std::string_view text) override { set(index, text, kText, 0); }
    void bind_int(int index, std::int64_t value) override {
        set(index, std::to_string(value), kInt8, 0);
    }
    void bind_blob(int index, std::string_view bytes) override { set(index, bytes, kBytea, 1); }
    void bind_null(int index) override {
        if (auto* slot = at(index)) {
            slot->reset();
            types_[static_cast<std::size_t>(index - 1)] = 0;
        }
    }

    Result<bool> step() override;

    bool column_is_null(int col) const override {
        return pq().getisnull(result_.get(), row_, col) == 1;
    }
    std::int64_t column_int(int col) const override {
        const char* text = pq().getvalue(result_.get(), row_, col);
        if (text[0] == 't' && text[1] == '\0') return 1;  // a boolean expression's value
        if (text[0] == 'f' && text[1] == '\0') return 0;
        return std::strtoll(text, nullptr, 10);
    }
    std::string column_text(int col) const override {
        const char* text = pq().getvalue(result_.get(), row_, col);
        if (pq().ftype(result_.get(), col) != kBytea) {
            return std::string(text,
                               static_cast<std::size_t>(pq().getlength(result_.get(), row_, col)));
        }
        std::size_t length = 0;
        unsigned char* bytes =
            pq().unescape_bytea(reinterpret_cast<const unsigned char*>(text), &length);
        std::string out(reinterpret_cast<const char*>(bytes), length);
        pq().freemem(bytes);
        return out;
    }
    int changes() const override { return changes_; }
    void release() override {
        for (auto& v : values_) v.reset();
        std::fill(types_.begin(), types_.end(), 0);
        std::fill(formats_.begin(), formats_.end(), 0);
        result_.reset();
        row_ = -1;
        changes_ = 0;
    }

  private:
    std::optional<std::string>* at(int index) {
        if (index < 1 || index > parameters_) return nullptr;  // as SQLite: ignored
        return &values_[static_cast<std::size_t>(index - 1)];
    }
    void set(int index, std::string_view value, Oid type, int format) {
        if (auto* slot = at(index)) {
            *slot = std::string(value);
            types_[static_cast<std::size_t>(index - 1)] = type;
            formats_[static_cast<std::size_t>(index - 1)] = format;
        }
    }

    PostgresStore& store_;
    const char* const key_;  // core's text, which names the statement on each connection
    int parameters_ = 0;
    const std::string sql_;
    std::vector<std::optional<std::string>> values_;
    std::vector<Oid> types_;
    std::vector<int> formats_;
    std::vector<int> lengths_;
    std::vector<const char*> pointers_;  // into values_, for libpq
    PgResult result_;
    int row_ = -1;
    int changes_ = 0;
};

class PostgresStore final : public Store {
  public:
    PostgresStore(std::shared_ptr<Pool> pool, WriteLock write_lock)
        : pool_(std::move(pool)), write_lock_(write_lock) {}
    ~PostgresStore() override { rollback_transaction(); }

    Dialect dialect() const override { return Dialect::postgresql; }

    Result<Statement> prepare(const char* sql) override {
        auto it = cache_.find(sql);
        if (it == cache_.end()) {
            it = cache_.emplace(sql, std::make_unique<PostgresStatement>(*this, sql)).first;
        }
        return Statement(it->second.get());
    }

    Result<void> exec(const char* sql) override {
        auto result = run([&](Session& conn) { return pq().exec(conn.get(), sql); }, "exec");
        if (!result) return result.error();
        return {};
    }

    // Runs `call` on the transaction's connection (its BEGIN sent first, when still to be sent),
    // or on one borrowed for this call only.
    template <class Call>
    Result<PgResult> run(Call call, const char* what) {
        Connection borrowed;
        Session* conn = transaction_.get();
        if (conn == nullptr) {
            auto got = pool_->borrow();
            if (!got) return got.error();
            borrowed = std::move(*got);
            conn = borrowed.get();
        } else if (auto begun = send_begin(); !begun) {
            return begun.error();
        }
        PgResult result(call(*conn));
        Result<PgResult> out =
            succeeded(result.get())
                ? Result<PgResult>(std::move(result))
                : Result<PgResult>(postgres_error(conn->get(), result.get(), what));
        if (borrowed) pool_->give_back(std::move(borrowed));
        return out;
    }

    // Executes one of core's statements, prepared on the connection the first time it runs there.
    // The first statement of a transaction carries the BEGIN with it.
    Result<PgResult> execute(const char* key, const std::string& sql, const Parameters& p) {
        if (transaction_ && begin_pending_ && pq().pipelines()) return execute_first(key, sql, p);
        return run(
            [&](Session& conn) -> PGresult* {
                const StatementName statement = statement_name(conn, key);
                if (statement.unprepared) {
                    PgResult made(pq().prepare(conn.get(), statement.name.c_str(), sql.c_str(),
                                               p.count, p.types));
                    if (pq().result_status(made.get()) != PGRES_COMMAND_OK) return made.release();
                    conn.prepared.emplace(key, statement.name);
                }
                return pq().exec_prepared(conn.get(), statement.name.c_str(), p.count, p.values,
                                          p.lengths, p.formats, /*text results*/ 0);
            },
            "query");
    }

  protected:
    bool backend_locks_rows() const override { return true; }
    Result<void> begin_transaction(Turn turn) override {
        if (transaction_) {
            return make_error(Errc::storage, "cannot start a transaction within a transaction");
        }
        auto got = pool_->borrow();
        if (!got) return got.error();
        transaction_ = std::move(*got);
        const bool global =
            turn == Turn::exclusive || (turn == Turn::writer && write_lock_ == WriteLock::global);
        begin_lock_ = global ? kLockExclusive : nullptr;
        begin_pending_ = true;
        begin_failed_.reset();
        return {};
    }
    Result<void> commit_transaction() override {
        if (begin_failed_) return *begin_failed_;
        if (!begin_pending_) {  // a transaction that ran no statement has nothing to commit
            PgResult done(pq().exec(transaction_->get(), "COMMIT"));
            if (pq().result_status(done.get()) != PGRES_COMMAND_OK) {
                return postgres_error(transaction_->get(), done.get(), "commit");
            }
        }
        begin_pending_ = false;
        pool_->give_back(std::move(transaction_));
        return {};
    }
    void rollback_transaction() override {
        if (!transaction_) return;
        if (!begin_pending_) PgResult r(pq().exec(transaction_->get(), "ROLLBACK"));
        begin_pending_ = false;
        begin_failed_.reset();
        pool_->give_back(std::move(transaction_));
    }

  private:
    static bool succeeded(const PGresult* result) {
        const auto status = result ? pq().result_status(result) : PGRES_FATAL_ERROR;
        return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    }
    // A statement's name on a connection ("lk" and a number: short enough to need no
    // allocation), and whether it must be prepared there before it runs.
    struct StatementName {
        std::string name;
        bool unprepared;
    };
    static StatementName statement_name(const Session& conn, const char* key) {
        if (auto known = conn.prepared.find(key); known != conn.prepared.end()) {
            return {known->second, false};
        }
        return {"lk" + std::to_string(conn.prepared.size() + 1), true};
    }

    // The transaction's BEGIN (and its lock), when not sent yet, as one query of its own.
    Result<void> send_begin() {
        if (begin_failed_) return *begin_failed_;
        if (!begin_pending_) return {};
        begin_pending_ = false;
        const std::string sql =
            begin_lock_ ? std::string(kBegin) + "; " + begin_lock_ : std::string(kBegin);
        // With several statements PQexec answers the last one's result, and stops at the first
        // that fails.
        PgResult begun(pq().exec(transaction_->get(), sql.c_str()));
        if (!succeeded(begun.get())) {
            begin_failed_ = postgres_error(transaction_->get(), begun.get(), "begin");
            return *begin_failed_;
        }
        return {};
    }

    // The transaction's first statement and its BEGIN in one round trip: BEGIN, the lock, the
    // statement's PREPARE when new on this connection and its execution, then one Sync. A failed
    // command makes the server skip the rest up to the Sync; the first failure is the answer, and
    // a failed BEGIN or lock is the answer of every later statement of the transaction too.
    Result<PgResult> execute_first(const char* key, const std::string& sql, const Parameters& p) {
        begin_pending_ = false;
        Session& conn = *transaction_;
        PGconn* c = conn.get();
        const StatementName statement = statement_name(conn, key);
        auto send = [&](const char* query) {
            return pq().send_query_params(c, query, 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
        };
        const bool sent =
            pq().enter_pipeline_mode(c) == 1 && send(kBegin) &&
            (!begin_lock_ || send(begin_lock_)) &&
            (!statement.unprepared ||
             pq().send_prepare(c, statement.name.c_str(), sql.c_str(), p.count, p.types) == 1) &&
            pq().send_query_prepared(c, statement.name.c_str(), p.count, p.values, p.lengths,
                                     p.formats, 0) == 1 &&
            pq().pipeline_sync(c) == 1;
        if (!sent) {
            begin_failed_ = postgres_error(c, nullptr, "begin");
            conn.conn.reset();  // half a pipeline: the connection is not reused
            return *begin_failed_;
        }
        enum Command { kBeginCommand, kLockCommand, kPrepareCommand, kExecuteCommand };
        std::array<Command, 4> commands{kBeginCommand};
        std::size_t sent_commands = 1;
        if (begin_lock_) commands[sent_commands++] = kLockCommand;
        if (statement.unprepared) commands[sent_commands++] = kPrepareCommand;
        commands[sent_commands++] = kExecuteCommand;
        std::optional<Error> failure;
        PgResult answer;
        for (const Command command : std::span(commands.data(), sent_commands)) {
            PgResult result(pq().get_result(c));
            if (!result) {  // the connection broke
                failure = postgres_error(c, nullptr, "query");
                break;
            }
            while (PgResult(pq().get_result(c))) {}  // each command's results end with a null
            const auto status = pq().result_status(result.get());
            if (status == PGRES_PIPELINE_ABORTED) continue;  // after the failure already kept
            if (!succeeded(result.get())) {
                const bool opening = command == kBeginCommand || command == kLockCommand;
                failure = postgres_error(c, result.get(), opening ? "begin" : "query");
                if (opening) begin_failed_ = failure;
                continue;
            }
            if (command == kPrepareCommand) conn.prepared.emplace(key, statement.name);
            if (command == kExecuteCommand) answer = std::move(result);
        }
        PgResult sync(pq().get_result(c));
        if (!sync || pq().result_status(sync.get()) != PGRES_PIPELINE_SYNC ||
            pq().exit_pipeline_mode(c) != 1) {
            if (!failure) failure = postgres_error(c, nullptr, "query");
            if (!begin_failed_) begin_failed_ = failure;
            conn.conn.reset();
        }
        if (failure) return *failure;
        return answer;
    }

    std::shared_ptr<Pool> pool_;
    const WriteLock write_lock_;
    Connection transaction_;             // borrowed from begin() to COMMIT or ROLLBACK
    bool begin_pending_ = false;         // its BEGIN not sent yet: goes with the first statement
    const char* begin_lock_ = nullptr;   // the constant key's lock the BEGIN takes, if any
    std::optional<Error> begin_failed_;  // its BEGIN or lock failed: every statement's answer
    std::unordered_map<const char*, std::unique_ptr<PostgresStatement>> cache_;
};

Result<bool> PostgresStatement::step() {
    if (!result_) {
        for (std::size_t i = 0; i < values_.size(); ++i) {
            pointers_[i] = values_[i] ? values_[i]->data() : nullptr;
            lengths_[i] = values_[i] ? static_cast<int>(values_[i]->size()) : 0;
        }
        // Typed by the first execution's values on a connection (a NULL leaves its type to the
        // server): core binds each parameter of a statement with one C++ type.
        auto result = store_.execute(key_, sql_,
                                     Parameters{parameters_, types_.data(), pointers_.data(),
                                                lengths_.data(), formats_.data()});
        if (!result) return result.error();
        result_ = std::move(*result);
        changes_ = std::atoi(pq().cmd_tuples(result_.get()));
        row_ = -1;
    }
    ++row_;
    return row_ < pq().ntuples(result_.get());
}

}  // namespace

std::string postgres_placeholders(std::string_view sql, int* highest_parameter) {
    std::string out;
    out.reserve(sql.size());
    int highest = 0;
    SqlQuotes quotes;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (quotes.outside(c) && c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' &&
            sql[i + 1] <= '9') {
            int n = 0;
            std::size_t j = i + 1;
            for (; j < sql.size() && sql[j] >= '0' && sql[j] <= '9'; ++j)
                n = n * 10 + (sql[j] - '0');
            out += '$';
            out.append(sql.substr(i + 1, j - i - 1));
            highest = std::max(highest, n);
            i = j - 1;
            continue;
        }
        out += c;
    }
    if (highest_parameter) *highest_parameter = highest;
    return out;
}

Result<std::unique_ptr<Store>> open_postgres_store(const StoreOptions& options) {
    std::string why;
    if (load_pq(why) == nullptr) return make_error(Errc::storage, why);
    // One pool per database URL, shared by the Stores of every thread.
    auto pool = per_process<Pool>(options.path, [&] {
        return std::make_shared<Pool>(options.path, std::max(options.pool_size, 1),
                                      options.busy_timeout_ms);
    });
    auto store = std::make_unique<PostgresStore>(std::move(pool), options.write_lock);
    // Reach the server once now, so a wrong URL or an absent server is said at start.
    if (auto r = store->exec("SELECT 1"); !r) return r.error();
    return std::unique_ptr<Store>(std::move(store));
}

}  // namespace latchkey
