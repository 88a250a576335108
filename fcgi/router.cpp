#include "fcgi/router.hpp"

namespace latchkey {

const Contract* Router::contract(std::string_view name) const {
    for (const auto& c : contracts_) {
        if (c.name == name) return &c;
    }
    return nullptr;
}

std::variant<const Route*, Problem> Router::match(const Contract& contract, std::string_view method,
                                                  std::string_view path) const {
    std::string allow;
    for (const auto& route : contract.routes) {
        if (route.path != path) continue;
        if (route.method == method) return &route;
        if (allow.find(route.method) == std::string::npos) {
            if (!allow.empty()) allow += ", ";
            allow += route.method;
        }
    }
    if (allow.empty()) return problem_of(Errc::no_route);
    return problem_of(Errc::method_not_allowed, {{"Allow", allow}});
}

Response render_failure(const Contract& contract, Problem problem, std::string_view route) {
    return contract.render(worded(contract.wording, std::move(problem), route));
}

Response render_failure(const Contract& contract, const Error& error, std::string_view route) {
    return render_failure(contract, problem_from_error(error), route);
}

}  // namespace latchkey
