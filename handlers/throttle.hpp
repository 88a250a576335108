#pragma once
// What route rows declare about guessing, enforced: the route runner arms each request's guess
// budget with its route's throttle class and refuses a client network that is locked for it, and
// the refusal every contract renders in its own shape.
#include <optional>
#include <string_view>

#include "fcgi/router.hpp"
#include "handlers/services.hpp"

namespace latchkey {

// Throttle classes, as route rows name them.
inline constexpr std::string_view kThrottleLogin = "login";  // passwords
inline constexpr std::string_view kThrottleToken = "token";  // mailed verification/reset tokens
inline constexpr std::string_view kThrottleCode = "code";    // emailed one-time codes (Cognito)
// Authenticator-app codes on routes where nothing else is guessed (the sign-in's second step,
// confirming an app): the login policy, with the account-wide lock growing to
// throttle_second_factor_account_max_lock, since whoever guesses here already has the password.
inline constexpr std::string_view kThrottleSecondFactor = "second-factor";

GuessPolicy guess_policy(const Config& config);

// Arms the request's guess budget with the route's throttle class; the refusal to answer instead
// when the client network is locked for a route whose every request is a guess.
std::optional<Outcome> guard_guesses(Services& services, const Request& request,
                                     const Route& route);

// 429 with Retry-After for a refused guess (login_throttled for passwords, rate_limited for
// tokens and codes), counted in latchkey_lockout_refusals_total and nothing else (a refusal
// writes nothing; the lock was audited as `lockout` when it began).
Problem guess_refusal(Services& services, const Request& request, std::int64_t retry_after);
inline Problem guess_refusal(Services& services, const Request& request) {
    return guess_refusal(services, request, services.guesses.retry_after());
}

}  // namespace latchkey
