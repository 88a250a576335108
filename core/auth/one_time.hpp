#pragma once
// Single-use secrets sent by mail (verification and password-reset links). The token itself is
// only ever in the mail; the database keeps a keyed hash.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/auth/throttle.hpp"
#include "core/base/result.hpp"
#include "core/crypto/keys.hpp"
#include "core/store/store.hpp"

namespace latchkey {

// The purpose of a pending email change's token, which carries the new address (sql/017).
inline constexpr const char* kChangeEmailPurpose = "change_email";

struct Redeemed {
    std::int64_t account_id;
    bool already_used;      // redeemed before: the caller decides whether a repeat is harmless
    std::string new_email;  // what a change_email token moves the account to; else empty
};

class OneTimeTokens {
  public:
    OneTimeTokens(Store& store, const KeyRing& keys) : store_(store), keys_(keys) {}

    // A new token for `purpose`, valid `ttl` seconds. The
    // account's earlier tokens stay valid: a stranger asking for a new one must not void the one
    // the owner is about to use (how many can be outstanding is bounded by the sending limits).
    // `new_email`: the address a pending email change waits to move the account to (sql/017).
    Result<std::string> issue(std::int64_t account_id, std::string_view purpose, std::int64_t ttl,
                              std::int64_t now, std::string_view new_email = {});

    // Ends the account's tokens of `purpose`, used or not: a newer email change supersedes the
    // pending one, whose link must stop working.
    Result<void> revoke(std::int64_t account_id, std::string_view purpose);

    // Marks the token used; the caller's transaction holds the change the token authorises, so
    // both happen or neither. Errc::invalid_token when unknown, of another purpose
    // or expired. A token used before is reported (already_used) only while it has not expired.
    // `counted`: the guess was counted first (GuessBudget::reserve, outside this transaction).
    // Locks the token's account first (lock_account), so of concurrent redeems of one token
    // exactly one finds it unused, and a redeem never waits in a cycle with a change of the
    // account that then voids its tokens.
    Result<Redeemed> redeem(const GuessPass& counted, std::string_view purpose,
                            std::string_view token, std::int64_t now);
    // What redeem would find, read without locking or marking anything: a caller that must take
    // a lock before the account's (an email change's new address) learns its key here.
    Result<Redeemed> peek(const GuessPass& counted, std::string_view purpose,
                          std::string_view token, std::int64_t now);

    // Whether the token is unused and unexpired: one read, so a caller can skip costly work (a
    // password hash) for a dead token before it redeems a live one.
    Result<bool> live(const GuessPass& counted, std::string_view purpose, std::string_view token,
                      std::int64_t now);

  private:
    std::string keyed_hash(std::string_view purpose, std::string_view token) const;

    Store& store_;
    const KeyRing& keys_;
};

}  // namespace latchkey
