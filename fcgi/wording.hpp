#pragma once
// What each contract says when something fails: one table per contract (beside its handlers),
// keyed by the kind of failure. The pipeline words every Problem with it before the contract's
// renderer gives it a body, and `latchkey error-pages` renders the same rows for nginx's own
// error pages, so the service and nginx cannot word a failure differently.
#include <span>
#include <string_view>

#include "core/base/result.hpp"
#include "fcgi/problem.hpp"

namespace latchkey {

struct Wording {
    Errc kind;
    int status;
    std::string_view message;
    std::string_view code = {};   // for contracts that name their errors (Cognito's __type)
    std::string_view route = {};  // a row for this route path only; it wins over a general row
};

// `problem` with the status, message and code of its kind: the table's row, else the shared
// default row (kDefaultWording), else a 500 (logged: a kind nobody words is our bug). A problem
// that already has a status keeps it and its message.
Problem worded(std::span<const Wording> table, Problem problem, std::string_view route = {});

// A core Error as a Problem of its kind. Busy and unavailable stores get Retry-After; they and
// every failure that becomes a 500 are logged here with the detail a client never sees.
Problem problem_from_error(const Error& error);

// The wording every contract shares unless its table says otherwise.
extern const std::span<const Wording> kDefaultWording;

// The statuses nginx answers itself for a contract's site (its error_page locations), and the
// kind each one is.
struct NginxPage {
    int status;
    Errc kind;
};
inline constexpr NginxPage kNginxPages[] = {
    {400, Errc::bad_request},       {404, Errc::no_route},       {405, Errc::method_not_allowed},
    {408, Errc::request_timeout},   {413, Errc::body_too_large}, {414, Errc::header_too_large},
    {429, Errc::too_many_requests}, {500, Errc::internal},       {503, Errc::unavailable},
};

}  // namespace latchkey
