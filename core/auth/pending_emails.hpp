#pragma once
// A change of email waiting for the code mailed to the new address (the booking contract's
// UpdateUserAttributes): the account keeps its address until the code is answered
// (VerifyUserAttribute), as Cognito does with "keep original attribute value active". One per
// account; a new request replaces the one before, so only the newest address's code can apply.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.hpp"
#include "core/store/store.hpp"

namespace latchkey {

struct PendingEmail {
    std::string email;
    std::string session;  // the auth_challenges step holding the code
};

class PendingEmails {
  public:
    explicit PendingEmails(Store& store) : store_(store) {}

    Result<void> put(std::string_view site, std::int64_t account_id, std::string_view email,
                     std::string_view session, std::int64_t now);
    Result<std::optional<PendingEmail>> find(std::int64_t account_id);
    Result<void> remove(std::int64_t account_id);

  private:
    Store& store_;
};

}  // namespace latchkey
