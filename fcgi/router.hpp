#pragma once
// Route tables: one per contract, declared where the contract's handlers live. A route's row
// says what the route needs (a caller, a body, a throttle) and the pipeline enforces it before the
// handler runs, so a new route cannot forget a check: a row that says nothing needs a caller.
// The router finds the route, or tells 404 (no such path) from 405 (path exists; with Allow).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/base/result.hpp"
#include "fcgi/body.hpp"
#include "fcgi/problem.hpp"
#include "fcgi/request.hpp"
#include "fcgi/response.hpp"
#include "fcgi/wording.hpp"

namespace latchkey {

// Per-thread application state (database connection and the like), and one request's context
// (its parsed body, its caller). fcgi/ only passes them along; the application defines them.
struct Services;
struct Context;

// What a handler returns: an answer, or a failure the contract words and renders.
using Outcome = std::variant<Response, Problem, Error>;
using Handler = Outcome (*)(Context&);

enum class Access : std::uint8_t {
    caller,         // a valid caller, or the route is refused (the default)
    open,           // anyone
    caller_if_any,  // anyone; the caller, when valid credentials came, is known to the handler
};

struct Route {
    std::string_view method;
    std::string_view path;
    Handler handler;
    Access access = Access::caller;
    Body body = Body::none;
    // The account type a caller must be ("user", "merchant"); empty: the token's own type.
    std::string_view caller_kind = {};
    // The throttle class of a route whose handler checks a secret; empty for none. The
    // application gives it meaning; fcgi/ only carries it.
    std::string_view throttle = {};
    // Whether every request of a throttled route is a guess, so a locked client may be turned
    // away before the handler runs. False for one path that serves many operations (Cognito's
    // POST /cognito): there only the operations that guess are refused, when they count.
    bool refuse_early = true;
    // The handler waits its turn for a bounded shared resource (password hashing): the worker
    // that read the request hands it to the request queue and goes back to accepting, so waiting
    // requests hold memory, not workers. See fcgi/request_queue.hpp.
    bool queued = false;
};

struct Contract {
    std::string_view name;
    std::span<const Route> routes;
    std::span<const Wording> wording;    // what this contract says for each kind of failure
    Response (*render)(const Problem&);  // a worded Problem in this contract's shape
};

// The application's part of the pipeline, run for a matched route whose body has been read:
// the route's throttle, then its caller, then its handler.
using Runner = Outcome (*)(Services&, const Request&, const Contract&, const Route&, RequestBody&);

class Router {
  public:
    Router(std::vector<Contract> contracts, Runner runner)
        : contracts_(std::move(contracts)), runner_(runner) {}

    Runner runner() const { return runner_; }
    const std::vector<Contract>& contracts() const { return contracts_; }

    const Contract* contract(std::string_view name) const;

    // The matching route, or the Problem (no_route, or method_not_allowed with Allow).
    std::variant<const Route*, Problem> match(const Contract& contract, std::string_view method,
                                              std::string_view path) const;

  private:
    std::vector<Contract> contracts_;
    Runner runner_;
};

// A Problem or Error in the contract's words (for `route`, when one matched) and shape.
Response render_failure(const Contract& contract, Problem problem, std::string_view route = {});
Response render_failure(const Contract& contract, const Error& error, std::string_view route = {});

}  // namespace latchkey
