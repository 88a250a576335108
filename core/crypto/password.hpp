#pragma once
// Password hashing: argon2id through libsodium, verification of imported bcrypt hashes through
// libcrypt, and admission control. Hashes run on `concurrency` hashing threads of their own
// (one per core by default), at a lower scheduling priority than the request threads; callers
// queue first come, first served, wait up to `max_wait` for a thread and then get Errc::busy.
// So a login flood can neither exhaust memory (at most `concurrency` hashes hold their memory
// cost) nor starve the cheap requests, which the kernel runs ahead of hashing.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/base/result.hpp"

namespace latchkey {

struct HashParams {
    std::uint64_t opslimit = 2;
    std::size_t memlimit_bytes = 19456 * 1024;
};

// Median wall time of one argon2id hash with `params` on this machine, one thread (`runs` hashes
// after a warm-up). Errc::busy when the memory cannot be had.
Result<std::chrono::microseconds> time_one_hash(const HashParams& params, int runs = 5);

// How hashing threads give way to request threads: `nice` runs them at nice 10 (a tenth of a
// request thread's share of a busy core), `idle` as SCHED_IDLE (a 340th: they run on what the
// requests leave). docs/performance.md has the figures for both.
enum class HashScheduling : std::uint8_t { nice, idle };

class PasswordHasher {
  public:
    // At most `max_waiting` callers queue; more are refused at once, so that waiting logins can
    // never hold every request thread while cheap requests queue behind them.
    PasswordHasher(HashParams params, int concurrency, std::chrono::milliseconds max_wait,
                   int max_waiting = 1 << 20, HashScheduling scheduling = HashScheduling::nice);
    ~PasswordHasher();
    PasswordHasher(const PasswordHasher&) = delete;
    PasswordHasher& operator=(const PasswordHasher&) = delete;

    // A new argon2id hash string ($argon2id$v=19$m=...,t=...,p=1$salt$hash).
    Result<std::string> hash(std::string_view password) const;

    // True when `password` matches `stored` (argon2id, argon2i or bcrypt $2a$/$2b$/$2y$). An
    // unknown format is simply false.
    Result<bool> verify(std::string_view stored, std::string_view password) const;

    // Spends the time of one verification against a fixed hash, for accounts that do not exist.
    Result<void> verify_dummy(std::string_view password) const;

    // True for a hash verify() understands: argon2id (well-formed, any parameters) or bcrypt
    // ($2a$, $2b$, $2y$ with a cost of 04..31 and 53 characters of salt and digest).
    static bool is_known_hash(std::string_view stored);

    // True when `stored` is not argon2id with the current parameters (bcrypt, weaker argon2).
    bool needs_rehash(std::string_view stored) const;

    const HashParams& params() const { return params_; }
    // The longest a caller waits for a hashing thread before Errc::busy.
    std::chrono::milliseconds max_wait() const { return max_wait_; }
    // What verify_dummy() verifies against: a well-formed argon2id string with params().
    const std::string& dummy_hash() const { return dummy_hash_; }

  private:
    struct Job;
    // Runs `work` on a hashing thread and waits for it; Errc::busy when no thread took it
    // within max_wait_.
    Result<void> run(const std::function<void()>& work) const;
    void serve_jobs(HashScheduling scheduling);

    HashParams params_;
    std::chrono::milliseconds max_wait_;
    std::size_t max_waiting_;
    std::string dummy_hash_;
    mutable std::mutex mutex_;
    mutable std::condition_variable job_queued_;
    mutable std::condition_variable worker_idle_;
    mutable std::deque<std::shared_ptr<Job>> queue_;
    bool stopping_ = false;
    mutable int idle_workers_ = 0;
    std::vector<std::thread> workers_;
};

}  // namespace latchkey
