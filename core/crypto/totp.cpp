#include "core/crypto/totp.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <array>

namespace latchkey::totp {
namespace {

constexpr std::uint32_t kPowersOfTen[] = {1,      10,      100,      1000,     10000,
                                          100000, 1000000, 10000000, 100000000};

}  // namespace

std::string code_at(std::string_view secret, std::int64_t step, int digits) {
    std::array<unsigned char, 8> counter{};
    auto value = static_cast<std::uint64_t>(step);
    for (int i = 7; i >= 0; --i) {
        counter[static_cast<std::size_t>(i)] = static_cast<unsigned char>(value & 0xff);
        value >>= 8;
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int mac_length = 0;
    HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), counter.data(), counter.size(),
         mac.data(), &mac_length);
    // RFC 4226 section 5.3: dynamic truncation.
    const unsigned offset = mac[mac_length - 1] & 0x0f;
    const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                                 (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                                 (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                                 static_cast<std::uint32_t>(mac[offset + 3]);
    std::string code = std::to_string(binary % kPowersOfTen[digits]);
    return std::string(static_cast<std::size_t>(digits) - code.size(), '0') + code;
}

bool is_code(std::string_view code, int digits) {
    if (code.size() != static_cast<std::size_t>(digits)) return false;
    for (char ch : code) {
        if (ch < '0' || ch > '9') return false;
    }
    return true;
}

std::optional<std::int64_t> matching_step(std::string_view secret, std::string_view code,
                                          std::int64_t now, int window, int digits) {
    if (!is_code(code, digits)) return std::nullopt;
    // Every candidate is computed and compared, so the time taken does not say which one matched.
    std::optional<std::int64_t> found;
    const std::int64_t current = step_at(now);
    for (std::int64_t step = current - window; step <= current + window; ++step) {
        const std::string expected = code_at(secret, step, digits);
        if (sodium_memcmp(expected.data(), code.data(), code.size()) == 0 && !found) found = step;
    }
    return found;
}

std::string base32(std::string_view bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    std::string out;
    out.reserve((bytes.size() * 8 + 4) / 5);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (unsigned char byte : bytes) {
        buffer = (buffer << 8) | byte;
        bits += 8;
        while (bits >= 5) {
            out += kAlphabet[(buffer >> (bits - 5)) & 0x1f];
            bits -= 5;
        }
    }
    if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 0x1f];
    return out;
}

}  // namespace latchkey::totp
