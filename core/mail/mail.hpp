#pragma once
// Mail: messages, their RFC 5322/MIME form, and the outbox they wait in. A message is written to
// the outbox inside the same transaction as the change that caused it, so a registration never
// exists without its mail and a rolled-back one never sends any.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.hpp"
#include "core/crypto/keys.hpp"
#include "core/store/store.hpp"

namespace latchkey {

struct MailMessage {
    std::string site;
    std::string kind;  // verify_email, reset_password, ...
    std::string to;
    std::string subject;
    std::string text;
    std::string html;
    std::string link;  // the action link, if any: carries a token, so it is never logged
};

// A complete RFC 5322 message: From, To, Subject (RFC 2047 when not ASCII), Date, Message-ID,
// MIME-Version, and a multipart/alternative body with UTF-8 text and HTML parts in base64.
// CR and LF are removed from every header value.
std::string render_mime(const MailMessage& message, std::string_view from, std::int64_t now,
                        std::string_view message_id);

// The address inside "Name <addr@host>", or the whole string.
std::string mail_address(std::string_view from);

struct QueuedMail {
    std::int64_t id;
    int attempts;
    MailMessage message;
};

// A queued or sent mail as an operator sees it (`latchkey outbox list`): never its content.
struct OutboxEntry {
    std::int64_t id = 0;
    std::string site;
    std::string kind;
    std::string recipient;
    std::string status;
    std::int64_t attempts = 0;
    std::string last_error;
    std::int64_t created_at = 0;
    std::int64_t sent_at = 0;  // 0: not sent
};

class Outbox {
  public:
    Outbox(Store& store, const KeyRing& keys) : store_(store), keys_(keys) {}

    // Seals and queues `message`; in the caller's transaction, when it has one, so the mail goes
    // out only if the change that caused it commits.
    Result<std::int64_t> enqueue(const MailMessage& message, std::int64_t now);

    // Leases up to `limit` due messages (pending and due, or sending with an expired lease) for
    // `lease_seconds`; a crashed sender's messages come back when the lease runs out.
    Result<std::vector<QueuedMail>> claim_due(std::int64_t now, int limit,
                                              std::int64_t lease_seconds);
    Result<void> mark_sent(std::int64_t id, std::int64_t now);
    Result<void> mark_retry(std::int64_t id, std::string_view error, std::int64_t next_attempt_at);
    // Gives up on a message; its sealed content stays until purged, so an operator can retry.
    Result<void> mark_failed(std::int64_t id, std::string_view error);

    // Drops the site's unsent messages to `recipient` (pending or failed; one being sent now is
    // beyond recall), in the caller's transaction: an account deleted takes its mail with it.
    Result<std::int64_t> drop_unsent(std::string_view site, std::string_view recipient);

    // Administration: newest first, of one status when `status` is not empty.
    Result<std::vector<OutboxEntry>> list(std::string_view status, int limit);
    // Failed messages (one, or all when id is 0) go back to the queue with fresh attempts.
    Result<std::int64_t> retry_failed(std::int64_t id, std::int64_t now);
    // Deletes sent and failed messages created before `before`; returns how many.
    Result<std::int64_t> purge(std::int64_t before);

  private:
    Store& store_;
    const KeyRing& keys_;
};

}  // namespace latchkey
