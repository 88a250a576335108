#pragma once
// The delivery worker: one thread per process sending from the outbox. Requests never wait for
// it; it retries with exponential backoff, marks permanent failures, and picks up after a restart
// whatever was left (a message in flight when the process died comes back when its lease ends).
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/base/config.hpp"
#include "core/crypto/keys.hpp"
#include "core/mail/mail_transport.hpp"
#include "core/store/store.hpp"

namespace latchkey {

class MailWorker {
  public:
    MailWorker(const Config& config, const KeyRing& keys, std::unique_ptr<Store> store,
               std::unique_ptr<MailTransport> transport);
    ~MailWorker();  // stops and joins

    void start();
    void stop();
    // Something was queued: look now rather than at the next poll.
    void wake();

    // One pass over the due messages; returns how many were handled. Public for tests.
    int deliver_due();

  private:
    void run();

    const Config& config_;
    const KeyRing& keys_;
    std::unique_ptr<Store> store_;
    std::unique_ptr<MailTransport> transport_;
    std::string message_id_host_;  // right-hand side of Message-IDs: the From domain
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool woken_ = false;
    std::atomic<bool> stopping_{false};
};

// Seconds to wait before attempt number `attempts + 1`: 5 s, 10 s, 20 s, ... capped at 1 h.
std::int64_t mail_backoff(int attempts);

}  // namespace latchkey
