#pragma once
// A signed-in caller proving it is still its account's owner before a change that a stolen token
// alone must not make (change password, change email, delete account): the password is checked
// as a guess at the caller's own account, keyed as its login is, so what a stolen token guesses
// here counts where the login's guesses count, and locks where they lock (the route's `login`
// throttle class).
#include <optional>
#include <string_view>

#include "core/auth/accounts.hpp"
#include "handlers/context.hpp"

namespace latchkey {

// Nothing when `password` is the caller's; else the answer: the guess refusal while throttled,
// Errc::invalid_credentials for a wrong password (audited as `failure_event`), Errc::invalid_token
// when the caller no longer speaks for its account (deleted, its sessions ended, or its address
// now another account's), or the error.
std::optional<Outcome> reauthenticate(Context& c, std::string_view password,
                                      std::string_view failure_event);

// First in the writer transaction of such a change: locks the caller's account (lock_account, so
// concurrent changes of one account take turns; outside a transaction it only reads) and answers
// it as it now is, or
// Errc::invalid_token when the caller no longer speaks for it (the account deleted or disabled,
// or its session ended by a concurrent change while the password was checked or hashed).
Result<Account> still_the_callers(Store& store, Accounts& accounts, const Account& caller);

}  // namespace latchkey
