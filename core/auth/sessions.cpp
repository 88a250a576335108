#include "core/auth/sessions.hpp"

#include <atomic>

#include "core/base/email.hpp"
#include "core/crypto/ids.hpp"
#include "core/crypto/seal.hpp"

namespace latchkey {

std::string Sessions::keyed_hash(std::string_view jti) const {
    const std::string message = "refresh:" + std::string(jti);
    return keys_.one_time_digest(message);
}

Result<RefreshGrant> Sessions::add_token(const std::string& family_id, std::int64_t account_id,
                                         std::int64_t family_expires_at, std::int64_t now) {
    RefreshGrant grant{new_hex_id(16), family_id, account_id, now,
                       std::min(now + policy_.family_lifetime, family_expires_at)};
    auto insert = store_.prepare(
        "INSERT INTO refresh_tokens(token_hash, family_id, issued_at, expires_at) "
        "VALUES (?1, ?2, ?3, ?4)");
    if (!insert) return insert.error();
    insert->bind(1, keyed_hash(grant.jti))
        .bind(2, family_id)
        .bind(3, now)
        .bind(4, grant.expires_at);
    if (auto r = insert->run(); !r) return r.error();
    return grant;
}

namespace {

// What a session keeps of a header a client chose: printable ASCII only (a JSON answer and a
// terminal show it as it is), at most `limit` bytes.
std::string printable(std::string_view text, std::size_t limit) {
    std::string kept;
    kept.reserve(std::min(text.size(), limit));
    for (const char ch : text) {
        if (kept.size() == limit) break;
        kept += (ch >= 0x20 && ch < 0x7f) ? ch : '?';
    }
    return kept;
}

constexpr std::size_t kUserAgentMax = 256;
constexpr std::size_t kAddressMax = 64;  // an IPv6 address with its zone fits

}  // namespace

Result<void> Sessions::insert_family(const std::string& family_id, std::string_view site,
                                     std::int64_t account_id, std::int64_t expires_at,
                                     const SessionOrigin& origin, std::int64_t now) {
    {
        auto insert = store_.prepare(
            "INSERT INTO refresh_families(id, site, account_id, created_at, expires_at, "
            "user_agent, address, last_used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?4)");
        if (!insert) return insert.error();
        insert->bind(1, family_id)
            .bind(2, site)
            .bind(3, account_id)
            .bind(4, now)
            .bind(5, expires_at)
            .bind(6, printable(origin.user_agent, kUserAgentMax))
            .bind(7, printable(origin.address, kAddressMax));
        if (auto r = insert->run(); !r) return r.error();
    }
    // Purge a few families that have expired, so the tables do not grow without bound (a revoked
    // one refuses every token and goes when its lifetime ends). In the expiry index's order, so
    // the purge stops at the first live family whatever plan the server keeps for it; families
    // another transaction holds are skipped: a purge never waits, so it never ties one account's
    // sign-in to another's rotation.
    auto purge = store_.prepare(
        "DELETE FROM refresh_families WHERE id IN (SELECT id FROM refresh_families "
        "WHERE expires_at <= ?1 ORDER BY expires_at LIMIT 50 FOR UPDATE SKIP LOCKED)");
    if (!purge) return purge.error();
    purge->bind(1, now);
    return purge->run();
}

Result<RefreshGrant> Sessions::start(std::string_view site, std::int64_t account_id,
                                     std::int64_t now, const SessionOrigin& origin) {
    const std::string family_id = new_hex_id(16);
    const std::int64_t expires_at = now + policy_.family_lifetime;
    auto tx = store_.begin();
    if (!tx) return tx.error();
    if (auto r = insert_family(family_id, site, account_id, expires_at, origin, now); !r) {
        return r.error();
    }
    auto grant = add_token(family_id, account_id, expires_at, now);
    if (!grant) return grant.error();
    if (auto r = forget_old_successors(now); !r) return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    return grant;
}

Result<std::string> Sessions::open(std::string_view site, std::int64_t account_id, std::int64_t now,
                                   const SessionOrigin& origin) {
    std::string family_id = new_hex_id(16);
    auto tx = store_.begin();
    if (!tx) return tx.error();
    if (auto r =
            insert_family(family_id, site, account_id, now + policy_.family_lifetime, origin, now);
        !r) {
        return r.error();
    }
    if (auto r = tx->commit(); !r) return r.error();
    return family_id;
}

Result<RefreshGrant> Sessions::successor(std::string_view family_id, std::int64_t account_id,
                                         const std::optional<std::string>& sealed) {
    // No sealed successor within the grace: the token was rotated before successors were kept.
    if (!sealed) return make_error(Errc::invalid_token, "rotated");
    auto jti = unseal(*sealed, keys_.successor_key());
    if (!jti) return make_error(Errc::invalid_token, "successor does not open");
    auto find = store_.prepare(
        "SELECT issued_at, expires_at FROM refresh_tokens "
        "WHERE token_hash = ?1 AND family_id = ?2");
    if (!find) return find.error();
    find->bind(1, keyed_hash(*jti)).bind(2, family_id);
    auto row = find->step();
    if (!row) return row.error();
    if (!*row) return make_error(Errc::invalid_token, "successor gone");
    return RefreshGrant{std::move(*jti), std::string(family_id), account_id, find->column_int(0),
                        find->column_int(1)};
}

namespace {
// A rotation forgets old successors once in this many (each forgets up to 50, seals 1).
constexpr unsigned kForgetEvery = 16;
}  // namespace

Result<void> Sessions::forget_old_successors(std::int64_t now) {
    // A bounded batch per call, found through the partial index on sealed rows.
    auto forget = store_.prepare(
        "UPDATE refresh_tokens SET successor = NULL WHERE token_hash IN (SELECT token_hash "
        "FROM refresh_tokens WHERE successor IS NOT NULL AND rotated_at < ?1 ORDER BY rotated_at "
        "LIMIT 50 "
        "FOR UPDATE SKIP LOCKED)");
    if (!forget) return forget.error();
    forget->bind(1, now - policy_.reuse_grace);
    return forget->run();
}

Result<void> Sessions::forget_old_successors_at_times(std::int64_t now) {
    // Its batch outpaces the one successor each rotation seals, and the other rotations skip a
    // statement that scans the table.
    static std::atomic<unsigned> rotations{0};
    if (rotations.fetch_add(1, std::memory_order_relaxed) % kForgetEvery != 0) return {};
    return forget_old_successors(now);
}

Result<std::optional<RefreshGrant>> Sessions::rotate_unspent(std::string_view site,
                                                             std::string_view family_id,
                                                             std::string_view jti,
                                                             std::int64_t now) {
    // The family's row is locked first, as in rotate_once, and the spend is conditional on the
    // token's newest version: of concurrent presentations one spends it, the others find it
    // spent and take the general path. The successor is inserted only with that spend. With the
    // BEGIN that travels with it, the rotation costs two round trips (this and the COMMIT).
    auto tx = store_.begin();
    if (!tx) return tx.error();
    RefreshGrant grant{new_hex_id(16), std::string(family_id), 0, now, 0};
    auto rotate = store_.prepare(
        "WITH family AS (UPDATE refresh_families SET last_used_at = ?3 "
        "WHERE id = ?1 AND site = ?2 AND revoked_at IS NULL AND expires_at > ?3 "
        "RETURNING account_id, expires_at), "
        "spent AS (UPDATE refresh_tokens SET rotated_at = ?3, successor = ?5 "
        "WHERE token_hash = ?4 AND family_id = ?1 AND rotated_at IS NULL AND expires_at > ?3 "
        "AND EXISTS (SELECT 1 FROM family) RETURNING token_hash) "
        "INSERT INTO refresh_tokens(token_hash, family_id, issued_at, expires_at) "
        "SELECT ?6, ?1, ?3, least(?3 + ?7, family.expires_at) FROM family, spent "
        "RETURNING expires_at, (SELECT account_id FROM family)");
    if (!rotate) return rotate.error();
    rotate->bind(1, family_id)
        .bind(2, site)
        .bind(3, now)
        .bind(4, keyed_hash(jti))
        .bind_blob(5, seal(grant.jti, keys_.successor_key()))
        .bind(6, keyed_hash(grant.jti))
        .bind(7, policy_.family_lifetime);
    auto row = rotate->step();
    if (!row) return row.error();
    if (!*row) return std::optional<RefreshGrant>();  // rolled back: the general path looks again
    grant.expires_at = rotate->column_int(0);
    grant.account_id = rotate->column_int(1);
    if (auto done = rotate->step(); !done) return done.error();
    if (auto r = forget_old_successors_at_times(now); !r) return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    return std::optional<RefreshGrant>(std::move(grant));
}

Result<std::pair<RefreshGrant, RotateOutcome>> Sessions::rotate(std::string_view site,
                                                                std::string_view family_id,
                                                                std::string_view jti,
                                                                std::int64_t now) {
    if (store_.dialect() == Dialect::postgresql) {
        auto rotated = rotate_unspent(site, family_id, jti, now);
        if (!rotated) return rotated.error();
        if (*rotated) return std::make_pair(std::move(**rotated), RotateOutcome::rotated);
    }
    bool stale = false;
    auto rotated = rotate_once(site, family_id, jti, now, stale);
    // A concurrent rotation of the same token won: the second look, after its commit, finds the
    // token spent and answers as for any replay.
    if (stale) return rotate_once(site, family_id, jti, now, stale);
    return rotated;
}

Result<std::pair<RefreshGrant, RotateOutcome>> Sessions::rotate_once(std::string_view site,
                                                                     std::string_view family_id,
                                                                     std::string_view jti,
                                                                     std::int64_t now,
                                                                     bool& stale) {
    // Rotations of one family take turns: SQLite's single writer; on PostgreSQL the family's row,
    // locked by the first statement. That statement also reads the token, with the snapshot it
    // began with: when it waited for another rotation of the family, the token may since have
    // been spent, which the conditional spend below finds (`stale`, and the caller looks again).
    // So of concurrent presentations of one token, one rotates and the others get the successor
    // it sealed. Other families do not wait.
    stale = false;
    auto tx = store_.begin();
    if (!tx) return tx.error();
    std::int64_t account_id = 0, family_expires_at = 0, token_expires_at = 0;
    std::optional<std::int64_t> rotated_at;
    std::optional<std::string> sealed;
    bool family_alive = false;
    {
        // The family's row, written first (its lock on PostgreSQL, and its use recorded: a
        // rotation that fails rolls that back, a reuse that revokes the family keeps it), and the
        // presented token's state in the same round trip.
        auto family = store_.prepare(
            "UPDATE refresh_families SET last_used_at = ?3 WHERE id = ?1 AND site = ?2 "
            "RETURNING account_id, expires_at, revoked_at, "
            "(SELECT expires_at FROM refresh_tokens WHERE token_hash = ?4 AND family_id = ?1), "
            "(SELECT rotated_at FROM refresh_tokens WHERE token_hash = ?4 AND family_id = ?1), "
            "(SELECT successor FROM refresh_tokens WHERE token_hash = ?4 AND family_id = ?1)");
        if (!family) return family.error();
        family->bind(1, family_id).bind(2, site).bind(3, now).bind(4, keyed_hash(jti));
        auto row = family->step();
        if (!row) return row.error();
        if (!*row) return make_error(Errc::invalid_token, "unknown refresh family");
        account_id = family->column_int(0);
        family_expires_at = family->column_int(1);
        // The column itself, not `revoked_at IS NULL`: SQLite 3.40 answers that expression
        // wrongly in the RETURNING clause of a WITHOUT ROWID table.
        family_alive = !family->column_optional_int(2);
        const auto token_expires = family->column_optional_int(3);
        if (!token_expires) return make_error(Errc::invalid_token, "unknown refresh token");
        token_expires_at = *token_expires;
        rotated_at = family->column_optional_int(4);
        sealed = family->column_optional_text(5);
        if (auto done = family->step(); !done) return done.error();
    }
    if (!family_alive) return make_error(Errc::invalid_token, "family revoked");
    if (family_expires_at <= now || token_expires_at <= now) {
        return make_error(Errc::invalid_token, "expired");
    }
    if (rotated_at) {
        if (now - *rotated_at > policy_.reuse_grace) {
            // A spent token after the grace: someone holds a copy, and which of the two holders
            // is the owner cannot be told, so the whole family ends.
            if (auto r = revoke_family(site, family_id, "reuse", now); !r) return r.error();
            if (auto r = tx->commit(); !r) return r.error();
            return make_error(Errc::refresh_reuse, "family revoked");
        }
        // Within the grace (two tabs, a retried request): the one successor, never a sibling.
        auto again = successor(family_id, account_id, sealed);
        if (!again) return again.error();
        return std::make_pair(std::move(*again), RotateOutcome::replayed);
    }
    auto grant = add_token(std::string(family_id), account_id, family_expires_at, now);
    if (!grant) return grant.error();
    auto spend = store_.prepare(
        "UPDATE refresh_tokens SET rotated_at = ?2, successor = ?3 "
        "WHERE token_hash = ?1 AND rotated_at IS NULL");
    if (!spend) return spend.error();
    spend->bind(1, keyed_hash(jti))
        .bind(2, now)
        .bind_blob(3, seal(grant->jti, keys_.successor_key()));
    if (auto r = spend->run(); !r) return r.error();
    if (spend->changes() != 1) {  // spent by the rotation the family's lock waited for
        stale = true;
        return make_error(Errc::busy, "token spent meanwhile");  // undone: no second successor
    }
    if (auto r = forget_old_successors_at_times(now); !r) return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    return std::make_pair(std::move(*grant), RotateOutcome::rotated);
}

Result<RefreshGrant> Sessions::validate(std::string_view site, std::string_view family_id,
                                        std::string_view jti, std::int64_t now) {
    auto checked = check_unspent(site, family_id, jti, now);
    if (!checked && checked.error().code == Errc::refresh_reuse) {
        // One conditional statement: a rotation of the family waits for it, or it for that.
        auto tx = store_.begin();
        if (!tx) return tx.error();
        if (auto r = revoke_family(site, family_id, "reuse", now); !r) return r.error();
        if (auto r = tx->commit(); !r) return r.error();
    }
    return checked;
}

Result<RefreshGrant> Sessions::check_unspent(std::string_view site, std::string_view family_id,
                                             std::string_view jti, std::int64_t now) {
    auto find = store_.prepare(
        "SELECT f.account_id, f.expires_at, f.revoked_at IS NULL, t.expires_at, t.rotated_at "
        "FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id "
        "WHERE t.token_hash = ?1 AND f.id = ?2 AND f.site = ?3");
    if (!find) return find.error();
    find->bind(1, keyed_hash(jti)).bind(2, family_id).bind(3, site);
    auto row = find->step();
    if (!row) return row.error();
    if (!*row) return make_error(Errc::invalid_token, "unknown refresh token");
    const std::int64_t family_expires_at = find->column_int(1);
    const std::int64_t token_expires_at = find->column_int(3);
    const auto rotated_at = find->column_optional_int(4);
    if (find->column_int(2) == 0) return make_error(Errc::invalid_token, "family revoked");
    if (family_expires_at <= now || token_expires_at <= now)
        return make_error(Errc::invalid_token, "expired");
    if (rotated_at && now - *rotated_at > policy_.reuse_grace) {
        return make_error(Errc::refresh_reuse, "family revoked");
    }
    return RefreshGrant{std::string(jti), std::string(family_id), find->column_int(0), now,
                        token_expires_at};
}

Result<bool> Sessions::family_alive(std::string_view site, std::string_view family_id,
                                    std::int64_t now) {
    auto find = store_.prepare(
        "SELECT 1 FROM refresh_families WHERE id = ?1 AND site = ?2 AND revoked_at IS NULL AND "
        "expires_at > ?3");
    if (!find) return find.error();
    find->bind(1, family_id).bind(2, site).bind(3, now);
    auto row = find->step();
    if (!row) return row.error();
    return *row;
}

Result<void> Sessions::revoke_family(std::string_view site, std::string_view family_id,
                                     std::string_view reason, std::int64_t now) {
    auto stmt = store_.prepare(
        "UPDATE refresh_families SET revoked_at = ?3, revoked_reason = ?4 "
        "WHERE id = ?1 AND site = ?2 AND revoked_at IS NULL");
    if (!stmt) return stmt.error();
    stmt->bind(1, family_id).bind(2, site).bind(3, now).bind(4, reason);
    return stmt->run();
}

Result<bool> Sessions::use(std::string_view site, std::string_view family_id, std::int64_t now) {
    std::int64_t last_used = 0;
    {
        auto find = store_.prepare(
            "SELECT last_used_at FROM refresh_families WHERE id = ?1 AND site = ?2 AND "
            "revoked_at IS NULL AND expires_at > ?3");
        if (!find) return find.error();
        find->bind(1, family_id).bind(2, site).bind(3, now);
        auto row = find->step();
        if (!row) return row.error();
        if (!*row) return false;
        last_used = find->column_int(0);
    }
    if (now - last_used < kLastUsedResolution) return true;
    // Best effort: a session whose last use could not be written is still alive.
    auto tx = store_.begin();
    if (!tx) return true;
    auto touch = store_.prepare(
        "UPDATE refresh_families SET last_used_at = ?2 WHERE id = ?1 AND last_used_at < ?2");
    if (!touch) return true;
    touch->bind(1, family_id).bind(2, now);
    if (touch->run()) (void)tx->commit();
    return true;
}

Result<std::vector<SessionInfo>> Sessions::of_account(std::string_view site,
                                                      std::int64_t account_id, int limit,
                                                      std::int64_t now) {
    auto stmt = store_.prepare(
        "SELECT id, created_at, last_used_at, expires_at, user_agent, address "
        "FROM refresh_families WHERE account_id = ?1 AND site = ?2 AND revoked_at IS NULL "
        "AND expires_at > ?3 ORDER BY created_at DESC, id LIMIT ?4");
    if (!stmt) return stmt.error();
    stmt->bind(1, account_id).bind(2, site).bind(3, now).bind(4, std::int64_t{limit});
    return stmt->collect([](const Statement& row) {
        return SessionInfo{row.column_text(0), row.column_int(1),  row.column_int(2),
                           row.column_int(3),  row.column_text(4), row.column_text(5)};
    });
}

Result<bool> Sessions::revoke_own(std::string_view site, std::int64_t account_id,
                                  std::string_view family_id, std::string_view reason,
                                  std::int64_t now) {
    auto tx = store_.begin();
    if (!tx) return tx.error();
    auto stmt = store_.prepare(
        "UPDATE refresh_families SET revoked_at = ?4, revoked_reason = ?5 "
        "WHERE id = ?1 AND site = ?2 AND account_id = ?3 AND revoked_at IS NULL "
        "AND expires_at > ?4");
    if (!stmt) return stmt.error();
    stmt->bind(1, family_id).bind(2, site).bind(3, account_id).bind(4, now).bind(5, reason);
    if (auto r = stmt->run(); !r) return r.error();
    const bool revoked = stmt->changes() > 0;
    if (auto r = tx->commit(); !r) return r.error();
    return revoked;
}

Result<std::vector<FamilyInfo>> Sessions::list(std::string_view site, std::int64_t account_id,
                                               bool ended, int limit, std::int64_t now) {
    auto stmt = store_.prepare(
        "SELECT f.id, f.site, f.account_id, a.email, f.created_at, f.expires_at, "
        "COALESCE(f.revoked_at, 0), COALESCE(f.revoked_reason, '') "
        "FROM refresh_families f JOIN accounts a ON a.id = f.account_id "
        "WHERE f.site = ?1 AND (?2 = 0 OR f.account_id = ?2) "
        "AND (?3 = 1 OR (f.revoked_at IS NULL AND f.expires_at > ?4)) "
        "ORDER BY f.created_at DESC LIMIT ?5");
    if (!stmt) return stmt.error();
    stmt->bind(1, site)
        .bind(2, account_id)
        .bind(3, std::int64_t{ended})
        .bind(4, now)
        .bind(5, std::int64_t{limit});
    return stmt->collect([](const Statement& row) {
        return FamilyInfo{row.column_text(0), row.column_text(1), row.column_int(2),
                          row.column_text(3), row.column_int(4),  row.column_int(5),
                          row.column_int(6),  row.column_text(7)};
    });
}

Result<std::int64_t> Sessions::revoke_site(std::string_view site, std::string_view reason,
                                           std::int64_t now) {
    auto stmt = store_.prepare(
        "UPDATE refresh_families SET revoked_at = ?2, revoked_reason = ?3 "
        "WHERE site = ?1 AND revoked_at IS NULL");
    if (!stmt) return stmt.error();
    stmt->bind(1, site).bind(2, now).bind(3, reason);
    if (auto r = stmt->run(); !r) return r.error();
    return std::int64_t{stmt->changes()};
}

}  // namespace latchkey
