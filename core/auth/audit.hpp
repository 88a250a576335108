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
    // Newest first.
    Result<std::vector<AuditEvent>> list(const AuditFilter& filter);

  private:
    Store& store_;
};

}  // namespace latchkey
