#pragma once
// The audit log: security-relevant events (logins, lockouts, registrations, verifications,
// resets, refresh reuse, logouts, admin actions) with site, account, client address, user agent
// and time, kept in SQLite and pruned by age. Never holds a secret.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.hpp"
#include "core/store/store.hpp"

namespace latchkey {

struct AuditEvent {
    std::int64_t at = 0;
    std::string site;
    std::string event;
    std::int64_t account_id = 0;  // 0: none (an unknown email, say)
    std::string email;
    std::string ip;
    std::string user_agent;
    std::string detail;
};

struct AuditFilter {
    std::string site;   // empty: every site
    std::string email;  // empty: every account
    std::string event;  // empty: every event
    std::int64_t since = 0;
    int limit = 100;
};

class AuditLog {
  public:
    explicit AuditLog(Store& store) : store_(store) {}

    // Records the event and drops a bounded batch of events more than `retention_days` older.
    Result<void> record(const AuditEvent& event, std::int64_t retention_days);
    // A deleted account's past events keep what happened and when, not who: its email, client
    // address and user agent are erased from every event of its id, and from the site's events
    // naming its email (failed sign-ins before it existed or with a wrong password).
    Result<void> forget(std::string_view site, std::int64_t account_id, std::string_view email);
    // Newest first.
    Result<std::vector<AuditEvent>> list(const AuditFilter& filter);

  private:
    Store& store_;
};

}  // namespace latchkey
