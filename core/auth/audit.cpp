#include "core/auth/audit.hpp"

#include "core/base/email.hpp"

namespace latchkey {
namespace {

// Client-supplied text (the user agent) is bounded: the log is for people, not for payloads.
std::string bounded(std::string_view text, std::size_t limit = 256) {
    return std::string(text.substr(0, limit));
}

}  // namespace

Result<void> AuditLog::record(const AuditEvent& e, std::int64_t retention_days) {
    auto insert = store_.prepare(
        "INSERT INTO audit_events(at, site, event, account_id, email, ip, user_agent, detail) "
        "VALUES (?1, ?2, ?3, NULLIF(?4, 0), NULLIF(?5, ''), NULLIF(?6, ''), NULLIF(?7, ''), "
        "NULLIF(?8, ''))");
    if (!insert) return insert.error();
    insert->bind(1, e.at)
        .bind(2, e.site)
        .bind(3, e.event)
        .bind(4, e.account_id)
        .bind(5, bounded(e.email))
        .bind(6, bounded(e.ip, 64))
        .bind(7, bounded(e.user_agent))
        .bind(8, bounded(e.detail));
    if (auto r = insert->run(); !r) return r;
    // Every writer prunes the same oldest rows: on PostgreSQL those another writer holds are
    // skipped, so a prune never waits.
    auto prune = store_.prepare(
        "DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at < ?1 "
        "ORDER BY at LIMIT 20 FOR UPDATE SKIP LOCKED)");
    if (!prune) return prune.error();
    prune->bind(1, e.at - retention_days * 86400);
    return prune->run();
}

Result<void> AuditLog::forget(std::string_view site, std::int64_t account_id,
                              std::string_view email) {
    auto stmt = store_.prepare(
        "UPDATE audit_events SET email = NULL, ip = NULL, user_agent = NULL "
        "WHERE account_id = ?1 OR (site = ?2 AND lower(email) = lower(?3))");
    if (!stmt) return stmt.error();
    stmt->bind(1, account_id).bind(2, site).bind(3, email);
    return stmt->run();
}

Result<std::vector<AuditEvent>> AuditLog::list(const AuditFilter& f) {
    auto stmt = store_.prepare(
        "SELECT at, site, event, COALESCE(account_id, 0), COALESCE(email, ''), COALESCE(ip, ''), "
        "COALESCE(user_agent, ''), COALESCE(detail, '') FROM audit_events "
        "WHERE (?1 = '' OR site = ?1) AND (?2 = '' OR lower(email) = ?2) "
        "AND (?3 = '' OR event = ?3) AND at >= ?4 ORDER BY at DESC, id DESC LIMIT ?5");
    if (!stmt) return stmt.error();
    stmt->bind(1, f.site)
        .bind(2, f.email.empty() ? std::string() : email_key(f.email))
        .bind(3, f.event)
        .bind(4, f.since)
        .bind(5, std::int64_t{f.limit});
    return stmt->collect([](const Statement& row) {
        return AuditEvent{row.column_int(0),  row.column_text(1), row.column_text(2),
                          row.column_int(3),  row.column_text(4), row.column_text(5),
                          row.column_text(6), row.column_text(7)};
    });
}

}  // namespace latchkey
