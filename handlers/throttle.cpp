#include "handlers/throttle.hpp"

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "handlers/auth.hpp"
#include "handlers/validation.hpp"

namespace latchkey {

GuessPolicy guess_policy(const Config& config) {
    return GuessPolicy{config.throttle_pair_free,    config.throttle_network_free,
                       config.throttle_account_free, config.throttle_first_lock,
                       config.throttle_max_lock,     config.throttle_account_max_lock,
                       config.throttle_forget,       config.throttle_known_days};
}

std::optional<Response> guard_guesses(Services& services, const Request& request,
                                      const Contract& contract, const Route& route) {
    services.guesses.disarm();
    if (route.throttle.empty()) return std::nullopt;
    services.guesses.arm(*services.store, services.keys, guess_policy(services.config),
                         route.throttle, site_of(request), client_network_of(request));
    // A network locked for the class is turned away before its body is even read.
    auto wait = services.guesses.network_wait(unix_now());
    if (!wait) return contract.render_problem(problem_from_core(wait.error()));
    if (*wait > 0) return contract.render_problem(guess_refusal(services, request, "", *wait));
    return std::nullopt;
}

Problem guess_refusal(Services& services, const Request& request, std::string_view email,
                      std::int64_t retry_after) {
    Metrics::process().count("latchkey_lockout_refusals_total", site_of(request));
    audit(services, request, "lockout", 0, email, services.guesses.klass());
    const bool login = services.guesses.klass() == kThrottleLogin;
    return Problem{
        429,
        login ? "Too many login attempts, try again later" : "Too many attempts, try again later",
        {},
        {{"Retry-After", std::to_string(std::max<std::int64_t>(retry_after, 1))}},
        "TooManyRequestsException"};
}

}  // namespace latchkey
