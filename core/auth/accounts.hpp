#pragma once
// Accounts: creation with uniqueness per (site, kind), authentication with rehash-on-login, lookup.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/auth/throttle.hpp"
#include "core/base/result.hpp"
#include "core/crypto/password.hpp"
#include "core/store/store.hpp"

namespace latchkey {

using Profile = std::map<std::string, std::string>;  // contract fields, opaque to core

enum class PublicIdStyle { uuid, hex24 };

struct Account {
    std::int64_t id = 0;
    std::string public_id;
    std::string site;
    std::string kind;
    std::string email;
    std::optional<std::string> username;
    Profile profile;
    bool email_verified = false;
    bool disabled = false;
    std::int64_t session_version = 0;  // tokens carrying another version are refused
    std::string locale = "en";         // the language of its mail (core/mail/locale.hpp)
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

struct NewAccount {
    std::string site = {};
    std::string kind = "user";
    std::string email = {};
    std::optional<std::string> username = {};
    std::string password = {};
    Profile profile = {};
    PublicIdStyle id_style = PublicIdStyle::uuid;
    bool email_verified = false;
    bool passwordless = false;  // signs in by emailed codes only: no password hash at all
    std::string locale = "en";  // one of kMailLocales
};

// An account brought from another system: its password hash as that system stored it (bcrypt or
// argon2id; upgraded to the current argon2id parameters at its first login), or none.
struct ImportedAccount {
    NewAccount account;
    std::optional<std::string> password_hash;  // none: passwordless
    std::optional<std::string> public_id;      // keep the old system's id (a UUID or 24 hex)
};

// Lock order (docs/scaling.md, "Lock order"): an address's and a username's keys
// (Accounts::lock_names), then the account's row (lock_account), then the account's own rows, then
// shared counters (guess buckets, send limits). Both are no-ops where the store already excludes
// every other writer (Store::locks_rows).
//
// Locks the account's row until the transaction ends (FOR NO KEY UPDATE: inserts of its children
// still go ahead): account-scoped read-check-writes of one account take turns, other accounts'
// do not wait. Errc::not_found when it is gone. Inside a transaction.
Result<void> lock_account(Store& store, std::int64_t id);
// lock_account for an account a request acts as or on: one deleted meanwhile answers
// Errc::invalid_token, as a token naming a gone account does.
Result<void> lock_callers_account(Store& store, std::int64_t id);

class Accounts {
  public:
    Accounts(Store& store, const PasswordHasher& hasher) : store_(store), hasher_(hasher) {}

    // Work that must commit together with a new account (e.g. queueing its verification mail).
    using WithinCreate = std::function<Result<void>(const Account&)>;

    // Errc::email_taken (checked first) or Errc::username_taken when the namespace has them,
    // case-insensitively. The email (and username) is claimed in a short transaction before the
    // password is hashed, outside any lock: of a crowd registering one address, one hashes and
    // the rest get email_taken at once (account_claims, sql/010). The account replaces the claim
    // in a second transaction, in which `within` runs; its failure rolls the account back. A
    // failed hash removes the claim; a claim its process never finished (a crash mid-hash) lapses
    // after the hash queue's wait plus kClaimMargin.
    Result<Account> create(const NewAccount& account, std::int64_t now,
                           const WithinCreate& within = {});

    // In the caller's transaction (an import batch) when it has one: Errc::email_taken,
    // username_taken, or invalid_argument for a public id in use or of the wrong shape or a hash of
    // no known format.
    Result<Account> import(const ImportedAccount& imported, std::int64_t now);

    Result<std::optional<Account>> find_by_email(std::string_view site, std::string_view kind,
                                                 std::string_view email);
    Result<Account> find_by_id(std::int64_t id);

    // Sets a new password and ends the account's sessions (end_sessions, reason "password"; with
    // `one_time_purpose`, its unused one-time tokens of that purpose too). `hash` comes from
    // PasswordHasher::hash.
    Result<void> replace_password(std::int64_t id, std::string_view hash, std::int64_t now,
                                  std::string_view one_time_purpose = {});
    Result<void> mark_email_verified(std::int64_t id, std::int64_t now);
    // The account's address becomes `email` (trimmed, validated by the caller), verified by the
    // act its owner just did to confirm it (a followed link, an entered code). Errc::email_taken
    // when another account of its namespace, or a registration's live claim, holds the address
    // (case-insensitively); a change of case only is always free. Joins the caller's transaction.
    // Sessions and tokens stay: the password did not change.
    Result<void> change_email(const Account& account, std::string_view email, std::int64_t now);
    // Whether change_email(account, email, now) would find the address free: what a request to
    // change it decides by before anything is mailed.
    Result<bool> email_free_for(const Account& account, std::string_view email, std::int64_t now);
    // The language of the account's mail from now on (a stored preference changed).
    Result<void> set_locale(std::int64_t id, std::string_view locale, std::int64_t now);

    // Errc::invalid_credentials for an unknown email, a disabled account or a wrong password, all
    // after the same hashing work. Upgrades a bcrypt or weak argon2 hash on success. The guess is
    // counted in `guesses` (per submitted email, known or not) before any hashing:
    // Errc::rate_limited while throttled, and a failure without an armed budget.
    Result<Account> authenticate(GuessBudget& guesses, std::string_view site, std::string_view kind,
                                 std::string_view email, std::string_view password,
                                 std::int64_t now);

    Result<Account> find_by_public_id(std::string_view site, std::string_view kind,
                                      std::string_view public_id);

    // Administration (`latchkey user ...`). Disabling also ends the account's sessions and
    // tokens (session version bump, refresh families revoked); removing cascades to its rows.
    Result<std::vector<Account>> list(std::string_view site, std::string_view kind, int limit);
    // The site's accounts of that email, one per account type that has it.
    Result<std::vector<Account>> with_email(std::string_view site, std::string_view email);
    Result<void> set_disabled(std::int64_t id, bool disabled, std::int64_t now);
    Result<void> remove(std::int64_t id);

    // Takes the keys of one namespace's email (and username): registrations and changes of that
    // address wait for each other, others do not. Inside a transaction.
    Result<void> lock_names(std::string_view site, std::string_view kind, std::string_view email,
                            const std::optional<std::string>& username = std::nullopt);
    // The keys of every account of an import batch, taken at once in the one sorted order, so a
    // batch and a registration (or another batch) never wait for each other in a cycle. A batch
    // holds two keys per account until it commits.
    Result<void> lock_names(const std::vector<ImportedAccount>& batch);
    // How long a claim outlives the hash queue's longest wait: the hash itself, under load.
    static constexpr std::int64_t kClaimMargin = 60;  // seconds

  private:
    // Errc::email_taken or username_taken when the account's email or username is in use, by an
    // account or by a registration's claim that has not lapsed at `now`.
    Result<void> ensure_free(const NewAccount& account, std::int64_t now);
    // Inside a new transaction: purges lapsed claims, checks, and claims the email (and
    // username) of `account`; the claim's id.
    Result<std::int64_t> claim(const NewAccount& account, std::int64_t now);
    // Inside a new transaction: the account replaces claim `claim_id` (or, should the claim have
    // lapsed meanwhile, is written if its email is still free); `within` runs there too.
    Result<void> settle(Account& account, const NewAccount& n, std::int64_t claim_id,
                        const std::optional<std::string>& hash, std::int64_t now,
                        const WithinCreate& within);
    void release(std::int64_t claim_id);
    // Writes `account` (its public id, timestamps and fields as given); sets its id.
    Result<void> insert(Account& account, const std::optional<std::string>& hash);
    Result<std::optional<Account>> find_by_email(std::string_view site, std::string_view kind,
                                                 std::string_view email, std::string* hash);

    Store& store_;
    const PasswordHasher& hasher_;
};

}  // namespace latchkey
