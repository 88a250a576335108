#pragma once
// Route tables: one per contract, declared where the contract's handlers live. The router finds
// the handler, or tells 404 (no such path) from 405 (path exists, method does not; with Allow).
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fcgi/problem.hpp"
#include "fcgi/request.hpp"
#include "fcgi/response.hpp"

namespace latchkey {

// Per-thread application state (database connection and the like). fcgi/ only passes it along;
// the application defines it.
struct Services;

using Handler = Response (*)(Services&, const Request&);

struct Route {
    std::string_view method;
    std::string_view path;
    Handler handler;
    // The throttle class of a route whose handler checks a secret; empty for none. The
    // application gives it meaning (the Gate below); fcgi/ only carries it.
    std::string_view throttle = {};
    // Whether every request of a throttled route is a guess, so a locked client may be turned
    // away before the handler runs. False for one path that serves many operations (Cognito's
    // POST /cognito): there only the operations that guess are refused, when they count.
    bool refuse_early = true;
};

struct Contract {
    std::string_view name;
    std::span<const Route> routes;
    Response (*render_problem)(const Problem&);  // this contract's error bodies
};

// Runs before every matched route's handler: a response to answer instead (the handler does not
// run), or nothing. The application's place to enforce what route rows declare (`throttle`).
using Gate = std::optional<Response> (*)(Services&, const Request&, const Contract&, const Route&);

class Router {
  public:
    explicit Router(std::vector<Contract> contracts, Gate gate = nullptr)
        : contracts_(std::move(contracts)), gate_(gate) {}

    Gate gate() const { return gate_; }

    const Contract* contract(std::string_view name) const;

    // The matching route, or the Problem (404 or 405 with Allow) to answer instead.
    std::variant<const Route*, Problem> match(const Contract& contract, std::string_view method,
                                              std::string_view path) const;

  private:
    std::vector<Contract> contracts_;
    Gate gate_;
};

}  // namespace latchkey
