#pragma once
// An account's authenticator app (TOTP, core/crypto/totp.hpp) and its recovery codes. Enrolment
// is two steps: begin() hands out a new key, which only counts once confirm() has seen a code made
// with it, so a key the user never saved cannot lock them out. Each accepted code moves the
// account's last used step forward, in the same statement that checks it, so a code (and any
// code older than it) answers once, however many requests race with it. Recovery codes are shown
// once, stored as keyed hashes, and each is spent by the one statement that finds it unspent.
// Every check of a code is a guess, counted before it is made (GuessPass).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/auth/throttle.hpp"
#include "core/base/result.hpp"
#include "core/crypto/keys.hpp"
#include "core/store/store.hpp"

namespace latchkey {

inline constexpr int kRecoveryCodes = 10;

struct TotpStatus {
    bool enabled = false;            // confirmed: sign-in asks for a code
    std::int64_t recovery_left = 0;  // unspent recovery codes
};

class TotpFactors {
  public:
    TotpFactors(Store& store, const KeyRing& keys) : store_(store), keys_(keys) {}

    Result<TotpStatus> status(std::int64_t account_id);

    // A new key for the account, replacing an unconfirmed one: its raw bytes.
    // Errc::invalid_argument when the account already has a confirmed authenticator (it must be
    // disabled first).
    Result<std::string> begin(std::int64_t account_id, std::int64_t now);

    // The first code made with the key begin() handed out: the authenticator counts from now on,
    // and these are its fresh recovery codes (shown once). Errc::not_found: nothing to confirm;
    // Errc::code_mismatch: not a code of the key in its window.
    Result<std::vector<std::string>> confirm(const GuessPass& counted, std::int64_t account_id,
                                             std::string_view code, std::int64_t now);

    // A code of the confirmed authenticator, not used before: spends its step. Errc::not_found:
    // no confirmed authenticator; Errc::code_mismatch: wrong, out of window, or already used.
    Result<void> check_code(const GuessPass& counted, std::int64_t account_id,
                            std::string_view code, std::int64_t now);

    // An unspent recovery code of the account (case, spaces and dashes ignored): spends it.
    // Errc::code_mismatch otherwise.
    Result<void> use_recovery_code(const GuessPass& counted, std::int64_t account_id,
                                   std::string_view code, std::int64_t now);

    // New recovery codes, the old ones void. Errc::not_found without a confirmed authenticator.
    Result<std::vector<std::string>> new_recovery_codes(std::int64_t account_id, std::int64_t now);

    // Removes the authenticator and its recovery codes; false when there was none.
    Result<bool> remove(std::int64_t account_id);

  private:
    struct Stored {
        std::string secret;  // raw key bytes
        std::string sealed;  // as stored
        bool confirmed = false;
    };
    Result<Stored> load(std::int64_t account_id);
    Result<void> lock_account(std::int64_t account_id);
    std::string recovery_hash(std::int64_t account_id, std::string_view normalised) const;
    Result<std::vector<std::string>> replace_recovery_codes(std::int64_t account_id,
                                                            std::int64_t now);

    Store& store_;
    const KeyRing& keys_;
};

}  // namespace latchkey
