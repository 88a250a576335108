#pragma once
// Passwordless sign-in state: opaque sessions, each naming one step of a sign-in or sign-up for
// one account, optionally with an emailed numeric code. Codes come from libsodium's CSPRNG, are
// single use, expire, and allow a bounded number of wrong tries; sending is throttled per email
// before anything is sent (clients retry throttled calls).
#include <cstdint>
#include <string>
#include <string_view>

#include "core/keys.hpp"
#include "core/result.hpp"
#include "core/store.hpp"
#include "core/throttle.hpp"

namespace latchkey {

struct CodePolicy {
    int length = 8;             // digits
    std::int64_t ttl = 300;     // seconds a code (and its session) lives
    int max_attempts = 3;       // wrong codes that end the session
    int per_window = 5;         // codes per email per window...
    std::int64_t window = 300;  // ...of this many seconds
    int per_day = 20;           // and per 24 hours
};

struct OpenedChallenge {
    std::string session;  // for the client
    std::string code;     // for the mail; empty when the step has no code
};

class Challenges {
  public:
    Challenges(Store& store, const KeyRing& keys, CodePolicy policy = {})
        : store_(store), keys_(keys), policy_(policy) {}

    // Opens a step for the account, closing its other open steps of the same purpose; run inside
    // the caller's transaction. `with_code` generates a code of policy.length digits.
    Result<OpenedChallenge> open(std::string_view site, std::int64_t account_id,
                                 std::string_view purpose, bool with_code, std::int64_t ttl,
                                 std::int64_t now);

    // Checks `code` against the step named by `session`. Success closes it and returns the
    // account. Errc::invalid_token: unknown or closed; Errc::expired; Errc::code_mismatch (the
    // step closes after max_attempts wrong codes). `counted`: the guess was counted first
    // (GuessBudget::reserve).
    Result<std::int64_t> answer(const GuessPass& counted, std::string_view site,
                                std::string_view purpose, std::string_view session,
                                std::string_view code, std::int64_t now);

    // The same for the account's newest open step of `purpose` (sign-up confirmation carries no
    // session). Errc::expired when there is none left.
    Result<std::int64_t> answer_latest(const GuessPass& counted, std::string_view site,
                                       std::int64_t account_id, std::string_view purpose,
                                       std::string_view code, std::int64_t now);

    // Closes a step without a code (choosing a challenge, signing in after sign-up) and returns
    // its account. Errc::invalid_token when unknown, closed or expired.
    Result<std::int64_t> take(std::string_view site, std::string_view purpose,
                              std::string_view session, std::int64_t now);

    // Records one code sent to `email`, or Errc::rate_limited (nothing recorded) when the limits
    // say no. Run inside the transaction that sends.
    Result<void> allow_send(std::string_view site, std::string_view email, std::int64_t now);

  private:
    std::string keyed_hash(std::string_view kind, std::string_view value) const;
    std::string code_hash(const std::string& session_hash, std::string_view code) const;
    Result<std::int64_t> attempt(const std::string& session_hash, std::string_view site,
                                 std::string_view purpose, std::string_view code, std::int64_t now);

    Store& store_;
    const KeyRing& keys_;
    CodePolicy policy_;
};

}  // namespace latchkey
