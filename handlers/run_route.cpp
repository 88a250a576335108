// The application's half of the pipeline: what a route's row declares, enforced in one order for
// every route of every contract (throttle, then caller), before its handler runs.
#include "core/base/clock.hpp"
#include "handlers/context.hpp"
#include "handlers/throttle.hpp"

namespace latchkey {
namespace {

// Where a caller's token may come from besides `Authorization: Bearer`: the cookie nginx names
// (LATCHKEY_AUTH_COOKIE, for auth_request), or the token cookie of sites that deliver tokens in
// one (LATCHKEY_TOKEN_DELIVERY cookie).
std::string_view token_cookie_of(const Request& request) {
    if (auto named = request.param("LATCHKEY_AUTH_COOKIE"); named && !named->empty()) {
        return *named;
    }
    if (request.param("LATCHKEY_TOKEN_DELIVERY").value_or("") == "cookie") return kTokenCookie;
    return {};
}

// The account type the route's caller must be: the row's, else the one nginx names for the site
// (LATCHKEY_ACCOUNT_KIND), else (empty) the token's own.
std::string_view caller_kind_of(const Route& route, const Request& request) {
    if (!route.caller_kind.empty()) return route.caller_kind;
    return request.param("LATCHKEY_ACCOUNT_KIND").value_or("");
}

}  // namespace

std::variant<FieldValues, Problem> read_fields(const Context& context,
                                               std::span<const FieldRule> rules) {
    FieldValues values;
    const FieldPolicy policy{.breached_passwords_dir =
                                 context.services.config.breached_passwords_dir};
    auto issues = context.body.is_form ? validate_pairs(context.body.form, rules, values, policy)
                                       : validate_fields(context.json(), rules, values, policy);
    if (!issues.empty()) return invalid_fields(std::move(issues));
    return values;
}

std::optional<Outcome> refused_cross_origin(const Context& context) {
    if (context.who().from_cookie && !same_origin_or_trusted(context.request)) {
        return Outcome(make_error(Errc::cross_origin));
    }
    return std::nullopt;
}

Outcome run_route(Services& services, const Request& request, const Contract& contract,
                  const Route& route, RequestBody& body) {
    if (auto refused = guard_guesses(services, request, route)) return std::move(*refused);
    Context context{services, request, contract, route, site_of(request), unix_now(), body, {}};
    if (route.access != Access::open) {
        auto who = authenticate(services, request, caller_kind_of(route, request),
                                token_cookie_of(request));
        if (auto* error = std::get_if<Error>(&who)) return std::move(*error);
        if (auto* caller = std::get_if<Caller>(&who)) {
            context.caller = std::move(*caller);
        } else if (route.access == Access::caller) {
            return make_error(std::get<AuthFailure>(who) == AuthFailure::missing
                                  ? Errc::unauthenticated
                                  : Errc::invalid_token);
        }
    }
    return route.handler(context);
}

}  // namespace latchkey
