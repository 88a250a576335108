#include "handlers/throttle.hpp"

#include "core/base/clock.hpp"
#include "core/base/metrics.hpp"
#include "handlers/auth.hpp"

namespace latchkey {

GuessPolicy guess_policy(const Config& config) {
    return GuessPolicy{config.throttle_pair_free,    config.throttle_network_free,
                       config.throttle_account_free, config.throttle_first_lock,
                       config.throttle_max_lock,     config.throttle_account_max_lock,
                       config.throttle_forget,       config.throttle_known_days};
}

std::optional<Outcome> guard_guesses(Services& services, const Request& request,
                                     const Route& route) {
    services.guesses.disarm();
    if (route.throttle.empty()) return std::nullopt;
    GuessPolicy policy = guess_policy(services.config);
    if (route.throttle == kThrottleSecondFactor) {
        policy.account_max_lock = services.config.throttle_second_factor_account_max_lock;
    }
    services.guesses.arm(*services.store, services.keys, policy, route.throttle, site_of(request),
                         client_network_of(request));
    services.guesses.audit_locks(
        AuditEvent{0, std::string(site_of(request)), "lockout", 0, "",
                   std::string(request.param("REMOTE_ADDR").value_or("")),
                   std::string(request.header("User-Agent").value_or("")), ""},
        services.config.audit_retention_days);
    if (!route.refuse_early) return std::nullopt;
    // A network locked for the class is turned away before its body is even read, with one read.
    auto wait = services.guesses.network_wait(unix_now());
    if (!wait) return wait.error();
    if (*wait > 0) return guess_refusal(services, request, *wait);
    return std::nullopt;
}

Problem guess_refusal(Services& services, const Request& request, std::int64_t retry_after) {
    // Counted only: a locked client that keeps sending must not turn each refusal into a write
    // (the lock itself was audited once, when it began).
    Metrics::process().count("latchkey_lockout_refusals_total", site_of(request));
    const bool login = services.guesses.klass() == kThrottleLogin;
    return problem_of(login ? Errc::login_throttled : Errc::rate_limited,
                      {{"Retry-After", std::to_string(std::max<std::int64_t>(retry_after, 1))}});
}

}  // namespace latchkey
