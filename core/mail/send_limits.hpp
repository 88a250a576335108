#pragma once
// How much mail a request may cause: every endpoint that mails asks here first, in the
// transaction that queues the message. Sends are counted per (address, client network), per
// address and per network, so a stranger's requests spend their own allowance, not the owner's:
//   - per_pair      from one network to one address per window (the owner's own allowance);
//   - per_address   to one address per window, and per_address_day per day, counting only sends
//                   from networks the account has not proven before (a stranger's ceiling: it
//                   bounds the mail a victim receives); it never stops a proven network, nor the
//                   first send of the day from a network, so strangers cannot keep the owner out;
//   - per_network   from one network to all addresses per window.
// Networks are proven by remember(): a sign-in, a reset or a followed link from there. Sends are
// counted per account: requests for an address nobody has registered (account 0) spend nothing
// of the account that registers it later.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/result.hpp"
#include "core/crypto/keys.hpp"
#include "core/store/store.hpp"

namespace latchkey {

struct SendPolicy {
    int per_pair = 3;
    std::int64_t window = 3600;  // seconds
    int per_address = 10;
    int per_address_day = 20;
    int per_network = 30;
};

class SendLimits {
  public:
    SendLimits(Store& store, const KeyRing& keys) : store_(store), keys_(keys) {}

    // Records one send of `kind` to `email` from `network` and returns ok, or Errc::rate_limited
    // with nothing recorded. `account_id` (0: no account) names whose proven networks count as
    // the owner's. In the transaction that queues the mail, so a refused or failed queueing
    // counts no send.
    Result<void> allow(std::string_view site, std::string_view kind, std::string_view email,
                       std::int64_t account_id, std::string_view network, const SendPolicy& policy,
                       std::int64_t now);

    // The account has proven `network` (signed in, reset or verified from it).
    Result<void> remember(std::int64_t account_id, std::string_view network, std::int64_t now);

  private:
    Result<bool> proven(std::int64_t account_id, std::string_view network, std::int64_t now);
    std::string address_key(std::string_view site, std::string_view email,
                            std::int64_t account_id) const;

    Store& store_;
    const KeyRing& keys_;
};

// How long a network stays proven after the account last used it.
constexpr std::int64_t kProvenNetworkDays = 90;

}  // namespace latchkey
