#include "handlers/reauthenticate.hpp"

#include "handlers/auth.hpp"
#include "handlers/throttle.hpp"

namespace latchkey {

std::optional<Outcome> reauthenticate(Context& c, std::string_view password,
                                      std::string_view failure_event) {
    Services& services = c.services;
    const Account& caller = c.who().account;
    auto proven = services.accounts().authenticate(services.guesses, c.site, caller.kind,
                                                   caller.email, password, c.now);
    // The address may have changed hands since the token was issued (the account deleted, the
    // address registered again): a password that opens another account proves nothing here.
    if (proven && proven->id == caller.id) return std::nullopt;
    if (proven) return Outcome(make_error(Errc::invalid_token, "the address is another account's"));
    if (proven.error().code == Errc::rate_limited) return guess_refusal(services, c.request);
    if (proven.error().code == Errc::invalid_credentials) {
        // A caller whose account ended while its request waited (a racing delete, a password
        // change) has no session left to answer for: 401, as its next request would get, not a
        // wrong password.
        Accounts accounts = services.accounts();
        auto still = still_the_callers(*services.store, accounts, caller);
        if (!still) return Outcome(still.error());
        audit(services, c.request, failure_event, caller.id, caller.email, caller.kind);
    }
    return proven.error();
}

Result<Account> still_the_callers(Store& store, Accounts& accounts, const Account& caller) {
    if (store.in_transaction()) {
        if (auto locked = lock_callers_account(store, caller.id); !locked) return locked.error();
    }
    auto now_is = accounts.find_by_id(caller.id);
    if (!now_is) {
        if (now_is.error().code == Errc::not_found) return make_error(Errc::invalid_token);
        return now_is.error();
    }
    if (now_is->session_version != caller.session_version || now_is->disabled) {
        return make_error(Errc::invalid_token);
    }
    return now_is;
}

}  // namespace latchkey
