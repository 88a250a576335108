#pragma once
// Credential public keys as WebAuthn authenticators send them: a COSE_Key (RFC 9052 section 7,
// RFC 9053) in CBOR. Three algorithms are accepted, each with its one key type and curve:
// ES256 (-7: EC2, P-256), RS256 (-257: RSA, modulus of 2048 to 8192 bits) and EdDSA (-8: OKP,
// Ed25519). Anything else is refused, so a stored key can never name an algorithm nobody
// reviewed here.
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "core/base/result.hpp"

namespace latchkey::cose {

enum class Alg : std::int64_t { es256 = -7, eddsa = -8, rs256 = -257 };

// The COSE algorithm with this number, when it is one of ours.
std::optional<Alg> alg_from_number(std::int64_t number);

struct EvpPkeyDeleter {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using EvpPkey = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

class PublicKey {
  public:
    // `cose` must be exactly one COSE_Key map. Errc::invalid_argument for anything malformed,
    // of another algorithm, curve or key type, or not a valid point or modulus.
    static Result<PublicKey> parse(std::string_view cose);

    Alg alg() const { return alg_; }

    // True when `signature` is this key's signature of `message`: ES256 as ASN.1 DER (what
    // WebAuthn authenticators send), RS256 as PKCS#1 v1.5 with SHA-256, EdDSA as Ed25519's 64
    // bytes.
    bool verify(std::string_view message, std::string_view signature) const;

  private:
    PublicKey(Alg alg, EvpPkey key) : alg_(alg), evp_(std::move(key)) {}
    PublicKey(const std::array<unsigned char, 32>& ed25519) : alg_(Alg::eddsa), ed25519_(ed25519) {}

    Alg alg_;
    EvpPkey evp_;                              // ES256 and RS256
    std::array<unsigned char, 32> ed25519_{};  // EdDSA
};

}  // namespace latchkey::cose
