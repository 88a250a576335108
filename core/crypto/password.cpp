#include "core/crypto/password.hpp"

#include <crypt.h>
#include <pthread.h>
#include <sched.h>
#include <sodium.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <vector>

#include "core/base/metrics.hpp"

namespace latchkey {

Result<std::chrono::microseconds> time_one_hash(const HashParams& params, int runs) {
    static constexpr char kPassword[] = "calibration password";
    char out[crypto_pwhash_STRBYTES];
    std::vector<std::chrono::microseconds> times;
    for (int i = 0; i <= std::max(1, runs); ++i) {
        const auto start = std::chrono::steady_clock::now();
        if (crypto_pwhash_str_alg(out, kPassword, sizeof kPassword - 1, params.opslimit,
                                  params.memlimit_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
            return make_error(Errc::busy, "argon2id: out of memory");
        }
        const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - start);
        if (i > 0) times.push_back(took);  // the first run pays for page faults
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

namespace {

// Hashing threads run at this nice value (request threads stay at 0): under a login flood the
// kernel still runs a cheap request as soon as it is ready, and hashes use what CPU is left.
constexpr int kHashingNice = 10;

// An argon2id string with the real parameters and a random salt and digest: verifying against
// it costs exactly what verifying a real hash costs, no password matches it, and making it
// costs no hash at start-up.
std::string make_dummy_hash(const HashParams& params) {
    unsigned char salt[crypto_pwhash_SALTBYTES];
    unsigned char digest[32];
    randombytes_buf(salt, sizeof salt);
    randombytes_buf(digest, sizeof digest);
    auto b64 = [](const unsigned char* bytes, std::size_t n) {
        std::string out(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL_NO_PADDING),
                        '\0');
        sodium_bin2base64(out.data(), out.size(), bytes, n,
                          sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
        out.resize(std::strlen(out.c_str()));
        return out;
    };
    return "$argon2id$v=19$m=" + std::to_string(params.memlimit_bytes / 1024) +
           ",t=" + std::to_string(params.opslimit) + ",p=1$" + b64(salt, sizeof salt) + "$" +
           b64(digest, sizeof digest);
}

}  // namespace

struct PasswordHasher::Job {
    const std::function<void()>* work;
    bool started = false;
    bool done = false;
    std::condition_variable changed;
};

PasswordHasher::PasswordHasher(HashParams params, int concurrency,
                               std::chrono::milliseconds max_wait, int max_waiting,
                               HashScheduling scheduling)
    : params_(params),
      max_wait_(max_wait),
      max_waiting_(static_cast<std::size_t>(std::max(0, max_waiting))),
      dummy_hash_(make_dummy_hash(params)) {
    for (int i = 0; i < std::max(1, concurrency); ++i) {
        workers_.emplace_back([this, scheduling] { serve_jobs(scheduling); });
    }
    // A caller right after construction must find the threads idle, not still starting: with no
    // queue time it would otherwise be refused as busy by a service that is doing nothing.
    std::unique_lock lock(mutex_);
    worker_idle_.wait(lock, [&] { return idle_workers_ == static_cast<int>(workers_.size()); });
}

PasswordHasher::~PasswordHasher() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    job_queued_.notify_all();
    for (auto& worker : workers_) worker.join();
}

void PasswordHasher::serve_jobs(HashScheduling scheduling) {
    // Both apply to the calling thread only (on Linux a thread id names one thread). Failing (a
    // restricted container) only loses the preference, never correctness.
    if (scheduling == HashScheduling::idle) {
        const sched_param none{};
        (void)pthread_setschedparam(pthread_self(), SCHED_IDLE, &none);
    } else {
        (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kHashingNice);
    }
    std::unique_lock lock(mutex_);
    while (true) {
        ++idle_workers_;
        worker_idle_.notify_all();
        job_queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        --idle_workers_;
        if (stopping_ && queue_.empty()) return;
        std::shared_ptr<Job> job = std::move(queue_.front());
        queue_.pop_front();
        job->started = true;
        job->changed.notify_one();
        lock.unlock();
        const auto started = std::chrono::steady_clock::now();
        (*job->work)();
        Metrics::process().observe_hash(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        lock.lock();
        job->done = true;
        job->changed.notify_one();
    }
}

Result<void> PasswordHasher::run(const std::function<void()>& work) const {
    auto job = std::make_shared<Job>();
    job->work = &work;
    std::unique_lock lock(mutex_);
    // Queued jobs that idle threads are about to take wait for nothing: only those beyond them
    // are waiting. Counting them too refused a burst below the documented capacity.
    const std::size_t idle = static_cast<std::size_t>(std::max(0, idle_workers_));
    const std::size_t waiting = queue_.size() > idle ? queue_.size() - idle : 0;
    // An idle thread for every queued job: this one is taken at once, whatever the queue time.
    const bool taken = idle > queue_.size();
    if (!taken && waiting >= max_waiting_) {
        return make_error(Errc::busy, "too many requests already waiting for a password hash");
    }
    queue_.push_back(job);
    job_queued_.notify_one();
    if (!taken && !job->changed.wait_for(lock, max_wait_, [&] { return job->started; })) {
        queue_.erase(std::find(queue_.begin(), queue_.end(), job));
        return make_error(Errc::busy, "no password hashing thread within the queue time");
    }
    job->changed.wait(lock, [&] { return job->done; });
    return {};
}

Result<std::string> PasswordHasher::hash(std::string_view password) const {
    char out[crypto_pwhash_STRBYTES];
    int rc = -1;
    if (auto r = run([&] {
            rc = crypto_pwhash_str_alg(out, password.data(), password.size(), params_.opslimit,
                                       params_.memlimit_bytes, crypto_pwhash_ALG_ARGON2ID13);
        });
        !r) {
        return r.error();
    }
    if (rc != 0) return make_error(Errc::busy, "argon2id: out of memory");
    return std::string(out);
}

Result<bool> PasswordHasher::verify(std::string_view stored, std::string_view password) const {
    const std::string hash(stored);
    if (hash.rfind("$argon2id$", 0) == 0 || hash.rfind("$argon2i$", 0) == 0) {
        bool match = false;
        if (auto r = run([&] {
                match =
                    crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
            });
            !r) {
            return r.error();
        }
        return match;
    }
    if (hash.rfind("$2a$", 0) == 0 || hash.rfind("$2b$", 0) == 0 || hash.rfind("$2y$", 0) == 0) {
        if (password.find('\0') != std::string_view::npos) return false;
        bool match = false;
        if (auto r = run([&] {
                auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on a thread's stack
                const std::string pw(password);
                const char* out = crypt_r(pw.c_str(), hash.c_str(), data.get());
                if (out == nullptr || out[0] == '*') return;
                const std::size_t n = std::strlen(out);
                match = n == hash.size() && sodium_memcmp(out, hash.data(), n) == 0;
            });
            !r) {
            return r.error();
        }
        return match;
    }
    return false;
}

Result<void> PasswordHasher::verify_dummy(std::string_view password) const {
    auto r = verify(dummy_hash_, password);
    if (!r) return r.error();
    return {};
}

bool PasswordHasher::is_known_hash(std::string_view stored) {
    const std::string hash(stored);
    if (hash.rfind("$argon2id$", 0) == 0) {
        // -1: not a well-formed argon2id string (any parameters are otherwise fine).
        return crypto_pwhash_str_needs_rehash(hash.c_str(), 1, crypto_pwhash_MEMLIMIT_MIN) != -1;
    }
    static constexpr std::string_view kBcryptAlphabet =
        "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' ||
        (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') || hash[3] != '$' || hash[6] != '$')
        return false;
    if (!std::isdigit(static_cast<unsigned char>(hash[4])) ||
        !std::isdigit(static_cast<unsigned char>(hash[5])))
        return false;
    const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
    if (cost < 4 || cost > 31) return false;
    return hash.find_first_not_of(kBcryptAlphabet, 7) == std::string::npos;
}

bool PasswordHasher::needs_rehash(std::string_view stored) const {
    const std::string hash(stored);
    if (hash.rfind("$argon2id$", 0) != 0) return true;
    return crypto_pwhash_str_needs_rehash(hash.c_str(), params_.opslimit, params_.memlimit_bytes) !=
           0;
}

}  // namespace latchkey
