#pragma once
// Shared between the booking contract and its site's Cognito endpoint (booking.cpp,
// booking_cognito.cpp).
#include <variant>

#include "fcgi/router.hpp"

namespace latchkey {

struct Context;

// POST /cognito: the Cognito user-pool operations Amplify v6 uses, routed on X-Amz-Target.
Outcome cognito_endpoint(Context& context);

}  // namespace latchkey
