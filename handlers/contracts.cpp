#include "handlers/contracts.hpp"

namespace latchkey {

std::vector<Contract> all_contracts() {
    return {fastapi_contract(), gateway_contract(), verified_contract(), storefront_contract(),
            booking_contract(), cognito_contract(), ops_contract()};
}

}  // namespace latchkey
