#pragma once
// The one path every request takes: contract → route → the router's gate (the application's
// checks of what the route declares) → handler → response. It is the single exception boundary:
// nothing a handler throws reaches libfcgi.
#include "fcgi/request.hpp"
#include "fcgi/response.hpp"
#include "fcgi/router.hpp"

namespace latchkey {

Response process_request(const Router& router, Services& services, const Request& request);

}  // namespace latchkey
