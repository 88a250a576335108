#pragma once
// Passwordless sign-in state: opaque sessions, each naming one step of a sign-in or sign-up for
// one account, optionally with an emailed numeric code. Codes come from libsodium's CSPRNG, are
// single use and expire; a step answered by session (only its requester holds it) closes after a
// bounded number of wrong tries. Sending is limited by the caller
// (core/mail/send_limits.hpp) before anything is sent. Steps of one account are independent:
// opening one closes none of the others (a stranger asking for a code must not end the owner's),
// and answering one closes every open step of its purpose.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/auth/throttle.hpp"
#include "core/base/result.hpp"
#include "core/crypto/keys.hpp"
#include "core/store/store.hpp"

namespace latchkey {

// The purpose of a sign-in's second step (an authenticator app's code): end_sessions closes the
// account's open ones, so a challenge opened with a password does not outlive a change of it.
inline constexpr std::string_view kSecondFactorPurpose = "second-factor";

struct CodePolicy {
    int length = 8;          // digits
    std::int64_t ttl = 300;  // seconds a code (and its session) lives
    int max_attempts = 3;    // wrong codes that end the session
};

struct OpenedChallenge {
    std::string session;  // for the client
    std::string code;     // for the mail; empty when the step has no code
};

class Challenges {
  public:
    Challenges(Store& store, const KeyRing& keys, CodePolicy policy = {})
        : store_(store), keys_(keys), policy_(policy) {}

    // Opens a step for the account, leaving its other open steps open. `with_code` generates a code
    // of policy.length digits.
    Result<OpenedChallenge> open(std::string_view site, std::int64_t account_id,
                                 std::string_view purpose, bool with_code, std::int64_t ttl,
                                 std::int64_t now);

    // Checks `code` against the account's step named by `session`. Success closes it (and the
    // account's other open steps of the purpose) and returns the account. Errc::invalid_token:
    // unknown, another account's or closed; Errc::expired; Errc::code_mismatch (the step closes
    // after max_attempts wrong codes). `counted`: the guess was counted first, against this account
    // (GuessBudget::reserve), so a guess at another account's step is never charged elsewhere.
    Result<std::int64_t> answer(const GuessPass& counted, std::string_view site,
                                std::int64_t account_id, std::string_view purpose,
                                std::string_view session, std::string_view code, std::int64_t now);

    // The same for any of the account's open steps of `purpose` (sign-up confirmation carries no
    // session, and a resend must not void the code the owner already has). A wrong code closes
    // none of them: without a session anyone can answer, so wrong tries must not end the owner's
    // codes; the guess throttle (`counted`) bounds guessing instead. Errc::expired when none is
    // open.
    Result<std::int64_t> answer_latest(const GuessPass& counted, std::string_view site,
                                       std::int64_t account_id, std::string_view purpose,
                                       std::string_view code, std::int64_t now);

    // The account whose open, unexpired step of `purpose` `session` names, leaving it open: whom a
    // guess at the step is counted against. Errc::invalid_token when unknown, closed or expired.
    Result<std::int64_t> holder(std::string_view site, std::string_view purpose,
                                std::string_view session, std::int64_t now);

    // Answers the step `session` names with a secret only `check` knows how to check (an
    // authenticator's code): on success the step closes, in the same transaction as `check`'s own
    // writes, and its account is returned; on Errc::code_mismatch the step counts a wrong try
    // and closes after max_attempts. `counted`: the guess was counted first, against holder().
    Result<std::int64_t> answer_with(
        const GuessPass& counted, std::string_view site, std::string_view purpose,
        std::string_view session, std::int64_t now,
        const std::function<Result<void>(std::int64_t account)>& check);

    // Closes a step without a code (choosing a challenge, signing in after sign-up) and returns
    // its account. Errc::invalid_token when unknown, closed or expired.
    Result<std::int64_t> take(std::string_view site, std::string_view purpose,
                              std::string_view session, std::int64_t now);

  private:
    std::string keyed_hash(std::string_view kind, std::string_view value) const;
    std::string code_hash(const std::string& session_hash, std::string_view code) const;
    Result<std::int64_t> attempt(const std::string& session_hash, std::string_view site,
                                 std::int64_t account_id, std::string_view purpose,
                                 std::string_view code, std::int64_t now);
    Result<void> close_open(std::int64_t account_id, std::string_view purpose, std::int64_t now);

    Store& store_;
    const KeyRing& keys_;
    CodePolicy policy_;
};

}  // namespace latchkey
