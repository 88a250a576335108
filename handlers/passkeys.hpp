#pragma once
// Passkeys (WebAuthn) on the password contracts, the same on each: a signed-in account registers
// one after proving its password again, lists and removes its own, and anyone may sign in with
// one instead of a password. The browser's ceremonies take options from the service and give back
// a credential, both in WebAuthn's own JSON (PublicKeyCredential.toJSON()), whatever the contract's
// naming; only the fields around them follow it. Booking speaks Cognito's operations over the same
// core (handlers/booking_cognito*.cpp).
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "core/base/json.hpp"
#include "core/crypto/webauthn.hpp"
#include "handlers/context.hpp"

namespace latchkey {

inline constexpr std::string_view kPasskeysPath = "/api/auth/passkeys";
inline constexpr std::string_view kPasskeyRegisterOptionsPath =
    "/api/auth/passkeys/register/options";
inline constexpr std::string_view kPasskeyRegisterPath = "/api/auth/passkeys/register";
inline constexpr std::string_view kPasskeyDeletePath = "/api/auth/passkeys/delete";
inline constexpr std::string_view kPasskeyLoginOptionsPath = "/api/auth/passkeys/login/options";
inline constexpr std::string_view kPasskeyLoginPath = "/api/auth/passkeys/login";

// The contract's messages for the routes above.
inline constexpr std::string_view kPasskeyChallengeExpired =
    "Invalid or expired passkey challenge: start again";
inline constexpr std::string_view kPasskeyNotVerified = "The passkey could not be verified";
inline constexpr std::string_view kPasskeySignInFailed = "Passkey sign-in failed";
inline constexpr std::string_view kPasskeyNotFound = "Passkey not found";

// Each contract's names for the fields around the WebAuthn JSON.
struct PasskeyNames {
    const char* passkeys;  // the list
    const char* created_at;
    const char* last_used_at;
    const char* backed_up;
    bool blank_is_missing;  // an empty field counts as absent (every contract but pydantic's)
};
inline constexpr PasskeyNames kCamelCasePasskeys{"passkeys", "createdAt", "lastUsedAt", "backedUp",
                                                 true};
inline constexpr PasskeyNames kSnakeCasePasskeys{"passkeys", "created_at", "last_used_at",
                                                 "backed_up", false};

// The site's relying party: its RP ID and the origins its pages run on. nginx's
// LATCHKEY_PASSKEY_ORIGINS (space-separated) names the origins, else the site's public URL
// (public_url()) is the one; LATCHKEY_PASSKEY_RP_ID names the RP ID, else it is the first origin's
// host. Errc::config when neither is set.
Result<webauthn::RelyingParty> relying_party(const Services& services, const Request& request);

// A credential as PublicKeyCredential.toJSON() gives it, its base64url fields decoded. Empty
// fields were absent.
struct PresentedCredential {
    std::string id;  // rawId, bytes
    std::string client_data_json;
    std::string attestation_object;  // registration
    std::string authenticator_data;  // assertion
    std::string signature;           // assertion
    std::string user_handle;         // assertion, when the authenticator gave one
    std::string challenge;           // clientDataJSON's challenge, as sent (base64url)
};
// Reads `credential` (an object) for a registration or an assertion; nullopt when it is not one
// (a field missing, not base64url, or over WebAuthn's bounds).
std::optional<PresentedCredential> read_credential(const cJSON* credential, bool registration);

// The opaque user handle of an account (WebAuthn's user.id): stable, never its email.
std::string user_handle(const Account& account);

// PublicKeyCredentialCreationOptionsJSON for `account` registering a passkey: the ceremony's
// challenge, the RP, the user (its handle, never its email, as the id), the algorithms offered,
// the credentials it holds already (excluded), a discoverable credential required, user
// verification preferred, no attestation. The password contracts answer it as is; Cognito's
// StartWebAuthnRegistration as CredentialCreationOptions.
Json creation_options(const webauthn::RelyingParty& rp, std::string_view site,
                      const Account& account, std::string_view challenge,
                      const std::vector<std::string>& exclude);
// PublicKeyCredentialRequestOptionsJSON for a sign-in: `allow` the credential ids (base64url) the
// authenticator may use; empty for a discoverable sign-in.
Json request_options(const webauthn::RelyingParty& rp, std::string_view challenge,
                     const std::vector<std::string>& allow);

// The name a passkey gets when its owner gives none: what the browser says it is, roughly.
std::string default_passkey_name(const Request& request);

// Takes the registration ceremony `credential` answers (single use), which must be bound to
// `caller`, and verifies the attestation; a response that does not verify is audited as
// `passkey.register.failure`. Errc::invalid_token: no such open ceremony of the caller's;
// Errc::invalid_credentials: it did not verify (the detail says why: webauthn.cpp's words).
Result<webauthn::NewCredential> check_registration(Services& services, const Request& request,
                                                   std::string_view site, const Account& caller,
                                                   const PresentedCredential& credential,
                                                   std::int64_t now);

// An assertion checked against the ceremony it answers and the passkey it names.
struct AssertionCheck {
    std::optional<Account> account;  // the passkey's account, once known
    std::optional<Error> error;      // why it was refused; none when it verified
    bool user_verified = false;
};
// Takes the ceremony `credential` answers (single use), finds its passkey, checks that the
// ceremony was bound to that passkey's account (when it was bound), the user handle, the
// signature and the counter, and records the use. A counter that went back (or a concurrent use
// that won) is audited as `passkey.cloned` and refused; a disabled account is refused.
// Errc::invalid_credentials or invalid_token for a refused assertion (was_checked() is true for
// both: count them as guesses); other codes are the store's failures.
AssertionCheck check_assertion(Services& services, const Request& request, std::string_view site,
                               const PresentedCredential& credential, std::int64_t now);

// GET: 200 {passkeys: [{id, name, created_at, last_used_at, backed_up}]}.
Outcome list_passkeys(Context& c, const PasskeyNames& names);
// {password}: 200 PublicKeyCredentialCreationOptionsJSON.
Outcome passkey_register_options(Context& c, const PasskeyNames& names);
// {credential, name?}: 201 {id, name, created_at, backed_up}.
Outcome passkey_register(Context& c, const PasskeyNames& names);
// {id}: 200 {message}.
Outcome passkey_delete(Context& c, const PasskeyNames& names);
// No body: 200 PublicKeyCredentialRequestOptionsJSON (discoverable: no allowCredentials).
Outcome passkey_login_options(Context& c);
// {credential}: what `signed_in` answers for the passkey's account; when the authenticator did
// not verify its user and the account has an authenticator app, `second_factor` answers instead
// (a passkey without user verification is one factor, like a password).
Outcome passkey_login(Context& c, const std::function<Outcome(const Account&)>& signed_in,
                      const std::function<std::optional<Outcome>(const Account&)>& second_factor);

}  // namespace latchkey
