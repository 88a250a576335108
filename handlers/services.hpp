#pragma once
// What a handler may use: process-wide engine parts plus this worker thread's own database
// connection. Built once per worker thread by the serve command.
#include <memory>
#include <string_view>

#include "core/auth/accounts.hpp"
#include "core/auth/one_time.hpp"
#include "core/auth/throttle.hpp"
#include "core/auth/tokens.hpp"
#include "core/base/config.hpp"
#include "core/crypto/keys.hpp"
#include "core/crypto/password.hpp"
#include "core/crypto/signing_keys.hpp"
#include "core/mail/mail.hpp"
#include "core/mail/mail_worker.hpp"
#include "core/mail/send_limits.hpp"
#include "core/store/store.hpp"
#include "fcgi/request.hpp"

namespace latchkey {

struct Services {
    const Config& config;
    const KeyRing& keys;
    SigningKeys& signing_keys;
    const PasswordHasher& hasher;
    std::unique_ptr<Store> store;
    MailWorker* mail_worker = nullptr;  // woken after mail is queued; may be absent (tests)
    // This request's guesses at secrets, armed by the router's gate for routes that declare a
    // throttle (handlers/throttle.hpp); core's secret checks refuse to run without it.
    GuessBudget guesses = {};

    Accounts accounts() { return Accounts(*store, hasher); }
    OneTimeTokens one_time_tokens() { return OneTimeTokens(*store, keys); }
    Outbox outbox() { return Outbox(*store, keys); }
    SendLimits send_limits() { return SendLimits(*store, keys); }
    void mail_queued() {
        if (mail_worker != nullptr) mail_worker->wake();
    }
    SiteTokens site_tokens(std::string_view site) const {
        return SiteTokens{signing_keys, *store, config.issuer, site};
    }
};

// The site nginx named for this request (the pipeline has checked it is there).
inline std::string_view site_of(const Request& request) {
    return request.param("LATCHKEY_SITE").value_or("");
}

}  // namespace latchkey
