#pragma once
// The relying party's side of WebAuthn Level 3 (passkeys): checking a registration (a new
// credential) and an assertion (a sign-in with one), as sections 7.1 and 7.2 of the
// specification list the steps. Core knows no JSON contract and no HTTP: callers hand over the
// decoded bytes of each field the browser returned, and store what comes back
// (core/auth/passkeys.hpp). Challenges are base64url without padding (jwt::base64url_encode).
//
// Every input is bounded before it is parsed, and the CBOR inside it is walked within fixed
// depth before it is decoded (core/crypto/cbor.hpp).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.hpp"
#include "core/crypto/authenticator_data.hpp"
#include "core/crypto/cose_key.hpp"

namespace latchkey::webauthn {

// The site's WebAuthn identity, from its configuration: the RP ID (a registrable domain the
// credentials are scoped to) and every origin allowed to use it ("https://shop.example").
struct RelyingParty {
    std::string id;
    std::vector<std::string> origins;
};

constexpr std::size_t kMaxClientDataBytes = 4 * 1024;
constexpr std::size_t kMaxAttestationObjectBytes = 16 * 1024;
constexpr std::size_t kMaxAuthenticatorDataBytes = 4 * 1024;
constexpr std::size_t kMaxSignatureBytes = 1024;

// A new random challenge: 32 bytes from libsodium's CSPRNG, as unpadded base64url.
std::string new_challenge();

struct NewCredential {
    std::string credential_id;  // raw bytes
    std::string public_key;     // the COSE_Key, bytes exactly as the authenticator sent them
    cose::Alg alg = cose::Alg::es256;
    std::uint32_t sign_count = 0;
    bool backup_eligible = false;  // BE: the credential may be synced to other devices
    bool backup_state = false;     // BS: it is synced now
    std::array<unsigned char, 16> aaguid{};
    bool user_verified = false;
};

// Why a registration was refused, for front ends whose protocol names the reason (Cognito's
// WebAuthnOriginNotAllowedException and its kin); the detail stays for logs only.
enum class Refusal {
    invalid,        // anything else: malformed, another ceremony's challenge, a bad signature
    origin,         // an origin the site does not list, or inside another site's frame
    relying_party,  // scoped to another RP ID
    unsupported,    // an attestation format or key this server does not accept
};

// Checks a registration (navigator.credentials.create()'s response) against the challenge this
// server issued. Attestation: "none", or "packed" self-attestation (signed by the credential's
// own key). Errc::invalid_argument for any failure, with the reason in the detail and, when
// `why` is given, its kind there.
Result<NewCredential> verify_registration(const RelyingParty& rp,
                                          std::string_view expected_challenge,
                                          std::string_view client_data_json,
                                          std::string_view attestation_object,
                                          bool require_user_verification, Refusal* why = nullptr);

// What the store keeps of a credential to check its assertions.
struct StoredCredential {
    std::string public_key;  // COSE_Key bytes
    cose::Alg alg = cose::Alg::es256;
    std::uint32_t sign_count = 0;
};

struct AssertionOutcome {
    std::uint32_t sign_count = 0;  // to store (record_use only ever moves it forward)
    bool backup_eligible = false;
    bool backup_state = false;
    bool user_verified = false;
};

// Checks an assertion (navigator.credentials.get()'s response) made with `credential`.
// Errc::invalid_credentials for any failure of the response; Errc::cloned_authenticator when
// everything verified but the signature counter did not move forward: another copy of the
// authenticator has been used, and the caller should refuse and tell the account's owner.
Result<AssertionOutcome> verify_assertion(
    const RelyingParty& rp, std::string_view expected_challenge, const StoredCredential& credential,
    std::string_view client_data_json, std::string_view authenticator_data,
    std::string_view signature, bool require_user_verification);

}  // namespace latchkey::webauthn
