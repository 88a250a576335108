#pragma once
// The SQLite backend of the store: one Store per thread (connections are not shared), WAL,
// prepared statements cached per connection, writes in BEGIN IMMEDIATE transactions. The
// connections of one process to one database take turns at writing on a mutex before they ask
// SQLite: threads then queue and are woken in turn, instead of polling SQLite's lock with the
// busy handler's sleeps (which cost up to 100 ms per retry and made write latency erratic).
#include "core/store/store.hpp"

namespace latchkey {

Result<std::unique_ptr<Store>> open_sqlite_store(const StoreOptions& options);

// Core writes one SQL text for both dialects, with PostgreSQL's row-locking clauses where a rule
// needs them (`FOR UPDATE SKIP LOCKED`, `FOR NO KEY UPDATE`, `FOR UPDATE`): SQLite has no row
// locks and needs none (its single writer excludes every other), so they are dropped here,
// outside quoted strings and identifiers.
std::string sqlite_spelling(std::string_view sql);

}  // namespace latchkey
