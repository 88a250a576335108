#pragma once
// WebAuthn's authenticator data (section 6.1 of the specification): the RP ID hash, flags,
// signature counter and, at registration, the attested credential data. Parsed with every length
// checked against what remains, and nothing left over.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/base/result.hpp"

namespace latchkey::webauthn {

constexpr std::size_t kMaxCredentialIdBytes = 1023;  // the specification's own bound

struct AttestedCredential {
    std::array<unsigned char, 16> aaguid{};
    std::string_view credential_id;  // views into the parsed bytes
    std::string_view public_key;     // one CBOR item (a COSE_Key, not yet checked)
};

struct AuthenticatorData {
    std::string_view rp_id_hash;   // 32 bytes
    bool user_present = false;     // UP
    bool user_verified = false;    // UV
    bool backup_eligible = false;  // BE
    bool backup_state = false;     // BS
    std::uint32_t sign_count = 0;
    std::optional<AttestedCredential> attested;  // present exactly when the AT flag is set
};

// Errc::invalid_argument when `bytes` is short, longer than its flags account for (extensions,
// flag ED, are one CBOR map and are skipped), or claims a backup without eligibility.
Result<AuthenticatorData> parse_authenticator_data(std::string_view bytes);

}  // namespace latchkey::webauthn
