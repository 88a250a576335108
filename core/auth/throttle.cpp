#include "core/auth/throttle.hpp"

#include <algorithm>

#include "core/base/log.hpp"

namespace latchkey {
namespace {

struct Bucket {
    std::string key;
    std::string_view scope;
    std::int64_t free = 0;                   // failures before locks begin
    std::int64_t max_lock = 0;               // longest single lock
    std::optional<GuessPass::State> before;  // as stored; none when absent or expired
};

// The lock after the `failures`th failure: none within the free allowance, then first_lock,
// doubling, capped.
std::int64_t lock_after(std::int64_t failures, std::int64_t free, std::int64_t first,
                        std::int64_t cap) {
    if (failures < free) return 0;
    const std::int64_t doublings = std::min<std::int64_t>(failures - free, 40);
    const std::int64_t limit = std::max<std::int64_t>(cap, 1);
    std::int64_t lock = std::max<std::int64_t>(first, 1);
    for (std::int64_t i = 0; i < doublings && lock < limit; ++i) lock *= 2;
    return std::min(lock, limit);
}

}  // namespace

void GuessBudget::arm(Store& store, const KeyRing& keys, const GuessPolicy& policy,
                      std::string_view klass, std::string_view site, std::string_view network) {
    store_ = &store;
    keys_ = &keys;
    policy_ = policy;
    klass_ = klass;
    site_ = site;
    network_ = network;
    retry_after_ = 0;
}

std::string GuessBudget::bucket(std::string_view scope, std::string_view account) const {
    // The account-wide bucket is the one that spans networks.
    const std::string_view network = scope == "account" ? std::string_view() : network_;
    // Length-prefixed parts, so no choice of email or address can make two buckets collide.
    std::string message;
    for (std::string_view part :
         {scope, std::string_view(klass_), std::string_view(site_), account, network}) {
        message += std::to_string(part.size()) + ":" + std::string(part) + "|";
    }
    return keys_->one_time_digest(message);
}

Result<std::int64_t> GuessBudget::network_wait(std::int64_t now) {
    if (!armed()) return make_error(Errc::invalid_argument, "no throttle declared for this route");
    auto stmt = store_->prepare("SELECT locked_until FROM guess_buckets WHERE bucket_key = ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, bucket("network", ""));
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return std::int64_t{0};
    return std::max<std::int64_t>(stmt->column_int(0) - now, 0);
}

Result<void> GuessBudget::ready() const {
    if (!armed()) return make_error(Errc::invalid_argument, "no throttle declared for this route");
    // Inside a caller's transaction its rollback would undo what this writes: a count that never
    // lands is a free guess, a cancel that never lands charges a guess nobody made.
    if (store_->in_transaction()) {
        // A handler's mistake, not a client's: said in the log, since callers of cancel ignore it.
        log_event(LogLevel::error, "guess throttle used inside a transaction", {{"class", klass_}});
        return make_error(Errc::invalid_argument, "guesses are counted outside any transaction");
    }
    return {};
}

Result<GuessPass> GuessBudget::reserve(std::string_view account, std::int64_t now) {
    if (auto usable = ready(); !usable) return usable.error();
    const bool has_account = !account.empty();
    std::vector<Bucket> counted;
    counted.push_back(
        {bucket("network", ""), "network", policy_.network_free, policy_.max_lock, {}});
    if (has_account) {
        counted.push_back(
            {bucket("pair", account), "pair", policy_.pair_free, policy_.max_lock, {}});
        counted.push_back({bucket("account", account),
                           "account",
                           policy_.account_free,
                           policy_.account_max_lock,
                           {}});
    }
    const std::string known = has_account ? bucket("known", account) : std::string();

    bool known_network = false;
    // The guess's buckets as stored, and how long the longest lock among them has to run.
    const auto load = [&]() -> Result<std::int64_t> {
        known_network = false;
        for (auto& b : counted) b.before.reset();
        auto read = store_->prepare(
            "SELECT bucket_key, failures, locked_until, expires_at FROM guess_buckets "
            "WHERE bucket_key IN (?1, ?2, ?3, ?4) AND expires_at > ?5");
        if (!read) return read.error();
        read->bind(1, counted[0].key)
            .bind(2, has_account ? counted[1].key : counted[0].key)
            .bind(3, has_account ? counted[2].key : counted[0].key)
            .bind(4, has_account ? known : counted[0].key)
            .bind(5, now);
        while (true) {
            auto row = read->step();
            if (!row) return row.error();
            if (!*row) break;
            const std::string key = read->column_text(0);
            if (has_account && key == known) known_network = true;
            for (auto& b : counted) {
                if (b.key == key) {
                    b.before = GuessPass::State{read->column_int(1), read->column_int(2),
                                                read->column_int(3)};
                }
            }
        }
        std::int64_t wait = 0;
        for (const auto& b : counted) {
            // The owner's usual network answers to its own buckets only.
            if (known_network && b.scope == "account") continue;
            if (b.before) wait = std::max(wait, b.before->locked_until - now);
        }
        return wait;
    };
    // A locked client is refused on a plain read, without taking the writer's turn (a refusal
    // writes nothing); the read is made again in the transaction that counts, so parallel
    // guesses cannot pass the limits.
    auto wait = load();
    if (!wait) return wait.error();
    if (*wait > 0) {
        retry_after_ = *wait;
        return make_error(Errc::rate_limited, "guess throttled");
    }
    auto tx = store_->begin();
    if (!tx) return tx.error();
    {  // the guesses of one bucket are counted one after another; other buckets' do not wait
        std::vector<LockKey> keys;
        for (const auto& b : counted) keys.push_back({LockClass::guess_bucket, b.key});
        if (auto r = store_->lock_keys(std::move(keys)); !r) return r.error();
    }
    wait = load();
    if (!wait) return wait.error();
    if (*wait > 0) {
        retry_after_ = *wait;
        return make_error(Errc::rate_limited, "guess throttled");
    }
    if (known_network) counted.pop_back();
    std::vector<GuessPass::Counted> pass;
    std::string locked;  // the scopes this guess starts a lock in
    for (const auto& b : counted) {
        const std::int64_t failures = (b.before ? b.before->failures : 0) + 1;
        const std::int64_t lock = lock_after(failures, b.free, policy_.first_lock, b.max_lock);
        const std::int64_t locked_until = lock > 0 ? now + lock : 0;
        const GuessPass::State after{failures, locked_until,
                                     std::max(now, locked_until) + policy_.forget_after};
        auto write = store_->prepare(
            "INSERT INTO guess_buckets(bucket_key, failures, locked_until, expires_at) "
            "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(bucket_key) DO UPDATE SET "
            "failures = excluded.failures, locked_until = excluded.locked_until, "
            "expires_at = excluded.expires_at");
        if (!write) return write.error();
        write->bind(1, b.key)
            .bind(2, after.failures)
            .bind(3, after.locked_until)
            .bind(4, after.expires_at);
        if (auto r = write->run(); !r) return r.error();
        if (lock > 0) locked += (locked.empty() ? "" : ",") + std::string(b.scope);
        pass.push_back({b.key, b.before, after});
    }
    // Forget what no longer matters, a bounded batch per counted guess.
    auto purge = store_->prepare(
        "DELETE FROM guess_buckets WHERE bucket_key IN (SELECT bucket_key FROM guess_buckets "
        "WHERE expires_at <= ?1 ORDER BY expires_at LIMIT 50 FOR UPDATE SKIP LOCKED)");
    if (!purge) return purge.error();
    purge->bind(1, now);
    if (auto r = purge->run(); !r) return r.error();
    if (!locked.empty() && lock_event_) {
        // One row per lock: a locked client's retries are refused above, before any write.
        AuditEvent e = *lock_event_;
        e.at = now;
        e.event = "lockout";
        if (const auto colon = account.find(':'); colon != std::string_view::npos)
            e.email = std::string(account.substr(colon + 1));
        e.detail = klass_ + ": " + locked;
        if (auto r = AuditLog(*store_).record(e, retention_days_); !r) return r.error();
    }
    if (auto r = tx->commit(); !r) return r.error();
    return GuessPass(std::string(account), std::move(pass));
}

Result<void> GuessBudget::restore(const GuessPass::Counted& c) {
    {
        // Exactly as before, unless another guess has written the bucket since.
        auto back = store_->prepare(
            c.before ? "UPDATE guess_buckets SET failures = ?5, locked_until = ?6, expires_at = ?7 "
                       "WHERE bucket_key = ?1 AND failures = ?2 AND locked_until = ?3 AND "
                       "expires_at = ?4"
                     : "DELETE FROM guess_buckets WHERE bucket_key = ?1 AND failures = ?2 AND "
                       "locked_until = ?3 AND expires_at = ?4");
        if (!back) return back.error();
        back->bind(1, c.key)
            .bind(2, c.after.failures)
            .bind(3, c.after.locked_until)
            .bind(4, c.after.expires_at);
        if (c.before) {
            back->bind(5, c.before->failures)
                .bind(6, c.before->locked_until)
                .bind(7, c.before->expires_at);
        }
        if (auto r = back->run(); !r) return r;
        if (back->changes() > 0) return {};
    }
    // It has: take back this guess's count only; the later guesses' locks are theirs.
    auto less = store_->prepare(
        "UPDATE guess_buckets SET failures = failures - 1 WHERE bucket_key = ?1 AND failures > 0");
    if (!less) return less.error();
    less->bind(1, c.key);
    return less->run();
}

Result<void> GuessBudget::cancel(const GuessPass& pass) {
    if (auto usable = ready(); !usable) return usable.error();
    auto tx = store_->begin();
    if (!tx) return tx.error();
    {
        std::vector<LockKey> keys;
        for (const auto& c : pass.counted_) keys.push_back({LockClass::guess_bucket, c.key});
        if (auto r = store_->lock_keys(std::move(keys)); !r) return r;
    }
    for (const auto& c : pass.counted_) {
        if (auto r = restore(c); !r) return r;
    }
    return tx->commit();
}

Result<void> GuessBudget::succeeded(const GuessPass& pass, std::int64_t now) {
    if (auto usable = ready(); !usable) return usable.error();
    auto tx = store_->begin();
    if (!tx) return tx.error();
    // A right guess takes back its own count on the network, lock and expiry included (a busy
    // NAT signing in is not a stuffing run); every wrong one stays.
    const std::string network = bucket("network", "");
    {
        std::vector<LockKey> keys{{LockClass::guess_bucket, network}};
        if (!pass.account().empty()) {
            for (const char* scope : {"pair", "account", "known"}) {
                keys.push_back({LockClass::guess_bucket, bucket(scope, pass.account())});
            }
        }
        if (auto r = store_->lock_keys(std::move(keys)); !r) return r;
    }
    for (const auto& c : pass.counted_) {
        if (c.key != network) continue;
        if (auto r = restore(c); !r) return r;
    }
    if (!pass.account().empty()) {
        {
            auto clear = store_->prepare("DELETE FROM guess_buckets WHERE bucket_key IN (?1, ?2)");
            if (!clear) return clear.error();
            clear->bind(1, bucket("pair", pass.account()))
                .bind(2, bucket("account", pass.account()));
            if (auto r = clear->run(); !r) return r;
        }
        auto remember = store_->prepare(
            "INSERT INTO guess_buckets(bucket_key, failures, locked_until, expires_at) "
            "VALUES (?1, 0, 0, ?2) ON CONFLICT(bucket_key) DO UPDATE SET expires_at = "
            "excluded.expires_at");
        if (!remember) return remember.error();
        remember->bind(1, bucket("known", pass.account()))
            .bind(2, now + policy_.known_days * 86400);
        if (auto r = remember->run(); !r) return r;
    }
    return tx->commit();
}

}  // namespace latchkey
