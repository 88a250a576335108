#include "core/auth/pending_emails.hpp"

namespace latchkey {

Result<void> PendingEmails::put(std::string_view site, std::int64_t account_id,
                                std::string_view email, std::string_view session,
                                std::int64_t now) {
    auto stmt = store_.prepare(
        "INSERT INTO pending_emails(account_id, site, email, session, requested_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(account_id) DO UPDATE SET "
        "site = excluded.site, email = excluded.email, session = excluded.session, "
        "requested_at = excluded.requested_at");
    if (!stmt) return stmt.error();
    stmt->bind(1, account_id).bind(2, site).bind(3, email).bind(4, session).bind(5, now);
    return stmt->run();
}

Result<std::optional<PendingEmail>> PendingEmails::find(std::int64_t account_id) {
    auto stmt = store_.prepare("SELECT email, session FROM pending_emails WHERE account_id = ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, account_id);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return std::optional<PendingEmail>();
    return std::optional<PendingEmail>(PendingEmail{stmt->column_text(0), stmt->column_text(1)});
}

Result<void> PendingEmails::remove(std::int64_t account_id) {
    auto stmt = store_.prepare("DELETE FROM pending_emails WHERE account_id = ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, account_id);
    return stmt->run();
}

}  // namespace latchkey
