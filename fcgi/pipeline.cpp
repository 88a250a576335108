#include "fcgi/pipeline.hpp"

#include <chrono>
#include <exception>

#include "core/base/log.hpp"
#include "core/base/metrics.hpp"

namespace latchkey {
namespace {

// Without a contract there is no shape to speak in: a plain JSON 500 that names the cause for the
// operator (it is nginx's configuration, not the client, that is wrong).
Response misconfigured(const std::string& why) {
    log_event(LogLevel::error, "request refused: " + why);
    Json body = json_object();
    json_put(body.get(), "error", "Internal server error");
    json_put(body.get(), "detail", "server misconfigured: " + why);
    return Response::json(500, body.get());
}

// The contract's answer, and the route table path it came from ("unmatched" when none did).
Response answer(const Router& router, Services& services, const Request& request,
                const Route* matched, std::string_view& route);

}  // namespace

namespace {

// Every answer is counted and logged here, with the route table path it came from.
Response finish(const Router& router, const Request& request, std::string_view route,
                Response response, Clock::time_point arrived) {
    const double seconds = std::chrono::duration<double>(Clock::now() - arrived).count();
    const std::string_view contract = request.param("LATCHKEY_CONTRACT").value_or("");
    // Labels only from fixed sets: a contract the router knows, the route table's path.
    const std::string_view known_contract =
        router.contract(contract) != nullptr ? contract : std::string_view("unknown");
    Metrics::process().observe_request(known_contract, request.method, route, response.status,
                                       seconds);
    char ms[16];
    std::snprintf(ms, sizeof ms, "%.2f", seconds * 1000);
    const std::string status = std::to_string(response.status);
    log_event(LogLevel::info, "request",
              {{"request_id", request.param("LATCHKEY_REQUEST_ID").value_or("")},
               {"contract", contract},
               {"site", request.param("LATCHKEY_SITE").value_or("")},
               {"method", request.method},
               {"path", request.path},
               {"status", status},
               {"ms", ms}});
    return response;
}

}  // namespace

Response process_request(const Router& router, Services& services, const Request& request,
                         Clock::time_point arrived, const Route* matched) {
    std::string_view route = "unmatched";
    Response response = answer(router, services, request, matched, route);
    return finish(router, request, route, std::move(response), arrived);
}

const Route* route_of(const Router& router, const Request& request) {
    const Contract* contract = router.contract(request.param("LATCHKEY_CONTRACT").value_or(""));
    if (contract == nullptr) return nullptr;
    auto found = router.match(*contract, request.method, request.path);
    const Route* const* matched = std::get_if<const Route*>(&found);
    return matched != nullptr ? *matched : nullptr;
}

bool runs_queued(const Route& route, const Request& request) {
    return route.queued && !request.body_too_large;
}

Response refuse_queued(const Router& router, const Request& request, const Route& route,
                       std::string why, Clock::time_point arrived) {
    const Contract* contract = router.contract(request.param("LATCHKEY_CONTRACT").value_or(""));
    Response response =
        render_failure(*contract, make_error(Errc::busy, std::move(why)), route.path);
    return finish(router, request, route.path, std::move(response), arrived);
}

namespace {

Response answer(const Router& router, Services& services, const Request& request,
                const Route* matched, std::string_view& route) {
    const auto contract_name = request.param("LATCHKEY_CONTRACT");
    if (!contract_name || contract_name->empty()) {
        return misconfigured("nginx passed no LATCHKEY_CONTRACT FastCGI param");
    }
    const auto site = request.param("LATCHKEY_SITE");
    if (!site || site->empty()) return misconfigured("nginx passed no LATCHKEY_SITE FastCGI param");
    const Contract* contract = router.contract(*contract_name);
    if (contract == nullptr) {
        return misconfigured("LATCHKEY_CONTRACT '" + std::string(*contract_name) + "' is unknown");
    }
    // The order is the contract with every route: route, size, body, then (the application's
    // runner) throttle, caller and handler; whatever fails is worded and rendered here.
    try {
        if (matched == nullptr) {
            auto found = router.match(*contract, request.method, request.path);
            if (auto* problem = std::get_if<Problem>(&found)) {
                return render_failure(*contract, std::move(*problem));
            }
            matched = std::get<const Route*>(found);
        }
        route = matched->path;
        if (request.body_too_large) {
            return render_failure(*contract, problem_of(Errc::body_too_large), route);
        }
        auto body = read_body(request, matched->body);
        if (auto* problem = std::get_if<Problem>(&body)) {
            return render_failure(*contract, std::move(*problem), route);
        }
        Outcome outcome =
            router.runner()(services, request, *contract, *matched, std::get<RequestBody>(body));
        if (auto* error = std::get_if<Error>(&outcome)) {
            return render_failure(*contract, *error, route);
        }
        if (auto* problem = std::get_if<Problem>(&outcome)) {
            return render_failure(*contract, std::move(*problem), route);
        }
        return std::move(std::get<Response>(outcome));
    } catch (const std::exception& e) {
        log_event(LogLevel::error, "handler failed",
                  {{"contract", *contract_name}, {"path", request.path}, {"error", e.what()}});
    } catch (...) {
        log_event(LogLevel::error, "handler failed",
                  {{"contract", *contract_name}, {"path", request.path}, {"error", "unknown"}});
    }
    try {
        return render_failure(*contract, problem_of(Errc::internal));
    } catch (...) {
        return Response::json(500, std::string(R"({"error":"Internal server error"})"));
    }
}

}  // namespace

}  // namespace latchkey
