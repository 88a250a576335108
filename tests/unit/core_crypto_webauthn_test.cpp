#include "core/crypto/webauthn.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <set>

#include "core/crypto/cbor.hpp"
#include "data/webauthn_vectors.hpp"
#include "test_support.hpp"
#include "webauthn_test_support.hpp"

namespace latchkey {
namespace {

const auto* const kSodium = ::testing::AddGlobalTestEnvironment(new testing::SodiumEnvironment);

using testing::attestation_object;
using testing::cbor_bytes;
using testing::cbor_head;
using testing::cbor_int;
using testing::cbor_text;
using testing::none_attestation;
using testing::unbase64url;
using webauthn::RelyingParty;

const RelyingParty kDontNeedA{"dev.dontneeda.pw", {"https://dev.dontneeda.pw"}};
const RelyingParty kLocalhost{"localhost", {"http://localhost:5000"}};
const RelyingParty kLocalhost8000{"localhost", {"http://localhost:8000"}};
const RelyingParty kAndroid{"try-webauthn.appspot.com", {vectors::kExtensionOrigin}};

constexpr unsigned char kUp = 0x01, kUv = 0x04, kBe = 0x08, kBs = 0x10, kAt = 0x40, kEd = 0x80;
constexpr std::size_t kFlags = 32;

// The authenticator data inside a vector's attestation object.
std::string auth_data_of(std::string_view attestation) {
    auto object = cbor::load_exactly(attestation);
    EXPECT_TRUE(object.ok());
    if (!object) return {};
    return std::string(cbor::as_bytes(cbor::find(object->get(), "authData")).value_or(""));
}

std::string with_flags(std::string auth, unsigned char set, unsigned char clear = 0) {
    auth[kFlags] = static_cast<char>((static_cast<unsigned char>(auth[kFlags]) | set) & ~clear);
    return auth;
}

// The client data with one literal replaced (the vectors' JSON is compact and stable).
std::string edited(std::string text, std::string_view from, std::string_view to) {
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

Result<webauthn::NewCredential> register_none(std::string_view attestation,
                                              std::string_view client_data = {},
                                              const RelyingParty& rp = kDontNeedA,
                                              std::string_view challenge = vectors::kNoneChallenge,
                                              bool require_uv = false) {
    const std::string cdj =
        client_data.empty() ? unbase64url(vectors::kNoneClientData) : std::string(client_data);
    return webauthn::verify_registration(rp, challenge, cdj, attestation, require_uv);
}

void expect_refused(const Error& error, Errc code, std::string_view reason) {
    EXPECT_EQ(error.code, code) << error.detail;
    EXPECT_NE(error.detail.find(reason), std::string::npos)
        << "detail '" << error.detail << "' lacks '" << reason << "'";
}
template <class T>
void expect_refused(const Result<T>& result, Errc code, std::string_view reason) {
    ASSERT_FALSE(result.ok());
    expect_refused(result.error(), code, reason);
}

// --- registration: the public vectors ------------------------------------------------------------

TEST(WebauthnRegistration, NoneEs256) {
    auto got = register_none(unbase64url(vectors::kNoneAttestation));
    ASSERT_TRUE(got.ok()) << got.error().detail;
    EXPECT_EQ(got->credential_id, unbase64url(vectors::kNoneCredentialId));
    EXPECT_EQ(got->public_key, unbase64url(vectors::kNonePublicKey));
    EXPECT_EQ(got->alg, cose::Alg::es256);
    EXPECT_EQ(got->sign_count, 0u);
    EXPECT_FALSE(got->backup_eligible);
    EXPECT_FALSE(got->backup_state);
    EXPECT_TRUE(got->user_verified);
}

TEST(WebauthnRegistration, NoneRs256) {
    auto got = webauthn::verify_registration(kDontNeedA, vectors::kRsaNoneChallenge,
                                             unbase64url(vectors::kRsaNoneClientData),
                                             unbase64url(vectors::kRsaNoneAttestation), false);
    ASSERT_TRUE(got.ok()) << got.error().detail;
    EXPECT_EQ(got->alg, cose::Alg::rs256);
    EXPECT_EQ(got->credential_id, unbase64url(vectors::kRsaNoneCredentialId));
}

TEST(WebauthnRegistration, PackedSelfAttestation) {
    auto got = webauthn::verify_registration(kDontNeedA, vectors::kPackedChallenge,
                                             unbase64url(vectors::kPackedClientData),
                                             unbase64url(vectors::kPackedAttestation), true);
    ASSERT_TRUE(got.ok()) << got.error().detail;
    EXPECT_EQ(got->alg, cose::Alg::es256);
    EXPECT_EQ(got->sign_count, 1589874425u);
    EXPECT_EQ(got->credential_id, unbase64url(vectors::kPackedCredentialId));
}

TEST(WebauthnRegistration, ExtensionsAfterTheKeyAreSkipped) {
    auto got = webauthn::verify_registration(kAndroid, vectors::kExtensionChallenge,
                                             unbase64url(vectors::kExtensionClientData),
                                             unbase64url(vectors::kExtensionAttestation), false);
    ASSERT_TRUE(got.ok()) << got.error().detail;
    EXPECT_EQ(got->credential_id.size(), 16u);
}

// The only public EdDSA registration found is packed with a certificate (refused below); its
// authenticator data, rewrapped as the "none" attestation a browser sends when asked for none,
// registers an Ed25519 key.
TEST(WebauthnRegistration, EdDsaKeyFromARealAuthenticator) {
    const std::string packed = unbase64url(vectors::kPyEdDsaPackedAttestation);
    const std::string cdj = unbase64url(vectors::kPyEdDsaPackedClientData);
    expect_refused(webauthn::verify_registration(kLocalhost, vectors::kPyEdDsaPackedChallenge, cdj,
                                                 packed, false),
                   Errc::invalid_argument, "certificate");
    auto got = webauthn::verify_registration(kLocalhost, vectors::kPyEdDsaPackedChallenge, cdj,
                                             none_attestation(auth_data_of(packed)), false);
    ASSERT_TRUE(got.ok()) << got.error().detail;
    EXPECT_EQ(got->alg, cose::Alg::eddsa);
}

TEST(WebauthnRegistration, FullAttestationAndOtherFormatsAreRefused) {
    expect_refused(
        webauthn::verify_registration(kDontNeedA, vectors::kPackedX5cChallenge,
                                      unbase64url(vectors::kPackedX5cClientData),
                                      unbase64url(vectors::kPackedX5cAttestation), false),
        Errc::invalid_argument, "certificate");
    expect_refused(webauthn::verify_registration(kLocalhost8000, vectors::kU2fChallenge,
                                                 unbase64url(vectors::kU2fClientData),
                                                 unbase64url(vectors::kU2fAttestation), false),
                   Errc::invalid_argument, "format not accepted");
}

// --- registration: mutations -------------------------------------------------------------------

// The kind of a refusal, for front ends that name it (Cognito's WebAuthn*Exception errors).
TEST(WebauthnRegistration, RefusalsSayTheirKind) {
    const std::string att = unbase64url(vectors::kNoneAttestation);
    const std::string cdj = unbase64url(vectors::kNoneClientData);
    auto kind = [](const RelyingParty& rp, std::string_view challenge, std::string_view client,
                   std::string_view attestation) {
        webauthn::Refusal why = webauthn::Refusal::invalid;
        auto got = webauthn::verify_registration(rp, challenge, client, attestation, false, &why);
        EXPECT_FALSE(got.ok());
        return why;
    };
    EXPECT_EQ(kind({"dev.dontneeda.pw", {"https://different.address"}}, vectors::kNoneChallenge,
                   cdj, att),
              webauthn::Refusal::origin);
    EXPECT_EQ(kind(kDontNeedA, vectors::kNoneChallenge,
                   edited(cdj, "\"origin\"", "\"crossOrigin\":true,\"origin\""), att),
              webauthn::Refusal::origin);
    EXPECT_EQ(kind({"simplewebauthn.dev", {"https://dev.dontneeda.pw"}}, vectors::kNoneChallenge,
                   cdj, att),
              webauthn::Refusal::relying_party);
    EXPECT_EQ(kind(kLocalhost8000, vectors::kU2fChallenge, unbase64url(vectors::kU2fClientData),
                   unbase64url(vectors::kU2fAttestation)),
              webauthn::Refusal::unsupported);
    EXPECT_EQ(kind(kDontNeedA, "aEVjY1BXdXppUDAwSDBwNWd4aDJfdTVfUEM0TmVZZ2R", cdj, att),
              webauthn::Refusal::invalid);
    webauthn::Refusal why = webauthn::Refusal::origin;
    EXPECT_TRUE(
        webauthn::verify_registration(kDontNeedA, vectors::kNoneChallenge, cdj, att, false, &why)
            .ok());
    EXPECT_EQ(why, webauthn::Refusal::invalid);  // reset, whatever it held
}

TEST(WebauthnRegistration, ClientDataMustMatchTheCeremony) {
    const std::string att = unbase64url(vectors::kNoneAttestation);
    const std::string cdj = unbase64url(vectors::kNoneClientData);
    expect_refused(register_none(att, cdj, {"dev.dontneeda.pw", {"https://different.address"}}),
                   Errc::invalid_argument, "origin");
    expect_refused(
        register_none(att, cdj, kDontNeedA, "aEVjY1BXdXppUDAwSDBwNWd4aDJfdTVfUEM0TmVZZ2R"),
        Errc::invalid_argument, "challenge");
    expect_refused(register_none(att, cdj, kDontNeedA, ""), Errc::invalid_argument, "challenge");
    expect_refused(register_none(att, edited(cdj, "webauthn.create", "webauthn.get")),
                   Errc::invalid_argument, "type");
    expect_refused(register_none(att, edited(cdj, "\"origin\"", "\"crossOrigin\":true,\"origin\"")),
                   Errc::invalid_argument, "crossOrigin");
    expect_refused(register_none(att, edited(cdj, "\"origin\"", "\"crossOrigin\":1,\"origin\"")),
                   Errc::invalid_argument, "crossOrigin");
    EXPECT_TRUE(
        register_none(att, edited(cdj, "\"origin\"", "\"crossOrigin\":false,\"origin\"")).ok());
    expect_refused(register_none(att, "{\"type\":\"webauthn.create\""), Errc::invalid_argument,
                   "not JSON");
    expect_refused(register_none(att, std::string(webauthn::kMaxClientDataBytes + 1, ' ')),
                   Errc::invalid_argument, "too large");
}

TEST(WebauthnRegistration, AuthenticatorDataMustMatch) {
    const std::string auth = auth_data_of(unbase64url(vectors::kNoneAttestation));
    ASSERT_TRUE(register_none(none_attestation(auth)).ok());
    expect_refused(register_none(none_attestation(auth), {},
                                 {"simplewebauthn.dev", {"https://dev.dontneeda.pw"}}),
                   Errc::invalid_argument, "RP ID");
    expect_refused(register_none(none_attestation(with_flags(auth, 0, kUp))),
                   Errc::invalid_argument, "not present");
    expect_refused(register_none(none_attestation(with_flags(auth, 0, kAt))),
                   Errc::invalid_argument, "left over");
    expect_refused(register_none(none_attestation(with_flags(auth, kBs))), Errc::invalid_argument,
                   "BS set without BE");
    auto synced = register_none(none_attestation(with_flags(auth, kBe | kBs)));
    ASSERT_TRUE(synced.ok());
    EXPECT_TRUE(synced->backup_eligible);
    EXPECT_TRUE(synced->backup_state);

    const std::string unverified = none_attestation(with_flags(auth, 0, kUv));
    expect_refused(register_none(unverified, {}, kDontNeedA, vectors::kNoneChallenge, true),
                   Errc::invalid_argument, "not verified");
    auto allowed = register_none(unverified);
    ASSERT_TRUE(allowed.ok());
    EXPECT_FALSE(allowed->user_verified);
}

TEST(WebauthnRegistration, NothingMayFollowUnlessExtensionsAreFlagged) {
    const std::string auth = auth_data_of(unbase64url(vectors::kNoneAttestation));
    expect_refused(register_none(none_attestation(auth + '\0')), Errc::invalid_argument,
                   "left over");
    const std::string extensions = cbor_head(5, 1) + cbor_text("credProps") + cbor_head(7, 21);
    expect_refused(register_none(none_attestation(auth + extensions)), Errc::invalid_argument,
                   "left over");
    EXPECT_TRUE(register_none(none_attestation(with_flags(auth, kEd) + extensions)).ok());
    expect_refused(register_none(none_attestation(with_flags(auth, kEd))), Errc::invalid_argument,
                   "extensions");
    expect_refused(register_none(none_attestation(with_flags(auth, kEd) + extensions + '\0')),
                   Errc::invalid_argument, "left over");
    expect_refused(register_none(none_attestation(with_flags(auth, kEd) + cbor_int(1))),
                   Errc::invalid_argument, "not a map");
    // The attestation object itself: one item, nothing after it.
    expect_refused(register_none(unbase64url(vectors::kNoneAttestation) + '\0'),
                   Errc::invalid_argument, "after the CBOR item");
}

TEST(WebauthnRegistration, TruncatedInputIsRefusedAtEveryLength) {
    const std::string att = unbase64url(vectors::kNoneAttestation);
    for (std::size_t n = 0; n < att.size(); ++n) {
        EXPECT_FALSE(register_none(att.substr(0, n)).ok()) << n;
    }
    const std::string auth = auth_data_of(att);
    for (std::size_t n = 0; n < auth.size(); ++n) {
        EXPECT_FALSE(register_none(none_attestation(auth.substr(0, n))).ok()) << n;
    }
}

TEST(WebauthnRegistration, CredentialIdLengthIsBounded) {
    const std::string auth = auth_data_of(unbase64url(vectors::kNoneAttestation));
    // rpIdHash, flags, counter, AAGUID, then the id's length (2 bytes) and the id.
    const std::size_t length_at = 37 + 16;
    const std::size_t old_length = (static_cast<unsigned char>(auth[length_at]) << 8) |
                                   static_cast<unsigned char>(auth[length_at + 1]);
    const std::string key = auth.substr(length_at + 2 + old_length);
    const auto with_id = [&](std::size_t n) {
        std::string out = auth.substr(0, length_at);
        out += static_cast<char>(n >> 8);
        out += static_cast<char>(n & 0xff);
        return out + std::string(n, 'i') + key;
    };
    auto longest = register_none(none_attestation(with_id(1023)));
    ASSERT_TRUE(longest.ok()) << longest.error().detail;
    EXPECT_EQ(longest->credential_id, std::string(1023, 'i'));
    expect_refused(register_none(none_attestation(with_id(1024))), Errc::invalid_argument,
                   "credential id of 1024");
    expect_refused(register_none(none_attestation(with_id(0))), Errc::invalid_argument,
                   "credential id of 0");
}

TEST(WebauthnRegistration, OversizedAndHostileCborIsRefusedBeforeDecoding) {
    expect_refused(register_none(std::string(webauthn::kMaxAttestationObjectBytes + 1, '\xa0')),
                   Errc::invalid_argument, "too large");
    // 16 000 nested arrays: a recursive decoder (or a recursive free) would go as deep.
    const std::string deep = std::string(16000, '\x81') + '\0';
    expect_refused(register_none(deep), Errc::invalid_argument, "nested too deeply");
    // The same where the credential public key should be.
    const std::string auth = auth_data_of(unbase64url(vectors::kNoneAttestation));
    const std::string key = unbase64url(vectors::kNonePublicKey);
    const std::string head = auth.substr(0, auth.size() - key.size());
    expect_refused(register_none(none_attestation(head + deep.substr(0, 4000))),
                   Errc::invalid_argument, "nested too deeply");
    // Indefinite lengths and tags, which canonical CTAP2 CBOR never has.
    expect_refused(register_none(none_attestation(head + "\xbf\xff")), Errc::invalid_argument,
                   "indefinite");
    expect_refused(register_none(none_attestation(head + "\xd8\x18" + key)), Errc::invalid_argument,
                   "tagged");
    // A map claiming more entries than the input could hold.
    expect_refused(register_none(std::string("\xbb\x7f\xff\xff\xff\xff\xff\xff\xff", 9)),
                   Errc::invalid_argument, "more items");
}

TEST(WebauthnRegistration, PackedSelfAttestationMustVerify) {
    const std::string att = unbase64url(vectors::kPackedAttestation);
    const std::string cdj = unbase64url(vectors::kPackedClientData);
    auto object = cbor::load_exactly(att);
    ASSERT_TRUE(object.ok());
    const std::string auth(cbor::as_bytes(cbor::find(object->get(), "authData")).value_or(""));
    const std::string sig(
        cbor::as_bytes(cbor::find(cbor::find(object->get(), "attStmt"), "sig")).value_or(""));
    const auto packed = [&](std::int64_t alg, std::string_view signature) {
        const std::string statement = cbor_head(5, 2) + cbor_text("alg") + cbor_int(alg) +
                                      cbor_text("sig") + cbor_bytes(signature);
        return webauthn::verify_registration(kDontNeedA, vectors::kPackedChallenge, cdj,
                                             attestation_object("packed", statement, auth), false);
    };
    ASSERT_TRUE(packed(-7, sig).ok());
    std::string flipped = sig;
    flipped[flipped.size() / 2] ^= 0x01;
    expect_refused(packed(-7, flipped), Errc::invalid_argument, "signature");
    expect_refused(packed(-257, sig), Errc::invalid_argument, "alg differs");
    // The signature covers the client data: another origin's data (allowed here) cannot reuse it.
    const RelyingParty two{"dev.dontneeda.pw", {"https://dev.dontneeda.pw", "https://x.example"}};
    expect_refused(webauthn::verify_registration(
                       two, vectors::kPackedChallenge,
                       edited(cdj, "https://dev.dontneeda.pw", "https://x.example"),
                       attestation_object("packed",
                                          cbor_head(5, 2) + cbor_text("alg") + cbor_int(-7) +
                                              cbor_text("sig") + cbor_bytes(sig),
                                          auth),
                       false),
                   Errc::invalid_argument, "signature");
    // "none" carries no statement.
    expect_refused(register_none(attestation_object(
                       "none", cbor_head(5, 1) + cbor_text("sig") + cbor_bytes(sig),
                       auth_data_of(unbase64url(vectors::kNoneAttestation)))),
                   Errc::invalid_argument, "with a statement");
}

// --- assertions ---------------------------------------------------------------------------------

struct Assertion {
    const RelyingParty* rp = nullptr;
    std::string challenge;
    webauthn::StoredCredential credential;
    std::string client_data, auth_data, signature;

    Result<webauthn::AssertionOutcome> verify(bool require_uv = false) const {
        return webauthn::verify_assertion(*rp, challenge, credential, client_data, auth_data,
                                          signature, require_uv);
    }
};

Assertion assertion(const RelyingParty& rp, const char* challenge, const char* key, cose::Alg alg,
                    std::uint32_t count, const char* client_data, const char* auth_data,
                    const char* signature) {
    Assertion a;
    a.rp = &rp;
    a.challenge = challenge;
    a.credential.public_key = unbase64url(key);
    a.credential.alg = alg;
    a.credential.sign_count = count;
    a.client_data = unbase64url(client_data);
    a.auth_data = unbase64url(auth_data);
    a.signature = unbase64url(signature);
    return a;
}

Assertion simplewebauthn_es256() {
    return assertion(kDontNeedA, vectors::kAssertionChallenge, vectors::kAssertionKey,
                     cose::Alg::es256, 143, vectors::kAssertionClientData,
                     vectors::kAssertionAuthData, vectors::kAssertionSignature);
}

TEST(WebauthnAssertion, Es256) {
    auto got = simplewebauthn_es256().verify();
    ASSERT_TRUE(got.ok()) << got.error().detail;
    EXPECT_EQ(got->sign_count, 144u);
    EXPECT_FALSE(got->backup_eligible);
    EXPECT_FALSE(got->backup_state);
    EXPECT_FALSE(got->user_verified);

    const Assertion py =
        assertion(kLocalhost, vectors::kPyEs256Challenge, vectors::kPyEs256Key, cose::Alg::es256,
                  vectors::kPyEs256Count, vectors::kPyEs256ClientData, vectors::kPyEs256AuthData,
                  vectors::kPyEs256Signature);
    auto second = py.verify();
    ASSERT_TRUE(second.ok()) << second.error().detail;
    EXPECT_EQ(second->sign_count, 78u);
}

TEST(WebauthnAssertion, Rs256) {
    const Assertion py =
        assertion(kLocalhost, vectors::kPyRs256Challenge, vectors::kPyRs256Key, cose::Alg::rs256,
                  vectors::kPyRs256Count, vectors::kPyRs256ClientData, vectors::kPyRs256AuthData,
                  vectors::kPyRs256Signature);
    auto got = py.verify(true);
    ASSERT_TRUE(got.ok()) << got.error().detail;
    EXPECT_EQ(got->sign_count, 1u);
    EXPECT_TRUE(got->user_verified);
}

TEST(WebauthnAssertion, EdDsa) {
    const Assertion py =
        assertion(kLocalhost, vectors::kPyEdDsaChallenge, vectors::kPyEdDsaKey, cose::Alg::eddsa,
                  vectors::kPyEdDsaCount, vectors::kPyEdDsaClientData, vectors::kPyEdDsaAuthData,
                  vectors::kPyEdDsaSignature);
    auto got = py.verify();
    ASSERT_TRUE(got.ok()) << got.error().detail;
    EXPECT_EQ(got->sign_count, 7u);
    Assertion flipped = py;
    flipped.signature[10] ^= 0x01;
    expect_refused(flipped.verify(), Errc::invalid_credentials, "signature");
}

TEST(WebauthnAssertion, ZeroCountersProveNothingAndPass) {
    const Assertion first = assertion(
        kDontNeedA, vectors::kZeroCountChallenge, vectors::kZeroCountKey, cose::Alg::es256, 0,
        vectors::kZeroCountClientData, vectors::kZeroCountAuthData, vectors::kZeroCountSignature);
    auto got = first.verify();
    ASSERT_TRUE(got.ok()) << got.error().detail;
    EXPECT_EQ(got->sign_count, 0u);
    // A stored count above zero and a zero in the response: the counter went back.
    Assertion later = first;
    later.credential.sign_count = 5;
    expect_refused(later.verify(), Errc::cloned_authenticator, "cloned");
}

// The public test pairs this response with another credential's key (it checks only the extension
// output, and the library reports a failed signature as "not verified" rather than an error): the
// authenticator data with extensions parses, and the signature is what fails.
TEST(WebauthnAssertion, ExtensionsInAuthenticatorDataParse) {
    Assertion ext =
        assertion(kAndroid, vectors::kExtensionAssertionChallenge, vectors::kExtensionAssertionKey,
                  cose::Alg::es256, 0, vectors::kExtensionAssertionClientData,
                  vectors::kExtensionAssertionAuthData, vectors::kExtensionAssertionSignature);
    expect_refused(ext.verify(true), Errc::invalid_credentials, "assertion: signature");
    ext.auth_data += '\0';
    expect_refused(ext.verify(), Errc::invalid_credentials, "left over");
}

TEST(WebauthnAssertion, CounterThatDoesNotGrowIsACloneAndTellsItself) {
    Assertion replayed = simplewebauthn_es256();
    replayed.credential.sign_count = 144;  // the response's own count
    expect_refused(replayed.verify(), Errc::cloned_authenticator, "signature counter 144");
    replayed.credential.sign_count = 1000;
    expect_refused(replayed.verify(), Errc::cloned_authenticator, "not above the stored 1000");
    replayed.credential.sign_count = 143;
    EXPECT_TRUE(replayed.verify().ok());
}

TEST(WebauthnAssertion, PublicNegativeVectors) {
    const Assertion wrong_key =
        assertion(kLocalhost, vectors::kPyWrongKeyChallenge, vectors::kPyWrongKeyKey,
                  cose::Alg::rs256, vectors::kPyWrongKeyCount, vectors::kPyWrongKeyClientData,
                  vectors::kPyWrongKeyAuthData, vectors::kPyWrongKeySignature);
    expect_refused(wrong_key.verify(true), Errc::invalid_credentials, "signature");
    const Assertion no_uv =
        assertion(kLocalhost, vectors::kPyNoUvChallenge, vectors::kPyNoUvKey, cose::Alg::es256,
                  vectors::kPyNoUvCount, vectors::kPyNoUvClientData, vectors::kPyNoUvAuthData,
                  vectors::kPyNoUvSignature);
    expect_refused(no_uv.verify(true), Errc::invalid_credentials, "not verified");
    EXPECT_TRUE(no_uv.verify(false).ok());
}

TEST(WebauthnAssertion, Mutations) {
    const Assertion good = simplewebauthn_es256();
    ASSERT_TRUE(good.verify().ok());

    Assertion a = good;
    a.rp = &kLocalhost;
    expect_refused(a.verify(), Errc::invalid_credentials, "origin");
    const RelyingParty other_rp{"simplewebauthn.dev", {"https://dev.dontneeda.pw"}};
    a = good;
    a.rp = &other_rp;
    expect_refused(a.verify(), Errc::invalid_credentials, "RP ID");
    a = good;
    a.challenge = vectors::kZeroCountChallenge;
    expect_refused(a.verify(), Errc::invalid_credentials, "challenge");
    a = good;
    a.client_data = edited(a.client_data, "webauthn.get", "webauthn.create");
    expect_refused(a.verify(), Errc::invalid_credentials, "type");
    a = good;
    a.client_data = edited(a.client_data, "\"origin\"", "\"crossOrigin\":true,\"origin\"");
    expect_refused(a.verify(), Errc::invalid_credentials, "crossOrigin");
    a = good;
    a.client_data = edited(a.client_data, "\"hashAlgorithm\"", "\"x\":1,\"hashAlgorithm\"");
    expect_refused(a.verify(), Errc::invalid_credentials, "signature");  // the client data hash
    a = good;
    a.signature[a.signature.size() - 1] ^= 0x01;
    expect_refused(a.verify(), Errc::invalid_credentials, "signature");
    a = good;
    a.signature[8] ^= 0x01;
    expect_refused(a.verify(), Errc::invalid_credentials, "signature");
    a = good;
    a.auth_data = with_flags(a.auth_data, 0, kUp);
    expect_refused(a.verify(), Errc::invalid_credentials, "not present");
    a = good;
    a.auth_data = with_flags(a.auth_data, kUv);  // the flag is signed: setting it breaks that
    expect_refused(a.verify(), Errc::invalid_credentials, "signature");
    expect_refused(good.verify(true), Errc::invalid_credentials, "not verified");
    a = good;
    a.auth_data += '\0';
    expect_refused(a.verify(), Errc::invalid_credentials, "left over");
    a = good;
    a.auth_data.resize(36);
    expect_refused(a.verify(), Errc::invalid_credentials, "shorter than 37");
    a = good;
    a.credential.alg = cose::Alg::eddsa;
    expect_refused(a.verify(), Errc::invalid_credentials, "alg differs");
    a = good;
    a.credential.public_key = unbase64url(vectors::kPyEdDsaKey);
    expect_refused(a.verify(), Errc::invalid_credentials, "alg differs");
}

TEST(WebauthnAssertion, OversizedInputsAreRefusedBeforeParsing) {
    Assertion a = simplewebauthn_es256();
    a.signature = std::string(webauthn::kMaxSignatureBytes + 1, '0');
    expect_refused(a.verify(), Errc::invalid_credentials, "signature too large");
    a = simplewebauthn_es256();
    a.auth_data += std::string(webauthn::kMaxAuthenticatorDataBytes, '\0');
    expect_refused(a.verify(), Errc::invalid_credentials, "authenticatorData too large");
    a = simplewebauthn_es256();
    a.client_data += std::string(webauthn::kMaxClientDataBytes, ' ');
    expect_refused(a.verify(), Errc::invalid_credentials, "clientDataJSON too large");
}

// --- challenges and the CBOR walk ---------------------------------------------------------------

TEST(WebauthnChallenge, ThirtyTwoRandomBytesAsBase64url) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const std::string c = webauthn::new_challenge();
        EXPECT_EQ(c.size(), 43u);
        EXPECT_EQ(unbase64url(c).size(), 32u);
        seen.insert(c);
    }
    EXPECT_EQ(seen.size(), 100u);
}

TEST(WebauthnCbor, WalkKeepsNoStackOfItsOwn) {
    // Far past any input size WebAuthn allows: refused at depth kMaxDepth + 1, whatever follows.
    const std::string deep(1 << 20, '\x81');
    auto length = cbor::item_length(deep);
    ASSERT_FALSE(length.ok());
    EXPECT_NE(length.error().detail.find("nested too deeply"), std::string::npos);
    std::string ok_depth(cbor::kMaxDepth, '\x81');
    ok_depth += '\x01';
    auto ok_length = cbor::item_length(ok_depth);
    ASSERT_TRUE(ok_length.ok());
    EXPECT_EQ(*ok_length, ok_depth.size());
    EXPECT_FALSE(cbor::item_length(std::string(cbor::kMaxDepth + 1, '\x81') + '\x01').ok());
    // Maps nest as deep through their values.
    std::string maps;
    for (std::size_t i = 0; i < 100; ++i) maps += "\xa1\x01";
    EXPECT_FALSE(cbor::item_length(maps + '\x01').ok());
}

TEST(WebauthnCbor, ItemLengthAndRepeatedKeys) {
    const std::string item =
        cbor_head(5, 2) + cbor_int(1) + cbor_int(2) + cbor_int(3) + cbor_bytes("abc");
    auto length = cbor::item_length(item + "trailing");
    ASSERT_TRUE(length.ok());
    EXPECT_EQ(*length, item.size());
    EXPECT_FALSE(cbor::load_exactly(item + '\0').ok());
    auto loaded = cbor::load_exactly(item);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(cbor::as_int(cbor::find(loaded->get(), 1)), 2);
    EXPECT_EQ(cbor::as_bytes(cbor::find(loaded->get(), 3)), "abc");
    EXPECT_EQ(cbor::find(loaded->get(), 4), nullptr);
    const std::string twice =
        cbor_head(5, 2) + cbor_int(1) + cbor_int(2) + cbor_int(1) + cbor_int(3);
    auto repeated = cbor::load_exactly(twice);
    ASSERT_TRUE(repeated.ok());
    EXPECT_EQ(cbor::find(repeated->get(), 1), nullptr);
    EXPECT_EQ(cbor::as_int(cbor::find(loaded->get(), "x")), std::nullopt);
    EXPECT_EQ(cbor::as_int(cbor::load_exactly(cbor_int(-257))->get()), -257);
    EXPECT_FALSE(cbor::item_length("").ok());
    EXPECT_FALSE(cbor::item_length("\x5a\xff\xff\xff\xff").ok());  // a string longer than its input
}

}  // namespace
}  // namespace latchkey
