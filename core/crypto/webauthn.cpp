#include "core/crypto/webauthn.hpp"

#include <sodium.h>

#include <algorithm>
#include <utility>

#include "core/base/json.hpp"
#include "core/crypto/cbor.hpp"
#include "core/crypto/jwt.hpp"

namespace latchkey::webauthn {
namespace {

std::string sha256(std::string_view bytes) {
    std::string digest(crypto_hash_sha256_BYTES, '\0');
    crypto_hash_sha256(reinterpret_cast<unsigned char*>(digest.data()),
                       reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    return digest;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
    return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Section 7.1 steps 7-12 and 7.2 steps 10-15: the collected client data says what was asked
// (the ceremony, our challenge) and where (one of our origins, not inside another site's frame).
Result<void> check_client_data(const RelyingParty& rp, std::string_view type,
                               std::string_view expected_challenge,
                               std::string_view client_data_json, Refusal& why) {
    if (client_data_json.size() > kMaxClientDataBytes)
        return make_error(Errc::invalid_argument, "clientDataJSON too large");
    auto parsed = parse_json_strict(client_data_json);
    if (!std::holds_alternative<Json>(parsed))
        return make_error(Errc::invalid_argument, "clientDataJSON is not JSON");
    const cJSON* data = std::get<Json>(parsed).get();
    if (!cJSON_IsObject(data))
        return make_error(Errc::invalid_argument, "clientDataJSON is not an object");
    if (json_string(data, "type") != type)
        return make_error(Errc::invalid_argument,
                          "clientDataJSON type is not " + std::string(type));
    const auto challenge = json_string(data, "challenge");
    if (!challenge || expected_challenge.empty() ||
        !equal_constant_time(*challenge, expected_challenge))
        return make_error(Errc::invalid_argument, "challenge differs");
    const auto origin = json_string(data, "origin");
    why = Refusal::origin;
    if (!origin || std::find(rp.origins.begin(), rp.origins.end(), *origin) == rp.origins.end())
        return make_error(Errc::invalid_argument, "origin not allowed");
    if (const cJSON* cross = cJSON_GetObjectItemCaseSensitive(data, "crossOrigin");
        cross != nullptr && !cJSON_IsFalse(cross))
        return make_error(Errc::invalid_argument, "crossOrigin");
    why = Refusal::invalid;
    return {};
}

// Section 7.1 steps 13-16 and 7.2 steps 16-18: the authenticator scoped the credential to our RP
// ID and saw the user (and verified them, when we ask for it).
Result<AuthenticatorData> check_authenticator_data(const RelyingParty& rp, std::string_view bytes,
                                                   bool require_user_verification, Refusal& why) {
    auto data = parse_authenticator_data(bytes);
    if (!data) return data.error();
    if (!equal_constant_time(data->rp_id_hash, sha256(rp.id))) {
        why = Refusal::relying_party;
        return make_error(Errc::invalid_argument, "RP ID hash differs");
    }
    if (!data->user_present) return make_error(Errc::invalid_argument, "user not present");
    if (require_user_verification && !data->user_verified)
        return make_error(Errc::invalid_argument, "user not verified");
    return data;
}

// What both ceremonies sign: the authenticator data, then the hash of the client data.
std::string signed_bytes(std::string_view authenticator_data, std::string_view client_data_json) {
    return std::string(authenticator_data) + sha256(client_data_json);
}

// We ask browsers for attestation "none" (passkeys are accepted from any authenticator; nothing
// here depends on its make), so an attestation is only checked as far as it is self-consistent:
// "none" with an empty statement, or "packed" self-attestation, signed with the new credential's
// own key. Full attestation (an x5c chain) and every other format are refused rather than half
// checked: a browser that honours "none" never sends them.
Result<void> check_attestation(std::string_view fmt, const cbor_item_t* statement,
                               const cose::PublicKey& key, std::string_view authenticator_data,
                               std::string_view client_data_json, Refusal& why) {
    if (statement == nullptr || !cbor_isa_map(statement))
        return make_error(Errc::invalid_argument, "attStmt is not a map");
    if (fmt == "none") {
        if (cbor_map_size(statement) != 0)
            return make_error(Errc::invalid_argument, "attestation none with a statement");
        return {};
    }
    if (fmt != "packed") {
        why = Refusal::unsupported;
        return make_error(Errc::invalid_argument, "attestation format not accepted");
    }
    if (cbor::find(statement, "x5c") != nullptr || cbor::find(statement, "ecdaaKeyId") != nullptr) {
        why = Refusal::unsupported;
        return make_error(Errc::invalid_argument, "packed attestation with a certificate");
    }
    const auto alg = cbor::as_int(cbor::find(statement, "alg"));
    const auto sig = cbor::as_bytes(cbor::find(statement, "sig"));
    if (cbor_map_size(statement) != 2 || !alg || !sig)
        return make_error(Errc::invalid_argument, "packed attestation needs alg and sig only");
    if (*alg != static_cast<std::int64_t>(key.alg()))
        return make_error(Errc::invalid_argument, "packed attestation alg differs from the key's");
    if (sig->size() > kMaxSignatureBytes ||
        !key.verify(signed_bytes(authenticator_data, client_data_json), *sig))
        return make_error(Errc::invalid_argument, "packed self-attestation signature");
    return {};
}

}  // namespace

std::string new_challenge() {
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    return jwt::base64url_encode(std::string_view(reinterpret_cast<char*>(raw), sizeof raw));
}

Result<NewCredential> verify_registration(const RelyingParty& rp,
                                          std::string_view expected_challenge,
                                          std::string_view client_data_json,
                                          std::string_view attestation_object,
                                          bool require_user_verification, Refusal* why) {
    Refusal ignored = Refusal::invalid;
    Refusal& reason = why != nullptr ? *why : ignored;
    reason = Refusal::invalid;
    if (attestation_object.size() > kMaxAttestationObjectBytes)
        return make_error(Errc::invalid_argument, "attestationObject too large");
    if (auto r =
            check_client_data(rp, "webauthn.create", expected_challenge, client_data_json, reason);
        !r)
        return r.error();
    auto object = cbor::load_exactly(attestation_object);
    if (!object) return object.error();
    const auto fmt = cbor::as_text(cbor::find(object->get(), "fmt"));
    const cbor_item_t* statement = cbor::find(object->get(), "attStmt");
    const auto auth_bytes = cbor::as_bytes(cbor::find(object->get(), "authData"));
    if (!fmt || !auth_bytes)
        return make_error(Errc::invalid_argument, "attestationObject lacks fmt or authData");
    auto auth = check_authenticator_data(rp, *auth_bytes, require_user_verification, reason);
    if (!auth) return auth.error();
    if (!auth->attested)
        return make_error(Errc::invalid_argument, "no attested credential data (AT)");
    auto key = cose::PublicKey::parse(auth->attested->public_key);
    if (!key) {
        reason = Refusal::unsupported;
        return key.error();
    }
    if (auto r = check_attestation(*fmt, statement, *key, *auth_bytes, client_data_json, reason);
        !r)
        return r.error();

    NewCredential credential;
    credential.credential_id = std::string(auth->attested->credential_id);
    credential.public_key = std::string(auth->attested->public_key);
    credential.alg = key->alg();
    credential.sign_count = auth->sign_count;
    credential.backup_eligible = auth->backup_eligible;
    credential.backup_state = auth->backup_state;
    credential.aaguid = auth->attested->aaguid;
    credential.user_verified = auth->user_verified;
    return credential;
}

Result<AssertionOutcome> verify_assertion(
    const RelyingParty& rp, std::string_view expected_challenge, const StoredCredential& credential,
    std::string_view client_data_json, std::string_view authenticator_data,
    std::string_view signature, bool require_user_verification) {
    const auto refused = [](const Error& e) {
        return make_error(Errc::invalid_credentials, "assertion: " + e.detail);
    };
    if (authenticator_data.size() > kMaxAuthenticatorDataBytes)
        return refused(make_error(Errc::invalid_argument, "authenticatorData too large"));
    if (signature.size() > kMaxSignatureBytes)
        return refused(make_error(Errc::invalid_argument, "signature too large"));
    Refusal unused = Refusal::invalid;  // an assertion's refusal is one and the same to a client
    if (auto r =
            check_client_data(rp, "webauthn.get", expected_challenge, client_data_json, unused);
        !r)
        return refused(r.error());
    auto auth = check_authenticator_data(rp, authenticator_data, require_user_verification, unused);
    if (!auth) return refused(auth.error());
    auto key = cose::PublicKey::parse(credential.public_key);
    if (!key) return refused(key.error());
    if (key->alg() != credential.alg)
        return refused(make_error(Errc::invalid_argument, "stored key's alg differs"));
    if (!key->verify(signed_bytes(authenticator_data, client_data_json), signature))
        return refused(make_error(Errc::invalid_argument, "signature"));
    // Section 7.2 step 22: a counter that does not grow means another copy of the authenticator
    // signed in since. Authenticators without a counter send 0 every time; that proves nothing.
    if ((credential.sign_count != 0 || auth->sign_count != 0) &&
        auth->sign_count <= credential.sign_count)
        return make_error(Errc::cloned_authenticator,
                          "assertion: signature counter " + std::to_string(auth->sign_count) +
                              " not above the stored " + std::to_string(credential.sign_count) +
                              ": cloned authenticator?");
    AssertionOutcome outcome;
    outcome.sign_count = auth->sign_count;
    outcome.backup_eligible = auth->backup_eligible;
    outcome.backup_state = auth->backup_state;
    outcome.user_verified = auth->user_verified;
    return outcome;
}

}  // namespace latchkey::webauthn
