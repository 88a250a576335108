#pragma once
// Customer profiles (the booking contract): one per account, created once.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.hpp"
#include "core/store/store.hpp"

namespace latchkey {

struct Customer {
    std::string customer_id;  // UUID
    std::string subject;      // the token's sub
    std::string email;
    bool email_verified = false;
    std::optional<std::string> name;
    std::optional<std::string> phone;
    std::string preferred_language;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

class Customers {
  public:
    explicit Customers(Store& store) : store_(store) {}

    // Errc::email_taken stands for "this account already has a profile".
    Result<Customer> create(std::string_view site, std::int64_t account_id, Customer customer,
                            std::int64_t now);
    // Errc::not_found when the account has none.
    Result<Customer> find(std::string_view site, std::int64_t account_id);
    // The profile follows its account's confirmed change of email (none: nothing to do).
    Result<void> set_email(std::int64_t account_id, std::string_view email, std::int64_t now);

  private:
    Store& store_;
};

}  // namespace latchkey
