#pragma once
// Guess throttling: every check of a secret (a password, a one-time token, an emailed code) is
// counted before it is made, in the same write transaction that looks at the limits, so parallel
// guesses cannot pass them. Three buckets per guess, each temporary and exponential:
//   - (account, network): `pair_free` failures, then a lock that doubles up to `max_lock`;
//   - network: `network_free` failures at any account of the class, then the same locks;
//   - account: `account_free` failures from any network, then locks up to `account_max_lock`,
//     except from a network the account signed in from within `known_days`: strangers elsewhere
//     cannot lock the owner out on their usual network at all.
// Accounts are named by what the client submitted (kind and normalised email), so an unknown
// email is throttled exactly like a known one. Buckets are stored as keyed hashes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/auth/audit.hpp"
#include "core/base/result.hpp"
#include "core/crypto/keys.hpp"
#include "core/store/store.hpp"

namespace latchkey {

struct GuessPolicy {
    std::int64_t pair_free = 5;
    std::int64_t network_free = 50;
    std::int64_t account_free = 10;
    std::int64_t first_lock = 1;  // seconds of the first lock; each further failure doubles it
    std::int64_t max_lock = 900;
    std::int64_t account_max_lock = 60;
    std::int64_t forget_after = 900;  // failures are forgotten this long after the last lock ends
    std::int64_t known_days = 30;     // a network an account signed in from stays known this long
};

// Whether a failed check of a secret heard the guess (a wrong or unknown secret) rather than never
// getting to it (a busy hasher, a failed store): only the first kind stays counted.
inline bool was_checked(Errc code) {
    return code == Errc::invalid_credentials || code == Errc::invalid_token ||
           code == Errc::refresh_reuse || code == Errc::code_mismatch || code == Errc::expired ||
           code == Errc::not_found;
}

// Proof that a guess was counted: the only way to get one is GuessBudget::reserve, and every check
// of a secret in core asks for one. It remembers each counted bucket as it was before and as the
// count left it, so the count can be taken back exactly (a right guess, a check that never ran).
class GuessPass {
  public:
    const std::string& account() const { return account_; }

    struct State {
        std::int64_t failures = 0, locked_until = 0, expires_at = 0;
        bool operator==(const State&) const = default;
    };
    struct Counted {
        std::string key;
        std::optional<State> before;  // none: absent or expired
        State after;
    };

  private:
    friend class GuessBudget;
    GuessPass(std::string account, std::vector<Counted> counted)
        : account_(std::move(account)), counted_(std::move(counted)) {}
    std::string account_;
    std::vector<Counted> counted_;
};

// One request's allowance of guesses for the throttle class its route declared. Unarmed (a route
// that declared no throttle), every reservation fails closed.
class GuessBudget {
  public:
    void arm(Store& store, const KeyRing& keys, const GuessPolicy& policy, std::string_view klass,
             std::string_view site, std::string_view network);
    void disarm() {
        store_ = nullptr;
        lock_event_.reset();
    }
    // Audited (event `lockout`, in the counting transaction) when a guess starts a lock: once per
    // lock, however often a locked client retries. Refusals themselves write nothing.
    void audit_locks(AuditEvent prototype, std::int64_t retention_days) {
        lock_event_ = std::move(prototype);
        retention_days_ = retention_days;
    }
    bool armed() const { return store_ != nullptr; }

    // Seconds until the client network may guess again in this class; 0: now. One read.
    Result<std::int64_t> network_wait(std::int64_t now);

    // Counts one guess at `account` (empty: a secret of no account, such as a mailed token; the
    // network alone is counted). Errc::rate_limited, nothing counted, while a bucket is locked
    // (retry_after() says for how long); Errc::invalid_argument when unarmed or called inside a
    // transaction (as are succeeded and cancel): the caller's rollback would undo the count.
    Result<GuessPass> reserve(std::string_view account, std::int64_t now);

    // The guess was right: the account's failure counts go and the network becomes known for it.
    // The network bucket goes back to what it was before this guess (its count, lock and expiry):
    // a busy NAT signing in neither adds to nor launders the network's wrong guesses.
    Result<void> succeeded(const GuessPass& pass, std::int64_t now);

    // The check never ran (the hasher was busy, the store failed): every bucket goes back to what
    // it was before this guess, so an overloaded service counts nothing against its clients.
    Result<void> cancel(const GuessPass& pass);

    std::int64_t retry_after() const { return retry_after_; }
    const std::string& klass() const { return klass_; }

  private:
    // Armed, and not inside a transaction of the store: each guess's count is its own, committed
    // whatever the caller's work does.
    Result<void> ready() const;
    std::string bucket(std::string_view scope, std::string_view account) const;
    // Puts one counted bucket back; a bucket another guess has counted since keeps that count.
    Result<void> restore(const GuessPass::Counted& counted);

    Store* store_ = nullptr;
    const KeyRing* keys_ = nullptr;
    GuessPolicy policy_;
    std::string klass_, site_, network_;
    std::int64_t retry_after_ = 0;
    std::optional<AuditEvent> lock_event_;
    std::int64_t retention_days_ = 0;
};

}  // namespace latchkey
