#include "core/mail/mail.hpp"

#include <sodium.h>

#include <ctime>

#include "core/base/json.hpp"
#include "core/crypto/seal.hpp"

namespace latchkey {
namespace {

std::string header_safe(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c != '\r' && c != '\n') out += c;
    }
    return out;
}

bool is_ascii(std::string_view s) {
    for (unsigned char c : s) {
        if (c >= 0x80) return false;
    }
    return true;
}

std::string base64(std::string_view bytes) {
    std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                      bytes.size(), sodium_base64_VARIANT_ORIGINAL);
    out.pop_back();
    return out;
}

// RFC 2045: base64 lines of at most 76 characters.
std::string base64_lines(std::string_view bytes) {
    const std::string flat = base64(bytes);
    std::string out;
    for (std::size_t i = 0; i < flat.size(); i += 76) out += flat.substr(i, 76) + "\r\n";
    return out;
}

// RFC 2047 encoded-word for a non-ASCII header value.
std::string encode_header(std::string_view value) {
    const std::string clean = header_safe(value);
    if (is_ascii(clean)) return clean;
    return "=?UTF-8?B?" + base64(clean) + "?=";
}

std::string rfc5322_date(std::int64_t now) {
    const std::time_t t = static_cast<std::time_t>(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}

std::string message_to_json(const MailMessage& m) {
    Json obj = json_object();
    json_put(obj.get(), "site", m.site);
    json_put(obj.get(), "kind", m.kind);
    json_put(obj.get(), "to", m.to);
    json_put(obj.get(), "subject", m.subject);
    json_put(obj.get(), "text", m.text);
    json_put(obj.get(), "html", m.html);
    json_put(obj.get(), "link", m.link);
    return json_render(obj.get());
}

std::optional<MailMessage> message_from_json(const std::string& text) {
    auto parsed = parse_json_strict(text);
    auto* doc = std::get_if<Json>(&parsed);
    if (doc == nullptr) return std::nullopt;
    auto field = [&](const char* key) {
        return std::string(json_string(doc->get(), key).value_or(""));
    };
    return MailMessage{field("site"), field("kind"), field("to"),  field("subject"),
                       field("text"), field("html"), field("link")};
}

}  // namespace

std::string mail_address(std::string_view from) {
    const auto open = from.rfind('<');
    const auto close = from.rfind('>');
    if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
        return header_safe(from.substr(open + 1, close - open - 1));
    }
    return header_safe(from);
}

std::string render_mime(const MailMessage& m, std::string_view from, std::int64_t now,
                        std::string_view message_id) {
    unsigned char r[12];
    randombytes_buf(r, sizeof r);
    char hex[25];
    sodium_bin2hex(hex, sizeof hex, r, sizeof r);
    const std::string boundary = std::string("=_latchkey_") + hex;
    std::string out;
    out += "From: " + header_safe(from) + "\r\n";
    out += "To: " + header_safe(m.to) + "\r\n";
    out += "Subject: " + encode_header(m.subject) + "\r\n";
    out += "Date: " + rfc5322_date(now) + "\r\n";
    out += "Message-ID: <" + header_safe(message_id) + ">\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Auto-Submitted: auto-generated\r\n";
    out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
    out += "--" + boundary + "\r\n";
    out += "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    out += base64_lines(m.text);
    out += "--" + boundary + "\r\n";
    out += "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    out += base64_lines(m.html);
    out += "--" + boundary + "--\r\n";
    return out;
}

Result<std::int64_t> Outbox::enqueue(const MailMessage& message, std::int64_t now) {
    const std::string sealed = seal(message_to_json(message), keys_.outbox_key());
    auto tx = store_.begin();
    if (!tx) return tx.error();
    std::int64_t id = 0;
    {  // the statement is reset before the commit
        auto insert = store_.prepare(
            "INSERT INTO outbox(site, kind, recipient, sealed_message, next_attempt_at, "
            "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING id");
        if (!insert) return insert.error();
        insert->bind(1, message.site)
            .bind(2, message.kind)
            .bind(3, message.to)
            .bind_blob(4, sealed)
            .bind(5, now);
        auto row = insert->step();
        if (!row) return row.error();
        if (!*row) return make_error(Errc::storage, "insert returned no id");
        id = insert->column_int(0);
    }
    if (auto r = tx->commit(); !r) return r.error();
    return id;
}

Result<std::int64_t> Outbox::drop_unsent(std::string_view site, std::string_view recipient) {
    auto stmt = store_.prepare(
        "DELETE FROM outbox WHERE site = ?1 AND lower(recipient) = lower(?2) "
        "AND status IN ('pending', 'failed')");
    if (!stmt) return stmt.error();
    stmt->bind(1, site).bind(2, recipient);
    if (auto r = stmt->run(); !r) return r.error();
    return static_cast<std::int64_t>(stmt->changes());
}

Result<std::vector<QueuedMail>> Outbox::claim_due(std::int64_t now, int limit,
                                                  std::int64_t lease_seconds) {
    std::vector<QueuedMail> claimed;
    // Many hosts' workers claim at once on PostgreSQL: each locks the rows it takes and skips
    // those another holds, so every message is claimed by one worker. SQLite has one writer (and
    // drops the clause).
    auto tx = store_.begin(Store::Turn::rows);
    if (!tx) return tx.error();
    {
        auto due = store_.prepare(
            "SELECT id, attempts, sealed_message FROM outbox "
            "WHERE (status = 'pending' AND next_attempt_at <= ?1) "
            "   OR (status = 'sending' AND lease_until <= ?1) "
            "ORDER BY next_attempt_at LIMIT ?2 FOR UPDATE SKIP LOCKED");
        if (!due) return due.error();
        due->bind(1, now).bind(2, std::int64_t{limit});
        for (;;) {
            auto row = due->step();
            if (!row) return row.error();
            if (!*row) break;
            const std::int64_t id = due->column_int(0);
            auto message = unseal(due->column_text(2), keys_.outbox_key());
            if (!message) {
                claimed.push_back(QueuedMail{id, -1, {}});  // unreadable: marked failed below
                continue;
            }
            auto parsed = message_from_json(*message);
            sodium_memzero(message->data(), message->size());
            claimed.push_back(QueuedMail{id, static_cast<int>(due->column_int(1)),
                                         parsed.value_or(MailMessage{})});
        }
    }
    for (auto& mail : claimed) {
        auto lease = store_.prepare(
            "UPDATE outbox SET status = 'sending', lease_until = ?2, attempts = attempts + 1 "
            "WHERE id = ?1");
        if (!lease) return lease.error();
        lease->bind(1, mail.id).bind(2, now + lease_seconds);
        if (auto r = lease->run(); !r) return r.error();
    }
    if (auto r = tx->commit(); !r) return r.error();
    return claimed;
}

Result<void> Outbox::mark_sent(std::int64_t id, std::int64_t now) {
    auto stmt = store_.prepare(
        "UPDATE outbox SET status = 'sent', sent_at = ?2, sealed_message = NULL, lease_until = "
        "NULL, "
        "last_error = NULL WHERE id = ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, id).bind(2, now);
    return stmt->run();
}

Result<void> Outbox::mark_retry(std::int64_t id, std::string_view error,
                                std::int64_t next_attempt_at) {
    auto stmt = store_.prepare(
        "UPDATE outbox SET status = 'pending', next_attempt_at = ?2, last_error = ?3, "
        "lease_until = NULL WHERE id = ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, id).bind(2, next_attempt_at).bind(3, error);
    return stmt->run();
}

Result<void> Outbox::mark_failed(std::int64_t id, std::string_view error) {
    auto stmt = store_.prepare(
        "UPDATE outbox SET status = 'failed', last_error = ?2, "
        "lease_until = NULL WHERE id = ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, id).bind(2, error);
    return stmt->run();
}

Result<std::vector<OutboxEntry>> Outbox::list(std::string_view status, int limit) {
    auto stmt = store_.prepare(
        "SELECT id, site, kind, recipient, status, attempts, COALESCE(last_error, ''), "
        "created_at, COALESCE(sent_at, 0) FROM outbox WHERE ?1 = '' OR status = ?1 "
        "ORDER BY id DESC LIMIT ?2");
    if (!stmt) return stmt.error();
    stmt->bind(1, status).bind(2, std::int64_t{limit});
    return stmt->collect([](const Statement& row) {
        return OutboxEntry{row.column_int(0),  row.column_text(1), row.column_text(2),
                           row.column_text(3), row.column_text(4), row.column_int(5),
                           row.column_text(6), row.column_int(7),  row.column_int(8)};
    });
}

Result<std::int64_t> Outbox::retry_failed(std::int64_t id, std::int64_t now) {
    auto stmt = store_.prepare(
        "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?2, "
        "lease_until = NULL WHERE status = 'failed' AND sealed_message IS NOT NULL "
        "AND (?1 = 0 OR id = ?1)");
    if (!stmt) return stmt.error();
    stmt->bind(1, id).bind(2, now);
    if (auto r = stmt->run(); !r) return r.error();
    return std::int64_t{stmt->changes()};
}

Result<std::int64_t> Outbox::purge(std::int64_t before) {
    auto stmt =
        store_.prepare("DELETE FROM outbox WHERE status IN ('sent', 'failed') AND created_at < ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, before);
    if (auto r = stmt->run(); !r) return r.error();
    return std::int64_t{stmt->changes()};
}

}  // namespace latchkey
