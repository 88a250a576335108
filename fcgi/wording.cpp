#include "fcgi/wording.hpp"

#include "core/base/log.hpp"

namespace latchkey {
namespace {

constexpr Wording kDefaults[] = {
    {Errc::invalid_argument, 400, "Validation failed"},
    {Errc::credential_taken, 409, "This passkey is registered already"},
    {Errc::limit_reached, 409, "Too many passkeys: remove one first"},
    {Errc::bad_request, 400, "Bad Request"},
    {Errc::no_route, 404, "Not Found"},
    {Errc::method_not_allowed, 405, "Method Not Allowed"},
    {Errc::request_timeout, 408, "Request Timeout"},
    {Errc::body_too_large, 413, "Request body too large"},
    {Errc::header_too_large, 414, "Request line or headers too large"},
    {Errc::unsupported_media_type, 415,
     "Unsupported Media Type: send Content-Type: application/json"},
    {Errc::too_many_requests, 429, "Too Many Requests"},
    {Errc::rate_limited, 429, "Too many attempts, try again later"},
    {Errc::login_throttled, 429, "Too many login attempts, try again later"},
    {Errc::busy, 503, "Service temporarily unavailable, try again shortly"},
    {Errc::unavailable, 503, "Service temporarily unavailable, try again shortly"},
    {Errc::internal, 500, "Internal server error"},
};

const Wording* row_for(std::span<const Wording> table, Errc kind, std::string_view route = {}) {
    const Wording* general = nullptr;
    for (const auto& row : table) {
        if (row.kind != kind) continue;
        if (!route.empty() && row.route == route) return &row;
        if (row.route.empty() && general == nullptr) general = &row;
    }
    return general;
}

}  // namespace

const std::span<const Wording> kDefaultWording = kDefaults;

Problem worded(std::span<const Wording> table, Problem problem, std::string_view route) {
    if (problem.status != 0) return problem;
    const Wording* row = row_for(table, problem.kind, route);
    if (row == nullptr) row = row_for(kDefaultWording, problem.kind);
    if (row == nullptr) {
        log_event(LogLevel::error, "a failure no wording names: answering 500",
                  {{"kind", std::to_string(static_cast<int>(problem.kind))}});
        problem.kind = Errc::internal;
        row = row_for(table, Errc::internal);
        if (row == nullptr) row = row_for(kDefaultWording, Errc::internal);
    }
    problem.status = row->status;
    problem.message = std::string(row->message);
    problem.code = std::string(row->code);
    return problem;
}

Problem problem_from_error(const Error& error) {
    switch (error.code) {
        case Errc::busy:
            log_event(LogLevel::warn, "busy: answering 503", {{"error", error.detail}});
            return problem_of(Errc::busy, {{"Retry-After", "1"}});
        case Errc::unavailable:
            log_event(
                LogLevel::error,
                "database unavailable (unreachable, read-only, full or failing): answering 503",
                {{"error", error.detail}});
            return problem_of(Errc::unavailable, {{"Retry-After", "30"}});
        case Errc::storage:
        case Errc::config:
        case Errc::internal:
            log_event(LogLevel::error, "internal failure", {{"error", error.detail}});
            return problem_of(Errc::internal);
        case Errc::refresh_reuse:  // to the client just a refresh token that no longer works
            return problem_of(Errc::invalid_token);
        case Errc::cloned_authenticator:  // to the client just a passkey that did not sign in
            log_event(LogLevel::warn, "passkey counter went back: cloned authenticator?",
                      {{"error", error.detail}});
            return problem_of(Errc::invalid_credentials);
        default:
            return problem_of(error.code);
    }
}

}  // namespace latchkey
