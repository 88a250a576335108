#pragma once
// Every contract Latchkey serves, by the name nginx passes in LATCHKEY_CONTRACT.
#include <vector>

#include "fcgi/router.hpp"

namespace latchkey {

Contract fastapi_contract();
Contract gateway_contract();
Contract verified_contract();
Contract storefront_contract();
Contract booking_contract();
// The Cognito wire protocol of the booking site (POST /cognito), in AWS JSON 1.1's error shape.
Contract cognito_contract();
// Not a frontend's contract: nginx's auth_request target, health and metrics.
Contract ops_contract();

// FastAPI's error bodies, shared by the contracts that speak them (fastapi, booking).
Response render_fastapi_problem(const Problem& problem);

std::vector<Contract> all_contracts();

}  // namespace latchkey
