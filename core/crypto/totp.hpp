#pragma once
// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP) as authenticator apps compute
// them: HMAC-SHA-1, 6 digits, 30-second steps. Only the arithmetic lives here; which steps a
// code may answer, and that each is answered once, is core/auth/totp_factors.hpp's.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::totp {

inline constexpr std::int64_t kPeriod = 30;      // seconds per step
inline constexpr int kDigits = 6;                // what every authenticator app shows
inline constexpr std::size_t kSecretBytes = 20;  // RFC 4226's recommended key length (160 bits)

// The step a Unix time falls in: floor(t / period), with T0 = 0.
inline std::int64_t step_at(std::int64_t unix_time) {
    return unix_time >= 0 ? unix_time / kPeriod : (unix_time - kPeriod + 1) / kPeriod;
}

// Whether `code` has the shape of a code: exactly `digits` ASCII digits.
bool is_code(std::string_view code, int digits = kDigits);

// The code of `step` for the raw `secret`, zero-padded to `digits` (6 to 8).
std::string code_at(std::string_view secret, std::int64_t step, int digits = kDigits);

// The step among step_at(now) - window ... step_at(now) + window whose code `code` is, compared in
// constant time; nullopt when none is (or `code` is not `digits` ASCII digits).
std::optional<std::int64_t> matching_step(std::string_view secret, std::string_view code,
                                          std::int64_t now, int window = 1, int digits = kDigits);

// RFC 4648 base32 without padding, upper case: how otpauth:// URIs and apps spell a secret.
std::string base32(std::string_view bytes);

}  // namespace latchkey::totp
