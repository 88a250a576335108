#include "core/auth/devices.hpp"

#include <string>

#include "core/auth/accounts.hpp"

namespace latchkey {

Result<DeviceSeen> KnownDevices::signed_in(std::int64_t account_id, std::string_view network,
                                           std::string_view user_agent, std::int64_t now) {
    // Only the start of the agent counts: a client cannot make the digest's input costly.
    const std::string device = keys_.one_time_digest("device\n" + std::string(network) + "\n" +
                                                     std::string(user_agent.substr(0, 512)));
    auto tx = store_.begin();
    if (!tx) return tx.error();
    // One account's sign-ins are counted one after another: the first of two new devices is
    // told apart from the second, and the trim keeps the bound.
    if (auto r = lock_callers_account(store_, account_id); !r) return r.error();
    auto touch = store_.prepare(
        "UPDATE known_devices SET last_seen = ?3 WHERE account_id = ?1 AND device = ?2");
    if (!touch) return touch.error();
    touch->bind(1, account_id).bind(2, device).bind(3, now);
    if (auto r = touch->run(); !r) return r.error();
    if (touch->changes() > 0) {
        if (auto r = tx->commit(); !r) return r.error();
        return DeviceSeen::known;
    }
    auto count = store_.prepare("SELECT COUNT(*) FROM known_devices WHERE account_id = ?1");
    if (!count) return count.error();
    count->bind(1, account_id);
    auto row = count->step();
    if (!row) return row.error();
    const std::int64_t known = *row ? count->column_int(0) : 0;
    auto insert = store_.prepare(
        "INSERT INTO known_devices(account_id, device, first_seen, last_seen) "
        "VALUES (?1, ?2, ?3, ?3)");
    if (!insert) return insert.error();
    insert->bind(1, account_id).bind(2, device).bind(3, now);
    if (auto r = insert->run(); !r) return r.error();
    if (known + 1 > kDevicesKept) {
        auto trim = store_.prepare(
            "DELETE FROM known_devices WHERE account_id = ?1 AND device IN (SELECT device FROM "
            "known_devices WHERE account_id = ?1 ORDER BY last_seen, device LIMIT ?2)");
        if (!trim) return trim.error();
        trim->bind(1, account_id).bind(2, known + 1 - kDevicesKept);
        if (auto r = trim->run(); !r) return r.error();
    }
    if (auto r = tx->commit(); !r) return r.error();
    return known == 0 ? DeviceSeen::first : DeviceSeen::new_device;
}

}  // namespace latchkey
