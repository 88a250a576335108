#pragma once
// Shared between the two halves of the booking contract (booking.cpp, booking_cognito.cpp).
#include <variant>

#include "fcgi/problem.hpp"
#include "fcgi/request.hpp"
#include "fcgi/response.hpp"
#include "handlers/auth.hpp"
#include "handlers/services.hpp"

namespace latchkey {

// POST /cognito: the Cognito user-pool operations Amplify v6 uses, routed on X-Amz-Target.
Response cognito_endpoint(Services& services, const Request& request);

// Problems with a `code` become Cognito errors ({"__type", "message"}); the rest are FastAPI's.
Response render_booking_problem(const Problem& problem);

// The caller behind a bearer token issued by the Cognito endpoint: also refused once the sign-in
// it came from has been revoked (signOut) or has expired.
std::variant<Caller, AuthFailure, Error> authenticate_booking(Services& services,
                                                              const Request& request);

}  // namespace latchkey
