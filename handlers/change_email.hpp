#pragma once
// A signed-in account moving to another email address, the same steps on every password
// contract. The request (change-email) re-authenticates with the password (handlers/
// reauthenticate.hpp), ends the account's pending change, and, when the new address is free in
// the account's namespace, mails it a one-time link that carries the change (sql/017); when it is
// taken, mails it a short notice instead (no link; notify_email_change_attempt). The answer is the
// same either way, so it tells nobody which addresses have accounts. Nothing changes until the
// link is followed (confirm-email, unauthenticated: the mail may be read on another device); then
// the account has the new address, verified, the old address gets the email_changed notice, and
// sessions stay (the password did not change).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/auth/one_time.hpp"
#include "handlers/context.hpp"

namespace latchkey {

// The routes, the same on every password contract.
inline constexpr std::string_view kChangeEmailPath = "/api/auth/change-email";
inline constexpr std::string_view kConfirmEmailPath = "/api/auth/confirm-email";

// Every contract's answer to a request, whatever became of it: nothing in it says whether the
// address was free.
inline constexpr const char* kEmailChangeSent =
    "If the new address can be used, a confirmation link has been sent to it.";

// The one-time token's purpose (core/auth/one_time.hpp) is also the kind of the mail that carries
// it.
// How long the link works: as long as a verification link, since it proves an address too.
inline constexpr std::int64_t kChangeEmailTtl = 24 * 3600;

struct EmailChangeRequest {
    std::string password;
    std::string new_email;    // validated as an email by the contract's field rules
    const char* email_field;  // the body's name for it, for the "unchanged" issue
    // The success answer: the contract's message, the same whether the address was free or not.
    std::function<Outcome()> answer;
};

// A new address equal to the current one is a validation problem (Issue::unchanged) before the
// password is checked; a wrong password Errc::invalid_credentials (audited as
// `email.change.failure`), a throttled one the guess refusal; Errc::invalid_token when the
// caller's session ended meanwhile. Success is audited as `email.change.request`.
Outcome request_email_change(Context& c, const EmailChangeRequest& request);

struct EmailConfirmation {
    std::string token;
    // The account's unused one-time tokens of this purpose end with the change: verified's reset
    // links, which went to the old address.
    std::string_view one_time_purpose = {};
    std::function<Outcome()> answer;
};

// Errc::invalid_token for a token unknown, expired, used or superseded, or of a disabled account;
// Errc::email_taken when the address was taken since the request (the token stays unused). The
// route's `token` throttle counts each try. Success is audited as `email.change`.
Outcome confirm_email_change(Context& c, const EmailConfirmation& confirmation);

}  // namespace latchkey
