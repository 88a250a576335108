#include "core/mail/mail_worker.hpp"

#include <algorithm>

#include "core/base/clock.hpp"
#include "core/base/log.hpp"
#include "core/crypto/ids.hpp"

namespace latchkey {

std::int64_t mail_backoff(int attempts) {
    const int shift = std::clamp(attempts - 1, 0, 10);
    return std::min<std::int64_t>(std::int64_t{5} << shift, 3600);
}

MailWorker::MailWorker(const Config& config, const KeyRing& keys, std::unique_ptr<Store> store,
                       std::unique_ptr<MailTransport> transport)
    : config_(config), keys_(keys), store_(std::move(store)), transport_(std::move(transport)) {
    const std::string from = mail_address(config_.mail_from);
    const auto at = from.find('@');
    message_id_host_ =
        at == std::string::npos || at + 1 == from.size() ? "latchkey" : from.substr(at + 1);
}

MailWorker::~MailWorker() {
    stop();
}

void MailWorker::start() {
    thread_ = std::thread(&MailWorker::run, this);
}

void MailWorker::stop() {
    stopping_ = true;
    wake();
    if (thread_.joinable()) thread_.join();
}

void MailWorker::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    cv_.notify_one();
}

int MailWorker::deliver_due() {
    Outbox outbox(*store_, keys_);
    const std::int64_t now = unix_now();
    auto due = outbox.claim_due(now, 20, 120);
    if (!due) {
        if (due.error().code != Errc::busy) {
            log_event(LogLevel::error, "outbox unreadable", {{"error", due.error().detail}});
        }
        return 0;
    }
    for (auto& mail : *due) {
        if (mail.attempts < 0) {
            (void)outbox.mark_failed(mail.id,
                                     "sealed message cannot be opened (master key changed?)");
            continue;
        }
        const std::string mime = render_mime(mail.message, config_.mail_from, unix_now(),
                                             new_hex_id(16) + "@" + message_id_host_);
        const SendOutcome outcome = transport_->send(mail.message, mime);
        const int attempt = mail.attempts + 1;
        Result<void> recorded;
        if (outcome.delivered) {
            recorded = outbox.mark_sent(mail.id, unix_now());
        } else if (outcome.permanent || attempt >= config_.mail_max_attempts) {
            log_event(LogLevel::error, "mail failed for good",
                      {{"id", std::to_string(mail.id)},
                       {"kind", mail.message.kind},
                       {"error", outcome.error}});
            recorded = outbox.mark_failed(mail.id, outcome.error);
        } else {
            log_event(LogLevel::warn, "mail delivery failed, will retry",
                      {{"id", std::to_string(mail.id)},
                       {"attempt", std::to_string(attempt)},
                       {"error", outcome.error}});
            recorded =
                outbox.mark_retry(mail.id, outcome.error, unix_now() + mail_backoff(attempt));
        }
        if (!recorded) {
            log_event(LogLevel::error, "cannot record mail outcome",
                      {{"error", recorded.error().detail}});
        }
    }
    return static_cast<int>(due->size());
}

void MailWorker::run() {
    while (!stopping_.load()) {
        const int handled = deliver_due();
        if (handled > 0) continue;  // there may be more
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, std::chrono::seconds(1), [&] { return woken_ || stopping_.load(); });
        woken_ = false;
    }
}

}  // namespace latchkey
