#include "core/password.hpp"

#include <crypt.h>
#include <sodium.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace latchkey {

class PasswordHasher::Slot {
  public:
    explicit Slot(std::counting_semaphore<1024>* slots) : slots_(slots) {}
    Slot(Slot&& other) noexcept : slots_(other.slots_) { other.slots_ = nullptr; }
    Slot(const Slot&) = delete;
    ~Slot() {
        if (slots_ != nullptr) slots_->release();
    }

  private:
    std::counting_semaphore<1024>* slots_;
};

PasswordHasher::PasswordHasher(HashParams params, int concurrency,
                               std::chrono::milliseconds max_wait)
    : params_(params), max_wait_(max_wait), slots_(concurrency) {
    // The dummy carries the real parameters so a miss costs what a hit costs.
    char out[crypto_pwhash_STRBYTES];
    static constexpr char kDummy[] = "latchkey-dummy-password";
    if (crypto_pwhash_str_alg(out, kDummy, sizeof kDummy - 1, params_.opslimit,
                              params_.memlimit_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        throw std::runtime_error("argon2id: out of memory computing the dummy hash");
    }
    dummy_hash_ = out;
}

Result<PasswordHasher::Slot> PasswordHasher::acquire() const {
    if (!slots_.try_acquire_for(max_wait_)) {
        return make_error(Errc::busy, "no password hashing slot within the queue time");
    }
    return Slot(&slots_);
}

Result<std::string> PasswordHasher::hash(std::string_view password) const {
    auto slot = acquire();
    if (!slot) return slot.error();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), params_.opslimit,
                              params_.memlimit_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return make_error(Errc::busy, "argon2id: out of memory");
    }
    return std::string(out);
}

Result<bool> PasswordHasher::verify(std::string_view stored, std::string_view password) const {
    const std::string hash(stored);
    if (hash.rfind("$argon2id$", 0) == 0 || hash.rfind("$argon2i$", 0) == 0) {
        auto slot = acquire();
        if (!slot) return slot.error();
        return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
    }
    if (hash.rfind("$2a$", 0) == 0 || hash.rfind("$2b$", 0) == 0 || hash.rfind("$2y$", 0) == 0) {
        if (password.find('\0') != std::string_view::npos) return false;
        auto slot = acquire();
        if (!slot) return slot.error();
        auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on a worker's stack
        const std::string pw(password);
        const char* out = crypt_r(pw.c_str(), hash.c_str(), data.get());
        if (out == nullptr || out[0] == '*') return false;
        const std::size_t n = std::strlen(out);
        return n == hash.size() && sodium_memcmp(out, hash.data(), n) == 0;
    }
    return false;
}

Result<void> PasswordHasher::verify_dummy(std::string_view password) const {
    auto r = verify(dummy_hash_, password);
    if (!r) return r.error();
    return {};
}

bool PasswordHasher::needs_rehash(std::string_view stored) const {
    const std::string hash(stored);
    if (hash.rfind("$argon2id$", 0) != 0) return true;
    return crypto_pwhash_str_needs_rehash(hash.c_str(), params_.opslimit, params_.memlimit_bytes) !=
           0;
}

}  // namespace latchkey
