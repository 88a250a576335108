#include "core/auth/end_sessions.hpp"

#include "core/auth/accounts.hpp"
#include "core/auth/challenges.hpp"
#include "core/auth/one_time.hpp"

namespace latchkey {

Result<void> end_sessions(Store& store, std::int64_t account_id, const SessionsEnd& end,
                          std::int64_t now) {
    auto tx = store.begin();
    if (!tx) return tx.error();
    // Several of the account's rows follow: its row first (the lock order).
    if (auto r = lock_account(store, account_id); !r) {
        if (r.error().code == Errc::not_found) return {};
        return r;
    }
    if (end.access_tokens) {
        auto bump = store.prepare(
            "UPDATE accounts SET session_version = session_version + 1 WHERE id = ?1");
        if (!bump) return bump.error();
        bump->bind(1, account_id);
        if (auto r = bump->run(); !r) return r;
        auto pending = store.prepare(
            "UPDATE one_time_tokens SET expires_at = 0 WHERE account_id = ?1 AND purpose = ?2 AND "
            "used_at IS NULL");
        if (!pending) return pending.error();
        pending->bind(1, account_id).bind(2, kChangeEmailPurpose);
        if (auto r = pending->run(); !r) return r;
        // A sign-in challenge opened with the old password must not outlive it.
        auto challenges = store.prepare(
            "UPDATE auth_challenges SET closed_at = ?2 WHERE account_id = ?1 AND purpose = ?3 AND "
            "closed_at IS NULL");
        if (!challenges) return challenges.error();
        challenges->bind(1, account_id).bind(2, now).bind(3, kSecondFactorPurpose);
        if (auto r = challenges->run(); !r) return r;
    }
    {
        auto families = store.prepare(
            "UPDATE refresh_families SET revoked_at = ?2, revoked_reason = ?3 "
            "WHERE account_id = ?1 AND revoked_at IS NULL");
        if (!families) return families.error();
        families->bind(1, account_id).bind(2, now).bind(3, end.reason);
        if (auto r = families->run(); !r) return r;
    }
    if (!end.one_time_purpose.empty()) {
        auto tokens = store.prepare(
            "UPDATE one_time_tokens SET expires_at = 0 WHERE account_id = ?1 AND purpose = ?2 AND "
            "used_at IS NULL");
        if (!tokens) return tokens.error();
        tokens->bind(1, account_id).bind(2, end.one_time_purpose);
        if (auto r = tokens->run(); !r) return r;
    }
    return tx->commit();
}

}  // namespace latchkey
