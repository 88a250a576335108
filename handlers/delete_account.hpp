#pragma once
// A signed-in account deleting itself, the same steps on every password contract: the password
// checked as a guess at the caller's own account (the route's `login` throttle class, as on
// change-password), then in one transaction the account's unsent mail dropped, the "account
// deleted" notice queued to its address (the one mail that still goes), its earlier audit events
// stripped of email, address and user agent, the account row deleted (its sessions, refresh
// families, one-time tokens, challenges, known networks and devices and customer profile cascade
// with it, sql/), and an `account.delete` tombstone recorded without personal data.
#include <functional>
#include <string>
#include <string_view>

#include "handlers/context.hpp"

namespace latchkey {

// The route, the same on every password contract. POST, not DELETE: a DELETE with a body (the
// password) is one that proxies, caches and generated clients are free to mishandle.
inline constexpr std::string_view kDeleteAccountPath = "/api/auth/delete-account";

struct AccountDeletion {
    std::string password;
    // The success answer (the contract's message, its cookies cleared).
    std::function<Outcome()> answer;
};

// A wrong password is Errc::invalid_credentials (audited as `account.delete.failure`), a
// throttled one the guess refusal; Errc::invalid_token when the caller's session ended while it
// ran (a concurrent delete or password change).
Outcome delete_account(Context& c, const AccountDeletion& deletion);

// The erase itself, once the caller is proven (the password above; a valid access token on the
// booking contract's DeleteUser): the one transaction described at the top of this file.
// Errc::invalid_token when `caller` no longer speaks for the account (deleted meanwhile, its
// sessions ended, disabled).
Result<void> erase_account(Services& services, const Request& request, const Account& caller);

}  // namespace latchkey
