#pragma once
// Values kept at rest that must be useless without the master key (queued mail, a rotated refresh
// token's successor): XSalsa20-Poly1305 secretbox under one of the KeyRing's purpose keys, with a
// random nonce in front of the ciphertext.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace latchkey {

using SealKey = std::array<unsigned char, 32>;

std::string seal(std::string_view plain, const SealKey& key);
// nullopt when `sealed` was not sealed with `key` or was altered.
std::optional<std::string> unseal(std::string_view sealed, const SealKey& key);

}  // namespace latchkey
