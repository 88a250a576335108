#pragma once
// Security notices by mail: what happened to an account, when, from where, and what to do if it
// was not its owner. Each kind has its switch in the configuration (notify_*), goes out in the
// account's locale, and counts against the address's sending limits like any other mail, so a
// flood of sign-ins cannot become a flood of notices.
#include <cstdint>
#include <string>

#include "core/base/config.hpp"
#include "core/base/result.hpp"
#include "core/crypto/keys.hpp"
#include "core/mail/send_limits.hpp"
#include "core/store/store.hpp"

namespace latchkey {

enum class NoticeKind {
    new_sign_in,
    password_changed,
    account_deleted,
    email_changed,         // to the old address, once the new one is confirmed
    email_change_attempt,  // to an address someone tried to move another account to
    // The second factor (switch notify_second_factor): an authenticator app turned on or off, a
    // recovery code spent on a sign-in.
    second_factor_enabled,
    second_factor_disabled,
    recovery_code_used,
    recovery_codes_replaced,
    // A passkey added to or removed from the account (the same switch).
    passkey_added,
    passkey_removed,
};

// The facts a notice states; `address` and `device` as nginx passed them.
struct NoticeFacts {
    std::string site;
    std::string email;
    std::string name;  // as the mail may greet (name_for_mail), or empty
    std::string locale;
    std::int64_t account_id = 0;
    std::string network;     // the client network the sending limits count
    std::string address;     // REMOTE_ADDR
    std::string user_agent;  // User-Agent, shown only as a browser and system it names
    std::int64_t when = 0;
    std::string new_email;  // email_changed: the address the account moved to
};

// "Firefox on Linux", "Chrome on Android", "an unknown browser": what a notice shows of a user
// agent, from a fixed list, so nothing a client typed reaches the mail.
std::string device_summary(std::string_view user_agent);

// Queues the notice of `kind` (in its own transaction, joining the caller's), unless its switch is
// off or the sending limits refuse it. True when it was queued.
Result<bool> queue_notice(Store& store, const KeyRing& keys, const Config& config, NoticeKind kind,
                          const NoticeFacts& facts, const SendPolicy& policy);

// The email_changed notice to the old address (`old_address.email`) of an account that now has
// `new_email`: what the password contracts' confirm-email and booking's attribute verification
// both send when an address change takes effect. As queue_notice.
Result<bool> notify_email_changed(Store& store, const KeyRing& keys, const Config& config,
                                  NoticeFacts old_address, std::string_view new_email,
                                  const SendPolicy& policy);

}  // namespace latchkey
