#pragma once
// The one place an account's sessions end (a password change or reset, a disabled account, a
// global sign-out, an operator's revoke): refresh families revoked, access tokens made stale by
// the account's session version, and, where the cause asks, outstanding one-time tokens voided.
#include <cstdint>
#include <string_view>

#include "core/base/result.hpp"
#include "core/store/store.hpp"

namespace latchkey {

struct SessionsEnd {
    std::string_view reason;  // recorded on every revoked refresh family
    // Bump accounts.session_version: every access (and ID) token signed before stops verifying.
    // A pending email change ends with them: whoever asked for it may be who the owner is
    // signing out (the link could otherwise still move the account after a password change).
    bool access_tokens = true;
    // When not empty, the account's unused one-time tokens of this purpose stop working too.
    std::string_view one_time_purpose = {};
};

// In its own writer transaction, joining the caller's. An unknown account is not an error.
Result<void> end_sessions(Store& store, std::int64_t account_id, const SessionsEnd& end,
                          std::int64_t now);

}  // namespace latchkey
