#include "core/auth/passkeys.hpp"

#include <limits>

#include "core/auth/accounts.hpp"
#include "core/base/json.hpp"
#include "core/crypto/jwt.hpp"

namespace latchkey {
namespace {

std::string_view ceremony_name(Ceremony ceremony) {
    return ceremony == Ceremony::register_passkey ? "register" : "authenticate";
}

bool valid_name(std::string_view name) {
    if (name.empty() || !is_valid_utf8(name) || utf8_length(name) > kMaxPasskeyNameLength)
        return false;
    for (const char c : name) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) return false;
    }
    return true;
}

}  // namespace

std::string Passkeys::challenge_hash(std::string_view challenge) const {
    return keys_.one_time_digest("webauthn_challenge:" + std::string(challenge));
}

Result<std::string> Passkeys::begin_ceremony(std::string_view site, Ceremony ceremony,
                                             std::optional<std::int64_t> account_id,
                                             std::int64_t ttl, std::int64_t now) {
    if (ttl <= 0 || ttl > kMaxCeremonyTtl)
        return make_error(Errc::invalid_argument, "ceremony ttl out of range");
    if (ceremony == Ceremony::register_passkey && !account_id)
        return make_error(Errc::invalid_argument, "a registration needs an account");
    std::string challenge = webauthn::new_challenge();
    auto tx = store_.begin();
    if (!tx) return tx.error();
    // Anyone may open a sign-in ceremony: expired ones go as new ones come, a bounded number each
    // time, so they cannot pile up and no single call pays for many.
    auto purge = store_.prepare(
        "DELETE FROM webauthn_challenges WHERE challenge_hash IN (SELECT challenge_hash "
        "FROM webauthn_challenges WHERE expires_at <= ?1 ORDER BY expires_at LIMIT 50 FOR UPDATE "
        "SKIP LOCKED)");
    if (!purge) return purge.error();
    purge->bind(1, now);
    if (auto r = purge->run(); !r) return r.error();
    auto insert = store_.prepare(
        "INSERT INTO webauthn_challenges(challenge_hash, site, ceremony, account_id, expires_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!insert) return insert.error();
    insert->bind(1, challenge_hash(challenge))
        .bind(2, site)
        .bind(3, ceremony_name(ceremony))
        .bind(5, now + ttl);
    if (account_id) {
        insert->bind(4, *account_id);
    } else {
        insert->bind_null(4);
    }
    if (auto r = insert->run(); !r) return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    return challenge;
}

Result<std::optional<std::int64_t>> Passkeys::take_ceremony(std::string_view site,
                                                            Ceremony ceremony,
                                                            std::string_view challenge,
                                                            std::int64_t now) {
    if (challenge.empty() || challenge.size() > 256)
        return make_error(Errc::invalid_token, "challenge");
    auto tx = store_.begin();
    if (!tx) return tx.error();
    std::optional<std::int64_t> account_id;
    {
        // Found and deleted by one statement: of two takes of one challenge, one finds nothing.
        auto take = store_.prepare(
            "DELETE FROM webauthn_challenges WHERE challenge_hash = ?1 AND site = ?2 AND "
            "ceremony = ?3 AND expires_at > ?4 RETURNING account_id");
        if (!take) return take.error();
        take->bind(1, challenge_hash(challenge))
            .bind(2, site)
            .bind(3, ceremony_name(ceremony))
            .bind(4, now);
        auto row = take->step();
        if (!row) return row.error();
        if (!*row)
            return make_error(Errc::invalid_token, "unknown, taken, expired or other ceremony");
        account_id = take->column_optional_int(0);
        if (auto done = take->step(); !done) return done.error();
    }
    if (auto r = tx->commit(); !r) return r.error();
    return account_id;
}

Result<std::int64_t> Passkeys::add(std::string_view site, std::int64_t account_id,
                                   const webauthn::NewCredential& credential, std::string_view name,
                                   std::int64_t now) {
    if (!valid_name(name)) return make_error(Errc::invalid_argument, "passkey name");
    if (credential.credential_id.empty() ||
        credential.credential_id.size() > webauthn::kMaxCredentialIdBytes)
        return make_error(Errc::invalid_argument, "credential id length");
    const std::string credential_id = jwt::base64url_encode(credential.credential_id);
    auto tx = store_.begin();
    if (!tx) return tx.error();
    // One account's additions take turns, so two at the limit cannot both pass the count.
    if (auto r = lock_callers_account(store_, account_id); !r) return r.error();
    {
        auto taken =
            store_.prepare("SELECT 1 FROM passkeys WHERE site = ?1 AND credential_id = ?2");
        if (!taken) return taken.error();
        taken->bind(1, site).bind(2, credential_id);
        auto row = taken->step();
        if (!row) return row.error();
        if (*row) return make_error(Errc::credential_taken, "credential id registered already");
    }
    {
        auto count =
            store_.prepare("SELECT count(*) FROM passkeys WHERE site = ?1 AND account_id = ?2");
        if (!count) return count.error();
        count->bind(1, site).bind(2, account_id);
        auto row = count->step();
        if (!row) return row.error();
        if (*row && count->column_int(0) >= static_cast<std::int64_t>(kMaxPasskeysPerAccount))
            return make_error(Errc::limit_reached, "the account holds the most passkeys");
    }
    std::int64_t id = 0;
    {
        auto insert = store_.prepare(
            "INSERT INTO passkeys(account_id, site, credential_id, public_key, algorithm, "
            "sign_count, backup_eligible, backup_state, name, created_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
            "ON CONFLICT (site, credential_id) DO NOTHING RETURNING id");
        if (!insert) return insert.error();
        insert->bind(1, account_id)
            .bind(2, site)
            .bind(3, credential_id)
            .bind(4, jwt::base64url_encode(credential.public_key))
            .bind(5, static_cast<std::int64_t>(credential.alg))
            .bind(6, std::int64_t{credential.sign_count})
            .bind(7, std::int64_t{credential.backup_eligible})
            .bind(8, std::int64_t{credential.backup_state})
            .bind(9, name)
            .bind(10, now);
        auto row = insert->step();
        if (!row) return row.error();
        // Another account registered the credential since the check above.
        if (!*row) return make_error(Errc::credential_taken, "credential id registered already");
        id = insert->column_int(0);
        if (auto done = insert->step(); !done) return done.error();
    }
    if (auto r = tx->commit(); !r) return r.error();
    return id;
}

Result<std::vector<PasskeySummary>> Passkeys::of_account(std::string_view site,
                                                         std::int64_t account_id) {
    auto list = store_.prepare(
        "SELECT id, name, created_at, last_used_at, backup_eligible, backup_state, credential_id "
        "FROM passkeys WHERE site = ?1 AND account_id = ?2 ORDER BY created_at, id");
    if (!list) return list.error();
    list->bind(1, site).bind(2, account_id);
    return list->collect([](const Statement& row) {
        PasskeySummary p;
        p.id = row.column_int(0);
        p.name = row.column_text(1);
        p.created_at = row.column_int(2);
        p.last_used_at = row.column_optional_int(3);
        p.backup_eligible = row.column_int(4) != 0;
        p.backup_state = row.column_int(5) != 0;
        p.credential_id = row.column_text(6);
        return p;
    });
}

Result<std::vector<std::string>> Passkeys::of_account_credentials(std::string_view site,
                                                                  std::int64_t account_id) {
    auto list = store_.prepare(
        "SELECT credential_id FROM passkeys WHERE site = ?1 AND account_id = ?2 "
        "ORDER BY created_at, id");
    if (!list) return list.error();
    list->bind(1, site).bind(2, account_id);
    return list->collect([](const Statement& row) { return row.column_text(0); });
}

Result<PasskeyRecord> Passkeys::find_by_credential(std::string_view site,
                                                   std::string_view credential_id) {
    if (credential_id.empty() || credential_id.size() > webauthn::kMaxCredentialIdBytes)
        return make_error(Errc::not_found, "no passkey with that credential id");
    auto find = store_.prepare(
        "SELECT id, account_id, public_key, algorithm, sign_count, backup_eligible, backup_state "
        "FROM passkeys WHERE site = ?1 AND credential_id = ?2");
    if (!find) return find.error();
    find->bind(1, site).bind(2, jwt::base64url_encode(credential_id));
    auto row = find->step();
    if (!row) return row.error();
    if (!*row) return make_error(Errc::not_found, "no passkey with that credential id");
    PasskeyRecord record;
    record.id = find->column_int(0);
    record.account_id = find->column_int(1);
    auto key = jwt::base64url_decode(find->column_text(2));
    const auto alg = cose::alg_from_number(find->column_int(3));
    const std::int64_t count = find->column_int(4);
    if (!key || !alg || count < 0 || count > std::numeric_limits<std::uint32_t>::max())
        return make_error(Errc::storage, "passkey " + std::to_string(record.id) + " unreadable");
    record.credential =
        webauthn::StoredCredential{std::move(*key), *alg, static_cast<std::uint32_t>(count)};
    record.backup_eligible = find->column_int(5) != 0;
    record.backup_state = find->column_int(6) != 0;
    return record;
}

Result<bool> Passkeys::record_use(std::int64_t id, std::uint32_t sign_count, bool backup_state,
                                  std::int64_t now) {
    auto tx = store_.begin();
    if (!tx) return tx.error();
    int changed = 0;
    {
        // The condition is the write's own: an older assertion finishing late moves nothing back.
        auto update = store_.prepare(
            "UPDATE passkeys SET sign_count = ?2, backup_state = ?3, last_used_at = ?4 "
            "WHERE id = ?1 AND (sign_count < ?2 OR (sign_count = 0 AND ?2 = 0))");
        if (!update) return update.error();
        update->bind(1, id)
            .bind(2, std::int64_t{sign_count})
            .bind(3, std::int64_t{backup_state})
            .bind(4, now);
        if (auto r = update->run(); !r) return r.error();
        changed = update->changes();
    }
    if (auto r = tx->commit(); !r) return r.error();
    return changed > 0;
}

Result<bool> Passkeys::remove(std::string_view site, std::int64_t account_id, std::int64_t id) {
    auto tx = store_.begin();
    if (!tx) return tx.error();
    int changed = 0;
    {
        auto remove =
            store_.prepare("DELETE FROM passkeys WHERE id = ?1 AND site = ?2 AND account_id = ?3");
        if (!remove) return remove.error();
        remove->bind(1, id).bind(2, site).bind(3, account_id);
        if (auto r = remove->run(); !r) return r.error();
        changed = remove->changes();
    }
    if (auto r = tx->commit(); !r) return r.error();
    return changed > 0;
}

}  // namespace latchkey
