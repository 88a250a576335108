#include "core/crypto/keys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace latchkey {
namespace {

constexpr char kHs256Context[crypto_kdf_CONTEXTBYTES + 1] = "LKjwtkey";
constexpr char kEd25519Context[crypto_kdf_CONTEXTBYTES + 1] = "LKjwted2";

Result<std::string> read_all(int fd) {
    std::string text;
    char buf[256];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return make_error(Errc::config, std::strerror(errno));
        if (n == 0) return text;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > 4096) return make_error(Errc::config, "master key file is too large");
    }
}

}  // namespace

namespace {

// Key material stays in RAM: never written to swap (mlock) nor into a core dump (libsodium adds
// MADV_DONTDUMP; the serve command also turns core dumps off). Best effort: a low RLIMIT_MEMLOCK
// only loses the swap guarantee.
template <class T>
void lock_in_memory(T& secret) {
    (void)sodium_mlock(&secret, sizeof secret);
}

// Zeroes the memory and unlocks it.
template <class T>
void unlock_and_wipe(T& secret) {
    (void)sodium_munlock(&secret, sizeof secret);
}

}  // namespace

KeyRing::KeyRing(const std::array<unsigned char, 32>& master) {
    lock_in_memory(master_);
    lock_in_memory(one_time_key_);
    lock_in_memory(outbox_key_);
    lock_in_memory(successor_key_);
    lock_in_memory(factor_key_);
    std::memcpy(master_.data(), master.data(), master_.size());
    crypto_kdf_derive_from_key(one_time_key_.data(), one_time_key_.size(), 1, "LKonce__",
                               master_.data());
    crypto_kdf_derive_from_key(outbox_key_.data(), outbox_key_.size(), 1, "LKoutbox",
                               master_.data());
    crypto_kdf_derive_from_key(successor_key_.data(), successor_key_.size(), 1, "LKrfsucc",
                               master_.data());
    crypto_kdf_derive_from_key(factor_key_.data(), factor_key_.size(), 1, "LKfactor",
                               master_.data());
}

KeyRing::~KeyRing() {
    unlock_and_wipe(master_);
    unlock_and_wipe(one_time_key_);
    unlock_and_wipe(outbox_key_);
    unlock_and_wipe(successor_key_);
    unlock_and_wipe(factor_key_);
    for (auto& [name, key] : cache_) {
        unlock_and_wipe(key->secret);
        unlock_and_wipe(key->ed25519_secret);
    }
}

std::string KeyRing::one_time_digest(std::string_view message) const {
    unsigned char digest[32];
    crypto_generichash(digest, sizeof digest,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       one_time_key_.data(), one_time_key_.size());
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

std::unique_ptr<KeyRing> KeyRing::from_master(const std::array<unsigned char, 32>& master) {
    return std::make_unique<KeyRing>(master);
}

Result<std::unique_ptr<KeyRing>> KeyRing::load_or_create(const std::string& path) {
    std::array<unsigned char, 32> master{};
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        crypto_kdf_keygen(master.data());
        char hex[65];
        sodium_bin2hex(hex, sizeof hex, master.data(), master.size());
        std::string line = std::string(hex) + "\n";
        const bool written =
            ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
        const bool synced = ::fsync(fd) == 0;
        ::close(fd);
        sodium_memzero(hex, sizeof hex);
        if (!written || !synced) {
            ::unlink(path.c_str());
            return make_error(Errc::config, "cannot write master key " + path);
        }
        return from_master(master);
    }
    if (errno != EEXIST) {
        return make_error(Errc::config,
                          "cannot create master key " + path + ": " + std::strerror(errno));
    }
    // Another process may have just created it: wait briefly for its content.
    for (int attempt = 0; attempt < 50; ++attempt) {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return make_error(Errc::config,
                              "cannot read master key " + path + ": " + std::strerror(errno));
        struct stat st {};
        ::fstat(fd, &st);
        auto text = read_all(fd);
        ::close(fd);
        if (!text) return text.error();
        if (text->empty()) {
            ::usleep(10000);
            continue;
        }
        if ((st.st_mode & 077) != 0) {
            return make_error(
                Errc::config,
                "master key " + path + " must not be readable by group or others (chmod 600)");
        }
        while (!text->empty() &&
               (text->back() == '\n' || text->back() == '\r' || text->back() == ' '))
            text->pop_back();
        std::size_t len = 0;
        if (text->size() != 64 ||
            sodium_hex2bin(master.data(), master.size(), text->data(), text->size(), nullptr, &len,
                           nullptr) != 0 ||
            len != master.size()) {
            return make_error(Errc::config, "master key " + path + " must hold 64 hex characters");
        }
        sodium_memzero(text->data(), text->size());
        return from_master(master);
    }
    return make_error(Errc::config, "master key " + path + " stayed empty");
}

std::string_view alg_name(SigningAlg alg) {
    return alg == SigningAlg::eddsa ? "EdDSA" : "HS256";
}

std::optional<SigningAlg> alg_from_name(std::string_view name) {
    if (name == "HS256") return SigningAlg::hs256;
    if (name == "EdDSA") return SigningAlg::eddsa;
    return std::nullopt;
}

const SigningKey& KeyRing::signing_key(std::string_view site, std::int64_t version,
                                       SigningAlg alg) const {
    std::string cache_key = std::string(site);
    cache_key.push_back('\0');
    cache_key += std::to_string(version);
    cache_key.push_back('\0');
    cache_key += alg_name(alg);
    {
        std::shared_lock lock(mutex_);
        if (auto it = cache_.find(cache_key); it != cache_.end()) return *it->second;
    }
    // crypto_kdf derives a key per version and algorithm; keyed BLAKE2b binds it to the site
    // name, which is longer than crypto_kdf's 8-byte context can hold.
    unsigned char version_key[32];
    crypto_kdf_derive_from_key(version_key, sizeof version_key, static_cast<std::uint64_t>(version),
                               alg == SigningAlg::eddsa ? kEd25519Context : kHs256Context,
                               master_.data());
    auto key = std::make_unique<SigningKey>();
    lock_in_memory(key->secret);
    lock_in_memory(key->ed25519_secret);
    key->alg = alg;
    key->version = version;
    const std::string message = "latchkey-site:" + std::string(site);
    crypto_generichash(key->secret.data(), key->secret.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       version_key, sizeof version_key);
    sodium_memzero(version_key, sizeof version_key);
    // The kid hashes what may be public: the HS256 secret through BLAKE2b, the Ed25519 public key.
    const unsigned char* named = key->secret.data();
    if (alg == SigningAlg::eddsa) {
        crypto_sign_seed_keypair(key->ed25519_public.data(), key->ed25519_secret.data(),
                                 key->secret.data());
        named = key->ed25519_public.data();
    }
    unsigned char id[8];
    static constexpr unsigned char kKidLabel[] = "kid";
    crypto_generichash(id, sizeof id, kKidLabel, sizeof kKidLabel - 1, named, 32);
    char hex[17];
    sodium_bin2hex(hex, sizeof hex, id, sizeof id);
    key->kid = std::to_string(version) + "-" + hex;

    std::unique_lock lock(mutex_);
    auto [it, inserted] = cache_.emplace(std::move(cache_key), std::move(key));
    return *it->second;
}

}  // namespace latchkey
