#pragma once
// The devices an account signs in from, known by a keyed digest of (client network, user agent):
// what tells a sign-in worth a notice ("a device not seen before") from the everyday one.
#include <cstdint>
#include <string_view>

#include "core/base/result.hpp"
#include "core/crypto/keys.hpp"
#include "core/store/store.hpp"

namespace latchkey {

// How many devices an account keeps; a new one beyond replaces the least recently seen, so a
// client varying its user agent costs the table nothing but its own account's rows.
inline constexpr int kDevicesKept = 20;

enum class DeviceSeen {
    known,      // signed in from before
    first,      // the account's first sign-in anywhere: nothing to compare with
    new_device  // the account has signed in before, never from this device
};

class KnownDevices {
  public:
    KnownDevices(Store& store, const KeyRing& keys) : store_(store), keys_(keys) {}

    // Records a sign-in of `account_id` from (network, user agent), in its own transaction.
    Result<DeviceSeen> signed_in(std::int64_t account_id, std::string_view network,
                                 std::string_view user_agent, std::int64_t now);

  private:
    Store& store_;
    const KeyRing& keys_;
};

}  // namespace latchkey
