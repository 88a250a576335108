#pragma once
// An account's passkeys (WebAuthn credentials) and the ceremonies that add and use them. The
// cryptography is core/crypto/webauthn.hpp's; this keeps what it needs between requests: the
// challenges handed to browsers (as keyed hashes, single use, short-lived) and each credential's
// public key and signature counter, which only ever moves forward.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.hpp"
#include "core/crypto/keys.hpp"
#include "core/crypto/webauthn.hpp"
#include "core/store/store.hpp"

namespace latchkey {

enum class Ceremony {
    register_passkey,  // an account adds a passkey
    authenticate,      // a sign-in (or re-authentication) with one
};

// Passkeys an account may hold on a site; one more is refused.
inline constexpr std::size_t kMaxPasskeysPerAccount = 20;
// Code points in a passkey's name.
inline constexpr std::size_t kMaxPasskeyNameLength = 64;
// How long a ceremony stays open (seconds): WebAuthn's own default timeout, and the longest
// allowed.
inline constexpr std::int64_t kCeremonyTtl = 300;
inline constexpr std::int64_t kMaxCeremonyTtl = 3600;

// One of an account's passkeys, as its owner sees it.
struct PasskeySummary {
    std::int64_t id = 0;
    std::string name;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> last_used_at;
    bool backup_eligible = false;
    bool backup_state = false;
    std::string credential_id;  // unpadded base64url, as the authenticator's id
};

// A passkey found by the credential id an assertion names.
struct PasskeyRecord {
    std::int64_t id = 0;
    std::int64_t account_id = 0;
    webauthn::StoredCredential credential;
    bool backup_eligible = false;
    bool backup_state = false;
};

class Passkeys {
  public:
    Passkeys(Store& store, const KeyRing& keys) : store_(store), keys_(keys) {}

    // Opens a ceremony and returns its challenge (unpadded base64url) for the browser. A
    // registration names the account adding a passkey; a sign-in names one when it is known (a
    // re-authentication), none for a discoverable sign-in. Sweeps a bounded number of expired
    // ceremonies. Errc::invalid_argument: ttl outside 1..kMaxCeremonyTtl, or a registration
    // without an account.
    Result<std::string> begin_ceremony(std::string_view site, Ceremony ceremony,
                                       std::optional<std::int64_t> account_id, std::int64_t ttl,
                                       std::int64_t now);

    // Closes the ceremony `challenge` opened and returns the account it was bound to (nullopt for
    // a discoverable sign-in). Single use: the row is deleted by the statement that finds it, so
    // of two racing takes one fails. Errc::invalid_token: unknown, taken, expired, or of another
    // site or ceremony.
    Result<std::optional<std::int64_t>> take_ceremony(std::string_view site, Ceremony ceremony,
                                                      std::string_view challenge, std::int64_t now);

    // Stores a verified new credential under `name` (1 to kMaxPasskeyNameLength characters, no
    // control characters) and returns its id. Errc::credential_taken: the credential id is
    // registered on the site already (to any account); Errc::limit_reached: the account holds
    // kMaxPasskeysPerAccount passkeys already; Errc::invalid_argument: a bad name.
    Result<std::int64_t> add(std::string_view site, std::int64_t account_id,
                             const webauthn::NewCredential& credential, std::string_view name,
                             std::int64_t now);

    // The account's passkeys on the site, oldest first.
    Result<std::vector<PasskeySummary>> of_account(std::string_view site, std::int64_t account_id);

    // The credential ids (unpadded base64url) of the account's passkeys on the site: what a new
    // registration excludes, so an authenticator never makes a second credential for one account.
    Result<std::vector<std::string>> of_account_credentials(std::string_view site,
                                                            std::int64_t account_id);

    // The passkey with this credential id (raw bytes) on the site; Errc::not_found when none.
    Result<PasskeyRecord> find_by_credential(std::string_view site, std::string_view credential_id);

    // Records a verified assertion: the new counter, backup state and time of use. The counter
    // only moves forward (or stays 0 for authenticators without one): false when the stored
    // counter is already at or past `sign_count` (a concurrent assertion with the same or a later
    // count won; treat it as webauthn::verify_assertion treats a cloned authenticator).
    Result<bool> record_use(std::int64_t id, std::uint32_t sign_count, bool backup_state,
                            std::int64_t now);

    // Removes the account's passkey `id` on the site; false when it has none by that id.
    Result<bool> remove(std::string_view site, std::int64_t account_id, std::int64_t id);

  private:
    std::string challenge_hash(std::string_view challenge) const;

    Store& store_;
    const KeyRing& keys_;
};

}  // namespace latchkey
