// libFuzzer target: the WebAuthn parsers (core/crypto/cbor, cose_key, authenticator_data,
// webauthn). Whatever the input, each must refuse it cleanly or accept it: no crash, no leak, no
// undefined behaviour, no super-linear work. Input: one byte, then the payload. byte % 4 is the
// mode: 0 the payload is one CBOR item (walked, decoded, looked into) and a COSE_Key; 1 it is
// authenticator data (and its attested credential's key); 2 a registration, clientDataJSON, a
// NUL (JSON holds none), the attestationObject; 3 an assertion, clientDataJSON, a NUL, the
// authenticatorData's length in two bytes big-endian, the authenticatorData, the signature, made
// with the fixed stored ES256 credential below. Bit 4 of the byte asks for user verification,
// bit 8 gives the stored credential a non-zero counter. The relying party and the challenge are
// fixed; tests/fuzz/make_webauthn_corpus.py writes seeds that pass every check for them.
#include <sodium.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/crypto/authenticator_data.hpp"
#include "core/crypto/cbor.hpp"
#include "core/crypto/cose_key.hpp"
#include "core/crypto/webauthn.hpp"

namespace latchkey {
namespace {

constexpr std::string_view kChallenge = "ZnV6ei1jaGFsbGVuZ2UtbGF0Y2hrZXktd2ViYXV0aG4";

// The P-256 public key of make_webauthn_corpus.py's fixed private key, as a COSE_Key.
constexpr std::string_view kStoredKeyHex =
    "a5010203262001215820d688d63c4b45298f0f6d4448a8e235ab4c6ecd08c939730d61f0b04914f72259225820"
    "0c5d1b7d95571c88b4586c0beb651fdae437f2b9c379cbe4917c33fb375643d9";

std::string unhex(std::string_view hex) {
    std::string out(hex.size() / 2, '\0');
    if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(),
                       hex.size(), nullptr, nullptr, nullptr) != 0)
        __builtin_trap();
    return out;
}

// Every accessor of cbor.hpp over the top level of an item (and one level into a map's values).
void look_into(const cbor_item_t* item) {
    (void)cbor::as_int(item);
    (void)cbor::as_bytes(item);
    (void)cbor::as_text(item);
    for (const std::int64_t label : {1, 3, -1, -2, -3}) {
        const cbor_item_t* value = cbor::find(item, label);
        (void)cbor::as_int(value);
        (void)cbor::as_bytes(value);
    }
    for (const std::string_view key : {"fmt", "attStmt", "authData", "alg", "sig", "x5c"}) {
        const cbor_item_t* value = cbor::find(item, key);
        (void)cbor::as_text(value);
        (void)cbor::as_bytes(value);
        (void)cbor::find(value, "sig");
    }
}

void cbor_and_cose_key(std::string_view bytes) {
    (void)cbor::item_length(bytes);
    if (auto loaded = cbor::load_prefix(bytes)) look_into(loaded->item.get());
    if (auto item = cbor::load_exactly(bytes)) look_into(item->get());
    if (auto key = cose::PublicKey::parse(bytes)) (void)key->verify(bytes, bytes);
}

void authenticator_data(std::string_view bytes) {
    auto data = webauthn::parse_authenticator_data(bytes);
    if (data && data->attested) {
        if (auto key = cose::PublicKey::parse(data->attested->public_key))
            (void)key->verify(bytes, data->attested->credential_id);
    }
}

}  // namespace
}  // namespace latchkey

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace latchkey;
    if (sodium_init() < 0) __builtin_trap();
    static const webauthn::RelyingParty rp{"localhost", {"http://localhost:8001"}};
    static const std::string stored_key = unhex(kStoredKeyHex);
    // Parsing it once checks the constant and loads libcrypto's providers (done on first use)
    // with the static state rather than in the first input.
    static const bool stored_key_parses = cose::PublicKey::parse(stored_key).ok();
    if (!stored_key_parses) __builtin_trap();
    if (size == 0) return 0;
    const unsigned mode = data[0] % 4;
    const bool require_uv = (data[0] & 4) != 0;
    const webauthn::StoredCredential stored{stored_key, cose::Alg::es256,
                                            (data[0] & 8) != 0 ? 41u : 0u};
    const std::string_view payload(reinterpret_cast<const char*>(data) + 1, size - 1);

    if (mode == 0) {
        cbor_and_cose_key(payload);
    } else if (mode == 1) {
        authenticator_data(payload);
    } else {
        const std::size_t nul = payload.find('\0');
        const std::string_view client_data = payload.substr(0, nul);
        std::string_view rest =
            nul == std::string_view::npos ? std::string_view() : payload.substr(nul + 1);
        if (mode == 2) {
            (void)webauthn::verify_registration(rp, kChallenge, client_data, rest, require_uv);
        } else {
            std::size_t auth_length = 0;
            if (rest.size() >= 2) {
                auth_length = (static_cast<unsigned char>(rest[0]) << 8) |
                              static_cast<unsigned char>(rest[1]);
                rest.remove_prefix(2);
            }
            const std::string_view auth = rest.substr(0, auth_length);
            const std::string_view signature = rest.substr(auth.size());
            (void)webauthn::verify_assertion(rp, kChallenge, stored, client_data, auth, signature,
                                             require_uv);
        }
    }
    return 0;
}
