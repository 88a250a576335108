#include "core/auth/challenges.hpp"

#include <sodium.h>

#include <vector>

#include "core/auth/accounts.hpp"
#include "core/crypto/jwt.hpp"

namespace latchkey {

std::string Challenges::keyed_hash(std::string_view kind, std::string_view value) const {
    const std::string message = std::string(kind) + ":" + std::string(value);
    return keys_.one_time_digest(message);
}

Result<OpenedChallenge> Challenges::open(std::string_view site, std::int64_t account_id,
                                         std::string_view purpose, bool with_code, std::int64_t ttl,
                                         std::int64_t now) {
    OpenedChallenge opened;
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    opened.session =
        jwt::base64url_encode(std::string_view(reinterpret_cast<char*>(raw), sizeof raw));
    if (with_code) {
        for (int i = 0; i < policy_.length; ++i) {
            opened.code += static_cast<char>('0' + randombytes_uniform(10));  // unbiased
        }
    }
    const std::string session_hash = keyed_hash("session", opened.session);
    auto tx = store_.begin();
    if (!tx) return tx.error();
    auto insert = store_.prepare(
        "INSERT INTO auth_challenges(session_hash, site, account_id, purpose, code_hash, "
        "created_at, "
        "expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!insert) return insert.error();
    insert->bind(1, session_hash)
        .bind(2, site)
        .bind(3, account_id)
        .bind(4, purpose)
        .bind_optional(5, with_code
                              ? std::optional<std::string>(code_hash(session_hash, opened.code))
                              : std::nullopt)
        .bind(6, now)
        .bind(7, now + ttl);
    if (auto r = insert->run(); !r) return r.error();
    // Steps with a code are kept a day, so a late answer is told "expired", not "unknown"; steps
    // without one (which anyone may open, unlimited) go as soon as they expire.
    auto purge = store_.prepare(
        "DELETE FROM auth_challenges WHERE session_hash IN (SELECT session_hash FROM "
        "auth_challenges WHERE expires_at <= ?2 AND (expires_at <= ?1 OR code_hash IS NULL) "
        "ORDER BY expires_at LIMIT 50 FOR UPDATE SKIP LOCKED)");
    if (!purge) return purge.error();
    purge->bind(1, now - 86400).bind(2, now);
    if (auto r = purge->run(); !r) return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    return opened;
}

// A code's hash includes its step's session hash: a code only ever answers the step it was sent
// for, whichever way the step is found.
std::string Challenges::code_hash(const std::string& session_hash, std::string_view code) const {
    return keyed_hash("code", session_hash + ":" + std::string(code));
}

Result<std::int64_t> Challenges::attempt(const std::string& session_hash, std::string_view site,
                                         std::int64_t account_id, std::string_view purpose,
                                         std::string_view code, std::int64_t now) {
    auto tx = store_.begin();
    if (!tx) return tx.error();
    // One account's answers take turns (its row first: the lock order), so a code signs in once
    // and no more than max_attempts wrong ones are heard.
    if (auto r = lock_callers_account(store_, account_id); !r) return r.error();
    std::int64_t expires_at = 0, attempts = 0;
    std::string stored;
    bool closed = false;
    {
        auto find = store_.prepare(
            "SELECT expires_at, attempts, code_hash, closed_at IS NOT NULL FROM auth_challenges "
            "WHERE session_hash = ?1 AND site = ?2 AND purpose = ?3 AND account_id = ?4");
        if (!find) return find.error();
        find->bind(1, session_hash).bind(2, site).bind(3, purpose).bind(4, account_id);
        auto row = find->step();
        if (!row) return row.error();
        if (!*row) return make_error(Errc::invalid_token, "unknown session");
        expires_at = find->column_int(0);
        attempts = find->column_int(1);
        stored = find->column_text(2);
        closed = find->column_int(3) != 0;
    }
    if (closed) return make_error(Errc::invalid_token, "session closed");
    if (expires_at <= now) return make_error(Errc::expired, "code expired");
    const std::string presented = code_hash(session_hash, code);
    if (!stored.empty() && presented.size() == stored.size() &&
        sodium_memcmp(presented.data(), stored.data(), stored.size()) == 0) {
        if (auto r = close_open(account_id, purpose, now); !r) return r.error();
        if (auto r = tx->commit(); !r) return r.error();
        return account_id;
    }
    auto miss = store_.prepare(
        "UPDATE auth_challenges SET attempts = attempts + 1, "
        "closed_at = CASE WHEN attempts + 1 >= ?3 THEN ?2 ELSE closed_at END WHERE session_hash = "
        "?1");
    if (!miss) return miss.error();
    miss->bind(1, session_hash).bind(2, now).bind(3, std::int64_t{policy_.max_attempts});
    if (auto r = miss->run(); !r) return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    return make_error(Errc::code_mismatch, std::to_string(attempts + 1) + " wrong code(s)");
}

Result<std::int64_t> Challenges::answer(const GuessPass&, std::string_view site,
                                        std::int64_t account_id, std::string_view purpose,
                                        std::string_view session, std::string_view code,
                                        std::int64_t now) {
    if (session.empty() || session.size() > 256) return make_error(Errc::invalid_token, "session");
    return attempt(keyed_hash("session", session), site, account_id, purpose, code, now);
}

Result<void> Challenges::close_open(std::int64_t account_id, std::string_view purpose,
                                    std::int64_t now) {
    auto close = store_.prepare(
        "UPDATE auth_challenges SET closed_at = ?3 WHERE account_id = ?1 AND purpose = ?2 AND "
        "closed_at IS NULL");
    if (!close) return close.error();
    close->bind(1, account_id).bind(2, purpose).bind(3, now);
    return close->run();
}

Result<std::int64_t> Challenges::answer_latest(const GuessPass&, std::string_view site,
                                               std::int64_t account_id, std::string_view purpose,
                                               std::string_view code, std::int64_t now) {
    auto tx = store_.begin();
    if (!tx) return tx.error();
    // One account's answers take turns (its row first: the lock order), so a code signs in once
    // and no more than max_attempts wrong ones are heard.
    if (auto r = lock_callers_account(store_, account_id); !r) return r.error();
    struct Open {
        std::string session_hash, code_hash;
    };
    std::vector<Open> open;
    {
        // Bounded by the sending limits: each open step with a code is one code sent.
        auto find = store_.prepare(
            "SELECT session_hash, code_hash FROM auth_challenges WHERE account_id = ?1 AND site = "
            "?2 AND purpose = ?3 AND closed_at IS NULL AND expires_at > ?4 AND code_hash IS NOT "
            "NULL ORDER BY created_at DESC LIMIT 100");
        if (!find) return find.error();
        find->bind(1, account_id).bind(2, site).bind(3, purpose).bind(4, now);
        auto rows = find->collect([](Statement& row) {
            return Open{row.column_text(0), row.column_text(1)};
        });
        if (!rows) return rows.error();
        open = std::move(*rows);
    }
    if (open.empty()) return make_error(Errc::expired, "no open code");
    for (const auto& step : open) {
        const std::string presented = code_hash(step.session_hash, code);
        if (presented.size() == step.code_hash.size() &&
            sodium_memcmp(presented.data(), step.code_hash.data(), presented.size()) == 0) {
            if (auto r = close_open(account_id, purpose, now); !r) return r.error();
            if (auto r = tx->commit(); !r) return r.error();
            return account_id;
        }
    }
    // Wrong codes are counted (for operators) but close nothing: this call needs only the
    // username, so anyone may make it, and closing on strangers' wrong codes would let them end
    // every code the owner is sent. Guessing is bounded by the guess throttle, which counted this
    // try per (account, network), per network and per account before it was checked.
    auto miss = store_.prepare(
        "UPDATE auth_challenges SET attempts = attempts + 1 "
        "WHERE account_id = ?1 AND site = ?2 AND purpose = ?3 AND closed_at IS NULL AND "
        "expires_at > ?4");
    if (!miss) return miss.error();
    miss->bind(1, account_id).bind(2, site).bind(3, purpose).bind(4, now);
    if (auto r = miss->run(); !r) return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    return make_error(Errc::code_mismatch, "wrong code");
}

Result<std::int64_t> Challenges::take(std::string_view site, std::string_view purpose,
                                      std::string_view session, std::int64_t now) {
    const std::string session_hash = keyed_hash("session", session);
    auto tx = store_.begin();
    if (!tx) return tx.error();
    std::int64_t account_id = 0;
    {
        auto find = store_.prepare(
            "SELECT account_id FROM auth_challenges WHERE session_hash = ?1 AND site = ?2 AND "
            "purpose = ?3 AND closed_at IS NULL AND expires_at > ?4");
        if (!find) return find.error();
        find->bind(1, session_hash).bind(2, site).bind(3, purpose).bind(4, now);
        auto row = find->step();
        if (!row) return row.error();
        if (!*row) return make_error(Errc::invalid_token, "unknown, closed or expired session");
        account_id = find->column_int(0);
    }
    // Conditional: of two takes of one step, the one that waited finds it closed.
    auto close = store_.prepare(
        "UPDATE auth_challenges SET closed_at = ?2 WHERE session_hash = ?1 AND closed_at IS NULL");
    if (!close) return close.error();
    close->bind(1, session_hash).bind(2, now);
    if (auto r = close->run(); !r) return r.error();
    if (close->changes() != 1) return make_error(Errc::invalid_token, "session taken");
    if (auto r = tx->commit(); !r) return r.error();
    return account_id;
}

Result<std::int64_t> Challenges::holder(std::string_view site, std::string_view purpose,
                                        std::string_view session, std::int64_t now) {
    if (session.empty() || session.size() > 256) return make_error(Errc::invalid_token, "session");
    auto find = store_.prepare(
        "SELECT account_id FROM auth_challenges WHERE session_hash = ?1 AND site = ?2 AND "
        "purpose = ?3 AND closed_at IS NULL AND expires_at > ?4");
    if (!find) return find.error();
    find->bind(1, keyed_hash("session", session)).bind(2, site).bind(3, purpose).bind(4, now);
    auto row = find->step();
    if (!row) return row.error();
    if (!*row) return make_error(Errc::invalid_token, "unknown, closed or expired session");
    return find->column_int(0);
}

Result<std::int64_t> Challenges::answer_with(
    const GuessPass&, std::string_view site, std::string_view purpose, std::string_view session,
    std::int64_t now, const std::function<Result<void>(std::int64_t account)>& check) {
    if (session.empty() || session.size() > 256) return make_error(Errc::invalid_token, "session");
    const std::string session_hash = keyed_hash("session", session);
    auto tx = store_.begin();
    if (!tx) return tx.error();
    // Closing first, in the transaction: of two right answers racing, one closes the step.
    auto close = store_.prepare(
        "UPDATE auth_challenges SET closed_at = ?5 WHERE session_hash = ?1 AND site = ?2 AND "
        "purpose = ?3 AND closed_at IS NULL AND expires_at > ?4");
    if (!close) return close.error();
    close->bind(1, session_hash).bind(2, site).bind(3, purpose).bind(4, now).bind(5, now);
    if (auto r = close->run(); !r) return r.error();
    if (close->changes() == 0) return make_error(Errc::invalid_token, "unknown, closed or expired");
    std::int64_t account_id = 0;
    {
        auto find = store_.prepare(
            "SELECT account_id, attempts FROM auth_challenges WHERE session_hash = ?1");
        if (!find) return find.error();
        find->bind(1, session_hash);
        auto row = find->step();
        if (!row) return row.error();
        if (!*row) return make_error(Errc::invalid_token, "gone");
        account_id = find->column_int(0);
    }
    if (auto checked = check(account_id); !checked) {
        if (checked.error().code != Errc::code_mismatch) return checked.error();
        auto miss = store_.prepare(
            "UPDATE auth_challenges SET attempts = attempts + 1, closed_at = CASE WHEN attempts + "
            "1 >= ?2 THEN closed_at ELSE NULL END WHERE session_hash = ?1");
        if (!miss) return miss.error();
        miss->bind(1, session_hash).bind(2, std::int64_t{policy_.max_attempts});
        if (auto r = miss->run(); !r) return r.error();
        if (auto r = tx->commit(); !r) return r.error();
        return checked.error();
    }
    if (auto r = tx->commit(); !r) return r.error();
    return account_id;
}

}  // namespace latchkey
