#pragma once
// The one path every request takes: contract → route → size → body (media type, strict parse)
// → the application's runner (throttle → caller → handler) → render → log. It is the single
// exception boundary: nothing a handler throws reaches libfcgi.
#include <chrono>
#include <string>

#include "fcgi/request.hpp"
#include "fcgi/response.hpp"
#include "fcgi/router.hpp"

namespace latchkey {

using Clock = std::chrono::steady_clock;

// `arrived`: when the worker read the request; a queued request's wait counts in its latency.
// `matched`: the request's route when route_of() found it already (the match is not redone).
Response process_request(const Router& router, Services& services, const Request& request,
                         Clock::time_point arrived = Clock::now(), const Route* matched = nullptr);

// The request's route in its contract's table; null without one (process_request then answers
// with the contract's refusal).
const Route* route_of(const Router& router, const Request& request);

// True when the route is a queued one (Route::queued) and the request can reach its handler: a
// request refused earlier (too large) is answered on the worker at once.
bool runs_queued(const Route& route, const Request& request);

// The contract's 503 for a queued request turned away (the queue is full, or its turn would come
// after the deadline), logged and counted like any answer. `why` is for the log.
Response refuse_queued(const Router& router, const Request& request, const Route& route,
                       std::string why, Clock::time_point arrived);

}  // namespace latchkey
