#pragma once
// Password hashing: argon2id through libsodium, verification of imported bcrypt hashes through
// libcrypt, and admission control: at most `concurrency` hashes run at once (each holds its
// memory cost), the rest wait up to `max_wait` and then get Errc::busy, so a login flood can
// neither exhaust memory nor starve cheap requests.
#include <chrono>
#include <cstdint>
#include <memory>
#include <semaphore>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace latchkey {

struct HashParams {
    std::uint64_t opslimit = 2;
    std::size_t memlimit_bytes = 19456 * 1024;
};

class PasswordHasher {
  public:
    PasswordHasher(HashParams params, int concurrency, std::chrono::milliseconds max_wait);

    // A new argon2id hash string ($argon2id$v=19$m=...,t=...,p=1$salt$hash).
    Result<std::string> hash(std::string_view password) const;

    // True when `password` matches `stored` (argon2id, argon2i or bcrypt $2a$/$2b$/$2y$). An
    // unknown format is simply false.
    Result<bool> verify(std::string_view stored, std::string_view password) const;

    // Spends the time of one verification against a fixed hash, for accounts that do not exist.
    Result<void> verify_dummy(std::string_view password) const;

    // True when `stored` is not argon2id with the current parameters (bcrypt, weaker argon2).
    bool needs_rehash(std::string_view stored) const;

    const HashParams& params() const { return params_; }

  private:
    class Slot;
    Result<Slot> acquire() const;

    HashParams params_;
    std::chrono::milliseconds max_wait_;
    mutable std::counting_semaphore<1024> slots_;
    std::string dummy_hash_;
};

}  // namespace latchkey
