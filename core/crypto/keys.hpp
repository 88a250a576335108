#pragma once
// The master key and the per-site signing keys derived from it, so a new site needs no key set-up.
#include <sodium.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "core/base/result.hpp"

namespace latchkey {

enum class SigningAlg { hs256, eddsa };

// "HS256" or "EdDSA", the JOSE names (RFC 7518, RFC 8037).
std::string_view alg_name(SigningAlg alg);
std::optional<SigningAlg> alg_from_name(std::string_view name);

// One version of a site's token key. Nothing of it is stored: it is derived from the master key,
// the site and the version whenever needed, so the database only records which versions exist.
struct SigningKey {
    SigningAlg alg = SigningAlg::hs256;
    std::int64_t version = 1;
    std::array<unsigned char, 32> secret{};  // HS256: the MAC key; EdDSA: the Ed25519 seed
    std::array<unsigned char, crypto_sign_SECRETKEYBYTES> ed25519_secret{};  // EdDSA only
    std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> ed25519_public{};  // EdDSA only
    std::string kid;  // "<version>-<16 hex>": names the key without revealing it
};

class KeyRing {
  public:
    // Reads the hex master key at `path`, creating it (mode 0600, O_EXCL so concurrent first
    // starts agree) when it does not exist.
    static Result<std::unique_ptr<KeyRing>> load_or_create(const std::string& path);
    static std::unique_ptr<KeyRing> from_master(const std::array<unsigned char, 32>& master);
    ~KeyRing();

    // Version `version` of `site`'s key for `alg`, derived once and cached. Version 1 of HS256 is
    // the key every site signed with before keys had versions; its kid is unchanged.
    const SigningKey& signing_key(std::string_view site, std::int64_t version = 1,
                                  SigningAlg alg = SigningAlg::hs256) const;

    // Keys for other purposes, each derived once from the master key with its own crypto_kdf
    // context: hashing one-time tokens and codes, sealing queued mail, and sealing a rotated
    // refresh token's successor for the grace window.
    const std::array<unsigned char, 32>& one_time_key() const { return one_time_key_; }
    // Keyed BLAKE2b-256 of `message` under the one-time key, as 64 hex digits: how one-time
    // tokens, codes, refresh ids, send counters and guess buckets are named at rest.
    std::string one_time_digest(std::string_view message) const;
    const std::array<unsigned char, 32>& outbox_key() const { return outbox_key_; }
    const std::array<unsigned char, 32>& successor_key() const { return successor_key_; }
    // Seals second-factor secrets (TOTP keys) at rest: a copied database alone generates no code.
    const std::array<unsigned char, 32>& factor_key() const { return factor_key_; }

    explicit KeyRing(const std::array<unsigned char, 32>& master);

  private:
    std::array<unsigned char, crypto_kdf_KEYBYTES> master_;
    std::array<unsigned char, 32> one_time_key_;
    std::array<unsigned char, 32> outbox_key_;
    std::array<unsigned char, 32> successor_key_;
    std::array<unsigned char, 32> factor_key_;
    mutable std::shared_mutex mutex_;
    mutable std::map<std::string, std::unique_ptr<SigningKey>, std::less<>> cache_;
};

}  // namespace latchkey
