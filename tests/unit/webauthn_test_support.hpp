#pragma once
// Shared by the WebAuthn unit tests: decoding the public vectors (tests/unit/data/) and writing
// the few CBOR structures the tests mutate, by hand, so no test depends on the encoder it checks.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/crypto/jwt.hpp"

namespace latchkey::testing {

inline std::string unbase64url(std::string_view text) {
    auto bytes = jwt::base64url_decode(text);
    EXPECT_TRUE(bytes.has_value()) << text;
    return bytes.value_or("");
}

// A CBOR head (RFC 8949 section 3): major type and argument, shortest form.
inline std::string cbor_head(unsigned major, std::uint64_t n) {
    std::string out;
    const auto type = static_cast<char>(major << 5);
    if (n < 24) return std::string(1, static_cast<char>(type | static_cast<char>(n)));
    int bytes = n <= 0xff ? 1 : n <= 0xffff ? 2 : n <= 0xffffffffULL ? 4 : 8;
    out += static_cast<char>(type | static_cast<char>(bytes == 1   ? 24
                                                      : bytes == 2 ? 25
                                                      : bytes == 4 ? 26
                                                                   : 27));
    for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((n >> (8 * i)) & 0xff);
    return out;
}
inline std::string cbor_int(std::int64_t v) {
    return v >= 0 ? cbor_head(0, static_cast<std::uint64_t>(v))
                  : cbor_head(1, static_cast<std::uint64_t>(-1 - v));
}
inline std::string cbor_bytes(std::string_view b) {
    return cbor_head(2, b.size()) + std::string(b);
}
inline std::string cbor_text(std::string_view t) {
    return cbor_head(3, t.size()) + std::string(t);
}

// An attestation object: {"fmt": fmt, "attStmt": statement (already CBOR), "authData": auth}.
inline std::string attestation_object(std::string_view fmt, std::string_view statement,
                                      std::string_view auth) {
    return cbor_head(5, 3) + cbor_text("fmt") + cbor_text(fmt) + cbor_text("attStmt") +
           std::string(statement) + cbor_text("authData") + cbor_bytes(auth);
}
inline std::string none_attestation(std::string_view auth) {
    return attestation_object("none", cbor_head(5, 0), auth);
}

}  // namespace latchkey::testing
