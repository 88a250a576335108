#pragma once
// What a handler gets: one request with everything its route's row asked for already done by
// the pipeline (body read and parsed, throttle armed, caller authenticated), plus the site and the
// clock. A handler validates its fields, calls core, and returns an Outcome: a Response, a
// Problem, or core's Error. It never builds an error body: the contract's wording and renderer do.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>

#include "fcgi/body.hpp"
#include "fcgi/router.hpp"
#include "handlers/auth.hpp"
#include "handlers/services.hpp"
#include "handlers/validation.hpp"

namespace latchkey {

struct Context {
    Services& services;
    const Request& request;
    const Contract& contract;
    const Route& route;
    std::string_view site;
    std::int64_t now;
    RequestBody& body;             // as the route's `body` declares
    std::optional<Caller> caller;  // always set for Access::caller routes

    const cJSON* json() const { return body.json.get(); }
    // The caller of an Access::caller route (the pipeline refused the request without one).
    const Caller& who() const { return *caller; }
};

// The body's fields (JSON object or form pairs) checked against `rules`: the values, or the
// validation problem to return.
std::variant<FieldValues, Problem> read_fields(const Context& context,
                                               std::span<const FieldRule> rules);

// The refusal of a change made with a cookie from an origin the site does not trust (CSRF,
// beyond SameSite); nothing for a bearer token or a trusted origin.
std::optional<Outcome> refused_cross_origin(const Context& context);

// The Router's runner (fcgi/router.hpp): the route's throttle, then its caller, then its handler.
Outcome run_route(Services& services, const Request& request, const Contract& contract,
                  const Route& route, RequestBody& body);

}  // namespace latchkey
