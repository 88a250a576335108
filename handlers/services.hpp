#pragma once
// What a handler may use: process-wide engine parts plus this worker thread's own database
// connection. Built once per worker thread by the serve command.
#include <memory>
#include <string_view>

#include "core/accounts.hpp"
#include "core/config.hpp"
#include "core/keys.hpp"
#include "core/password.hpp"
#include "core/store.hpp"
#include "core/tokens.hpp"
#include "fcgi/request.hpp"

namespace latchkey {

struct Services {
    const Config& config;
    const KeyRing& keys;
    const PasswordHasher& hasher;
    std::unique_ptr<Store> store;

    Accounts accounts() { return Accounts(*store, hasher); }
    TokenIssuer issuer(std::string_view site) const {
        return TokenIssuer{keys, config.issuer, site};
    }
};

// The site nginx named for this request (the pipeline has checked it is there).
inline std::string_view site_of(const Request& request) {
    return request.param("LATCHKEY_SITE").value_or("");
}

}  // namespace latchkey
