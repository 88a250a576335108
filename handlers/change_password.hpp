#pragma once
// A signed-in account changing its own password, the same steps on every password contract: the
// current password checked as a guess at the caller's own account (the route's `login` throttle
// class, so it shares the login's buckets), the new one hashed, then in one transaction the
// password replaced, every session and token of the account ended (end_sessions), and the
// contract's own work done (a new refresh family). The contract answers with a fresh token.
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/auth/accounts.hpp"
#include "handlers/context.hpp"
#include "handlers/validation.hpp"

namespace latchkey {

// The route, the same on every password contract, and what its throttle's 429 says.
inline constexpr std::string_view kChangePasswordPath = "/api/auth/change-password";
inline constexpr std::string_view kPasswordGuessesThrottled =
    "Too many password attempts, try again later";

struct PasswordChange {
    std::string current;
    std::string replacement;
    // The account's unused one-time tokens of this purpose end too (verified's reset links).
    std::string_view one_time_purpose = {};
    // Commits with the change; given the account as it now is (its new session version).
    std::function<Result<void>(const Account&)> within = {};
    // The success answer, given the account as it now is.
    std::function<Outcome(const Account&)> answer;
};

// A wrong current password is Errc::invalid_credentials (audited as `password.change.failure`),
// a throttled one the guess refusal; Errc::invalid_token when the caller's session ended while
// it ran (a concurrent change); success is audited as `password.change`.
Outcome change_password(Context& c, const PasswordChange& change);

// The rule of field `field` in `rules`, renamed `as`: a new password obeys the contract's own
// register rule for `password`, whatever that rule becomes. A name not in `rules` fails the build.
template <std::size_t N>
constexpr FieldRule rule_as(const FieldRule (&rules)[N], std::string_view field, const char* as) {
    for (FieldRule rule : rules) {
        if (std::string_view(rule.name) == field) {
            rule.name = as;
            return rule;
        }
    }
    throw std::logic_error("no such field rule");
}

// `rule` checked against another field (confirmPassword against newPassword).
constexpr FieldRule confirming(FieldRule rule, const char* other) {
    rule.same_as = other;
    return rule;
}

}  // namespace latchkey
