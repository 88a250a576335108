#pragma once
// SHA-1, for one job only: naming a password's file in a local breached-password store, which is
// keyed by SHA-1 (the HIBP range format). Not for anything that needs a secure hash. libsodium has
// no SHA-1; libcrypto's is used.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace latchkey {

std::array<std::uint8_t, 20> sha1(std::string_view data);

// The digest in upper-case hex (40 characters), as the range files spell it.
std::string sha1_hex_upper(std::string_view data);

}  // namespace latchkey
