#pragma once
// What route rows declare about guessing, enforced: the router's gate arms each request's guess
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

GuessPolicy guess_policy(const Config& config);

// The Router's gate (fcgi/router.hpp).
std::optional<Response> guard_guesses(Services& services, const Request& request,
                                      const Contract& contract, const Route& route);

// 429 with Retry-After for a refused guess, counted in latchkey_lockout_refusals_total and
// nothing else (a refusal writes nothing; the lock was audited as `lockout` when it began);
// `code` carries Cognito's error name for the contract that speaks it.
Problem guess_refusal(Services& services, const Request& request, std::int64_t retry_after);
inline Problem guess_refusal(Services& services, const Request& request) {
    return guess_refusal(services, request, services.guesses.retry_after());
}

}  // namespace latchkey
