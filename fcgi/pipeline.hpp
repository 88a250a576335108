#pragma once
// The one path every request takes: contract → route → size → body (media type, strict parse)
// → the application's runner (throttle → caller → handler) → render → log. It is the single
// exception boundary: nothing a handler throws reaches libfcgi.
#include "fcgi/request.hpp"
#include "fcgi/response.hpp"
#include "fcgi/router.hpp"

namespace latchkey {

Response process_request(const Router& router, Services& services, const Request& request);

}  // namespace latchkey
