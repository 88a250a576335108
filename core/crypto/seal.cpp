#include "core/crypto/seal.hpp"

#include <sodium.h>

namespace latchkey {

static_assert(sizeof(SealKey) == crypto_secretbox_KEYBYTES);

std::string seal(std::string_view plain, const SealKey& key) {
    std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
    auto* nonce = reinterpret_cast<unsigned char*>(out.data());
    randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                          reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), nonce,
                          key.data());
    return out;
}

std::optional<std::string> unseal(std::string_view sealed, const SealKey& key) {
    if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return std::nullopt;
    std::string plain(sealed.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES,
                      '\0');
    const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
    if (crypto_secretbox_open_easy(
            reinterpret_cast<unsigned char*>(plain.data()), nonce + crypto_secretbox_NONCEBYTES,
            sealed.size() - crypto_secretbox_NONCEBYTES, nonce, key.data()) != 0) {
        return std::nullopt;
    }
    return plain;
}

}  // namespace latchkey
