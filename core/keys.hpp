#pragma once
// The master key and the per-site signing keys derived from it, so a new site needs no key set-up.
#include <sodium.h>

#include <array>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace latchkey {

struct SigningKey {
    std::array<unsigned char, 32> secret;
    std::string kid;  // names the key without revealing it; differs per site and version
};

class KeyRing {
  public:
    // Reads the hex master key at `path`, creating it (mode 0600, O_EXCL so concurrent first
    // starts agree) when it does not exist.
    static Result<std::unique_ptr<KeyRing>> load_or_create(const std::string& path);
    static std::unique_ptr<KeyRing> from_master(const std::array<unsigned char, 32>& master);
    ~KeyRing();

    // The HS256 key of `site`, derived once and cached.
    const SigningKey& signing_key(std::string_view site) const;

    // Keys for other purposes, each derived once from the master key with its own crypto_kdf
    // context: hashing one-time tokens and codes, and sealing queued mail.
    const std::array<unsigned char, 32>& one_time_key() const { return one_time_key_; }
    const std::array<unsigned char, 32>& outbox_key() const { return outbox_key_; }

    explicit KeyRing(const std::array<unsigned char, 32>& master);

  private:
    std::array<unsigned char, crypto_kdf_KEYBYTES> master_;
    std::array<unsigned char, 32> one_time_key_;
    std::array<unsigned char, 32> outbox_key_;
    mutable std::shared_mutex mutex_;
    mutable std::map<std::string, std::unique_ptr<SigningKey>, std::less<>> cache_;
};

}  // namespace latchkey
