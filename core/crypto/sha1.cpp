#include "core/crypto/sha1.hpp"

#include <openssl/evp.h>

namespace latchkey {

std::array<std::uint8_t, 20> sha1(std::string_view data) {
    std::array<std::uint8_t, 20> digest{};
    unsigned int size = 0;
    // One-shot, no context to leak; it fails only if libcrypto cannot allocate.
    if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha1(), nullptr) != 1 ||
        size != digest.size()) {
        digest.fill(0);
    }
    return digest;
}

std::string sha1_hex_upper(std::string_view data) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(40);
    for (const std::uint8_t byte : sha1(data)) {
        out += kHex[byte >> 4];
        out += kHex[byte & 0xF];
    }
    return out;
}

}  // namespace latchkey
