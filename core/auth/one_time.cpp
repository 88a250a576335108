#include "core/auth/one_time.hpp"

#include <sodium.h>

#include "core/auth/accounts.hpp"
#include "core/crypto/jwt.hpp"

namespace latchkey {

std::string OneTimeTokens::keyed_hash(std::string_view purpose, std::string_view token) const {
    const std::string message = std::string(purpose) + ":" + std::string(token);
    return keys_.one_time_digest(message);
}

Result<std::string> OneTimeTokens::issue(std::int64_t account_id, std::string_view purpose,
                                         std::int64_t ttl, std::int64_t now,
                                         std::string_view new_email) {
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    std::string token =
        jwt::base64url_encode(std::string_view(reinterpret_cast<char*>(raw), sizeof raw));
    auto tx = store_.begin();
    if (!tx) return tx.error();
    auto insert = store_.prepare(
        "INSERT INTO one_time_tokens(token_hash, purpose, account_id, created_at, expires_at, "
        "new_email) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!insert) return insert.error();
    insert->bind(1, keyed_hash(purpose, token))
        .bind(2, purpose)
        .bind(3, account_id)
        .bind(4, now)
        .bind(5, now + ttl);
    if (new_email.empty()) {
        insert->bind_optional(6, std::nullopt);
    } else {
        insert->bind(6, new_email);
    }
    if (auto r = insert->run(); !r) return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    return token;
}

Result<Redeemed> OneTimeTokens::peek(const GuessPass&, std::string_view purpose,
                                     std::string_view token, std::int64_t now) {
    if (token.empty() || token.size() > 128) return make_error(Errc::invalid_token, "size");
    auto find = store_.prepare(
        "SELECT account_id, used_at IS NOT NULL, COALESCE(new_email, '') FROM one_time_tokens "
        "WHERE token_hash = ?1 AND purpose = ?2 AND expires_at > ?3");
    if (!find) return find.error();
    find->bind(1, keyed_hash(purpose, token)).bind(2, purpose).bind(3, now);
    auto row = find->step();
    if (!row) return row.error();
    if (!*row) return make_error(Errc::invalid_token, "unknown or expired");
    return Redeemed{find->column_int(0), find->column_int(1) != 0, find->column_text(2)};
}

Result<Redeemed> OneTimeTokens::redeem(const GuessPass& counted, std::string_view purpose,
                                       std::string_view token, std::int64_t now) {
    auto tx = store_.begin();
    if (!tx) return tx.error();
    // The account first (the lock order); the token's state is read again after it.
    auto seen = peek(counted, purpose, token, now);
    if (!seen) return seen.error();
    if (auto r = lock_callers_account(store_, seen->account_id); !r) return r.error();
    auto found = store_.locks_rows() ? peek(counted, purpose, token, now) : std::move(seen);
    if (!found) return found.error();
    if (!found->already_used) {
        auto mark = store_.prepare(
            "UPDATE one_time_tokens SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL");
        if (!mark) return mark.error();
        mark->bind(1, keyed_hash(purpose, token)).bind(2, now);
        if (auto r = mark->run(); !r) return r.error();
        // Unreachable while the account's turn holds; should it not, the token is spent once.
        if (mark->changes() != 1) found->already_used = true;
    }
    auto purge = store_.prepare(
        "DELETE FROM one_time_tokens WHERE token_hash IN (SELECT token_hash FROM "
        "one_time_tokens WHERE expires_at <= ?1 ORDER BY expires_at LIMIT 100 FOR UPDATE SKIP "
        "LOCKED)");
    if (!purge) return purge.error();
    purge->bind(1, now);
    if (auto r = purge->run(); !r) return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    return found;
}

Result<void> OneTimeTokens::revoke(std::int64_t account_id, std::string_view purpose) {
    auto drop =
        store_.prepare("DELETE FROM one_time_tokens WHERE account_id = ?1 AND purpose = ?2");
    if (!drop) return drop.error();
    drop->bind(1, account_id).bind(2, purpose);
    return drop->run();
}

Result<bool> OneTimeTokens::live(const GuessPass&, std::string_view purpose, std::string_view token,
                                 std::int64_t now) {
    if (token.empty() || token.size() > 128) return false;
    auto find = store_.prepare(
        "SELECT 1 FROM one_time_tokens WHERE token_hash = ?1 AND purpose = ?2 AND expires_at > ?3 "
        "AND used_at IS NULL");
    if (!find) return find.error();
    find->bind(1, keyed_hash(purpose, token)).bind(2, purpose).bind(3, now);
    return find->step();
}

}  // namespace latchkey
