#pragma once
// The PostgreSQL backend of the store (`database = postgresql://...`), for many hosts sharing one
// database. Each process keeps a bounded pool of connections (StoreOptions::pool_size), shared by
// its threads: a statement outside a transaction borrows a connection for its own execution, a
// transaction keeps one until COMMIT or ROLLBACK. A connection the server closed (a restart) is
// noticed when it is borrowed and replaced; while the server cannot be reached every call fails
// with Errc::unavailable (503), and nothing is half-written: a transaction either commits or not.
// Write transactions run under READ COMMITTED and lock only what their rule concerns (rows, or
// advisory keys by Store::lock_keys), in the order docs/scaling.md writes down; with
// `database_write_lock = global` they take turns across every host instead, as SQLite's single
// writer does.
#include "core/store/store.hpp"

namespace latchkey {

Result<std::unique_ptr<Store>> open_postgres_store(const StoreOptions& options);

// `?1`, `?2`, ... outside quoted strings and identifiers become `$1`, `$2`, ...: core writes
// SQLite's spelling. A bare `?` is left as it is (core numbers every parameter).
std::string postgres_placeholders(std::string_view sql, int* highest_parameter = nullptr);

}  // namespace latchkey
