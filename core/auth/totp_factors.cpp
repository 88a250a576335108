#include "core/auth/totp_factors.hpp"

#include <sodium.h>

#include "core/crypto/jwt.hpp"
#include "core/crypto/seal.hpp"
#include "core/crypto/totp.hpp"

namespace latchkey {
namespace {

// Recovery codes: 10 characters of an alphabet without look-alikes (no i, l, o, u), 50 bits each,
// shown as two groups of five.
constexpr std::string_view kRecoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";

std::string new_recovery_code() {
    std::string code;
    for (int i = 0; i < 10; ++i) {
        if (i == 5) code += '-';
        code += kRecoveryAlphabet[randombytes_uniform(kRecoveryAlphabet.size())];
    }
    return code;
}

// What the user typed, as it was generated: lower case, without the dash or spaces. Anything
// longer than a code could be is no code (and is not hashed).
std::string normalise_recovery_code(std::string_view typed) {
    std::string out;
    for (char ch : typed) {
        if (ch == '-' || ch == ' ') continue;
        if (out.size() > 10) return {};
        out += (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    }
    return out.size() == 10 ? out : std::string();
}

}  // namespace

std::string TotpFactors::recovery_hash(std::int64_t account_id, std::string_view normalised) const {
    return keys_.one_time_digest("recovery:" + std::to_string(account_id) + ":" +
                                 std::string(normalised));
}

Result<TotpStatus> TotpFactors::status(std::int64_t account_id) {
    auto stmt = store_.prepare(
        "SELECT (SELECT COUNT(*) FROM totp_factors WHERE account_id = ?1 AND confirmed_at IS NOT "
        "NULL), (SELECT COUNT(*) FROM recovery_codes WHERE account_id = ?1 AND used_at IS NULL)");
    if (!stmt) return stmt.error();
    stmt->bind(1, account_id);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return TotpStatus{};
    return TotpStatus{.enabled = stmt->column_int(0) > 0, .recovery_left = stmt->column_int(1)};
}

Result<TotpFactors::Stored> TotpFactors::load(std::int64_t account_id) {
    auto stmt = store_.prepare(
        "SELECT secret, confirmed_at IS NOT NULL FROM totp_factors WHERE account_id = ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, account_id);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return make_error(Errc::not_found, "no authenticator");
    const auto sealed = jwt::base64url_decode(stmt->column_text(0));
    auto secret = sealed ? unseal(*sealed, keys_.factor_key()) : std::nullopt;
    if (!secret) return make_error(Errc::internal, "an authenticator key does not unseal");
    return Stored{.secret = std::move(*secret),
                  .sealed = stmt->column_text(0),
                  .confirmed = stmt->column_int(1) != 0};
}

Result<std::string> TotpFactors::begin(std::int64_t account_id, std::int64_t now) {
    std::string secret(totp::kSecretBytes, '\0');
    randombytes_buf(secret.data(), secret.size());
    const std::string sealed = jwt::base64url_encode(seal(secret, keys_.factor_key()));
    // One statement: a confirmed authenticator is never replaced, whatever races with it.
    auto stmt = store_.prepare(
        "INSERT INTO totp_factors(account_id, secret, created_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT(account_id) DO UPDATE SET secret = excluded.secret, "
        "created_at = excluded.created_at, last_step = 0 WHERE totp_factors.confirmed_at IS NULL");
    if (!stmt) return stmt.error();
    stmt->bind(1, account_id).bind(2, sealed).bind(3, now);
    if (auto r = stmt->run(); !r) return r.error();
    if (stmt->changes() == 0) return make_error(Errc::invalid_argument, "already enabled");
    return secret;
}

Result<std::vector<std::string>> TotpFactors::confirm(const GuessPass&, std::int64_t account_id,
                                                      std::string_view code, std::int64_t now) {
    auto tx = store_.begin();
    if (!tx) return tx.error();
    auto stored = load(account_id);
    if (!stored) return stored.error();
    if (stored->confirmed) return make_error(Errc::not_found, "nothing to confirm");
    const auto step = totp::matching_step(stored->secret, code, now);
    if (!step) return make_error(Errc::code_mismatch, "not a code of the new key");
    // Only the key the code was checked against is confirmed, even if a new begin() replaced it.
    auto confirm = store_.prepare(
        "UPDATE totp_factors SET confirmed_at = ?2, last_step = ?3 WHERE account_id = ?1 AND "
        "confirmed_at IS NULL AND secret = ?4");
    if (!confirm) return confirm.error();
    confirm->bind(1, account_id).bind(2, now).bind(3, *step).bind(4, stored->sealed);
    if (auto r = confirm->run(); !r) return r.error();
    if (confirm->changes() == 0) return make_error(Errc::not_found, "confirmed meanwhile");
    auto codes = replace_recovery_codes(account_id, now);
    if (!codes) return codes.error();
    if (auto r = tx->commit(); !r) return r.error();
    return codes;
}

Result<void> TotpFactors::check_code(const GuessPass&, std::int64_t account_id,
                                     std::string_view code, std::int64_t now) {
    auto stored = load(account_id);
    if (!stored) return stored.error();
    if (!stored->confirmed) return make_error(Errc::not_found, "not confirmed");
    const auto step = totp::matching_step(stored->secret, code, now);
    if (!step) return make_error(Errc::code_mismatch, "wrong code");
    // The check and the spending are one statement: of two requests with the same code, one wins.
    auto spend = store_.prepare(
        "UPDATE totp_factors SET last_step = ?2 WHERE account_id = ?1 AND confirmed_at IS NOT "
        "NULL AND last_step < ?2");
    if (!spend) return spend.error();
    spend->bind(1, account_id).bind(2, *step);
    if (auto r = spend->run(); !r) return r.error();
    if (spend->changes() == 0) return make_error(Errc::code_mismatch, "code already used");
    return {};
}

Result<void> TotpFactors::use_recovery_code(const GuessPass&, std::int64_t account_id,
                                            std::string_view code, std::int64_t now) {
    const std::string normalised = normalise_recovery_code(code);
    if (normalised.empty()) return make_error(Errc::code_mismatch, "not a recovery code");
    auto spend = store_.prepare(
        "UPDATE recovery_codes SET used_at = ?3 WHERE account_id = ?1 AND code_hash = ?2 AND "
        "used_at IS NULL");
    if (!spend) return spend.error();
    spend->bind(1, account_id).bind(2, recovery_hash(account_id, normalised)).bind(3, now);
    if (auto r = spend->run(); !r) return r.error();
    if (spend->changes() == 0) return make_error(Errc::code_mismatch, "unknown or spent");
    return {};
}

// Takes the account's authenticator row lock for the rest of the transaction (a no-op UPDATE, which
// PostgreSQL row-locks and SQLite's single writer serialises anyway): two replacements of the
// recovery codes, or a replacement and a removal, then run one after the other, and the second
// sees the first's codes. Without it, two concurrent DELETE-then-INSERTs under READ COMMITTED
// would each miss the other's new codes and leave both sets valid.
Result<void> TotpFactors::lock_account(std::int64_t account_id) {
    auto lock =
        store_.prepare("UPDATE totp_factors SET last_step = last_step WHERE account_id = ?1");
    if (!lock) return lock.error();
    lock->bind(1, account_id);
    return lock->run();
}

Result<std::vector<std::string>> TotpFactors::replace_recovery_codes(std::int64_t account_id,
                                                                     std::int64_t now) {
    if (auto r = lock_account(account_id); !r) return r.error();
    auto clear = store_.prepare("DELETE FROM recovery_codes WHERE account_id = ?1");
    if (!clear) return clear.error();
    clear->bind(1, account_id);
    if (auto r = clear->run(); !r) return r.error();
    std::vector<std::string> codes;
    while (codes.size() < static_cast<std::size_t>(kRecoveryCodes)) {
        std::string code = new_recovery_code();
        auto insert = store_.prepare(
            "INSERT INTO recovery_codes(account_id, code_hash, created_at) VALUES (?1, ?2, ?3) "
            "ON CONFLICT DO NOTHING");
        if (!insert) return insert.error();
        insert->bind(1, account_id)
            .bind(2, recovery_hash(account_id, normalise_recovery_code(code)))
            .bind(3, now);
        if (auto r = insert->run(); !r) return r.error();
        if (insert->changes() == 1) codes.push_back(std::move(code));  // a repeat is drawn again
    }
    return codes;
}

Result<std::vector<std::string>> TotpFactors::new_recovery_codes(std::int64_t account_id,
                                                                 std::int64_t now) {
    auto tx = store_.begin();
    if (!tx) return tx.error();
    if (auto r = lock_account(account_id); !r) return r.error();
    auto state = status(account_id);
    if (!state) return state.error();
    if (!state->enabled) return make_error(Errc::not_found, "no authenticator");
    auto codes = replace_recovery_codes(account_id, now);
    if (!codes) return codes.error();
    if (auto r = tx->commit(); !r) return r.error();
    return codes;
}

Result<bool> TotpFactors::remove(std::int64_t account_id) {
    auto tx = store_.begin();
    if (!tx) return tx.error();
    if (auto r = lock_account(account_id); !r) return r.error();
    auto factor = store_.prepare("DELETE FROM totp_factors WHERE account_id = ?1");
    if (!factor) return factor.error();
    factor->bind(1, account_id);
    if (auto r = factor->run(); !r) return r.error();
    const bool removed = factor->changes() > 0;
    auto codes = store_.prepare("DELETE FROM recovery_codes WHERE account_id = ?1");
    if (!codes) return codes.error();
    codes->bind(1, account_id);
    if (auto r = codes->run(); !r) return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    return removed;
}

}  // namespace latchkey
