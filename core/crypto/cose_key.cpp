#include "core/crypto/cose_key.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <sodium.h>

#include <algorithm>
#include <string>
#include <utility>

#include "core/crypto/cbor.hpp"

namespace latchkey::cose {
namespace {

// COSE_Key labels (RFC 9052 section 7.1, RFC 9053 sections 7.1 and 7.2, RFC 8230) and values.
constexpr std::int64_t kKty = 1, kAlg = 3;
constexpr std::int64_t kCrv = -1, kX = -2, kY = -3;  // EC2 and OKP
constexpr std::int64_t kN = -1, kE = -2;             // RSA
constexpr std::int64_t kKtyOkp = 1, kKtyEc2 = 2, kKtyRsa = 3;
constexpr std::int64_t kCrvP256 = 1, kCrvEd25519 = 6;
constexpr std::size_t kCoordinateBytes = 32;
constexpr int kMinRsaBits = 2048, kMaxRsaBits = 8192;  // the upper bound caps a verify's cost

struct ParamBldDeleter {
    void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamDeleter {
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxDeleter {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct BignumDeleter {
    void operator()(BIGNUM* n) const { BN_free(n); }
};
struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter>;
using Params = std::unique_ptr<OSSL_PARAM, ParamDeleter>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;
using Bignum = std::unique_ptr<BIGNUM, BignumDeleter>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

Error refused(std::string detail) {
    ERR_clear_error();  // leave nothing of a refused key in this thread's queue
    return make_error(Errc::invalid_argument, "COSE key: " + std::move(detail));
}

const unsigned char* bytes_of(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

// A public key from its parameters, checked by libcrypto (the point on the curve; the modulus
// and exponent odd and in range).
Result<EvpPkey> from_params(const char* type, const ParamBld& builder) {
    Params params(OSSL_PARAM_BLD_to_param(builder.get()));
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return refused("libcrypto");
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return refused("libcrypto refused the key");
    EvpPkey key(raw);
    PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) return refused("invalid public key");
    return key;
}

Result<EvpPkey> ec2_p256(const cbor_item_t* map) {
    const auto crv = cbor::as_int(cbor::find(map, kCrv));
    const auto x = cbor::as_bytes(cbor::find(map, kX));
    const auto y = cbor::as_bytes(cbor::find(map, kY));
    if (crv != kCrvP256) return refused("ES256 needs curve P-256");
    if (!x || !y || x->size() != kCoordinateBytes || y->size() != kCoordinateBytes)
        return refused("P-256 coordinates must be 32 bytes each");
    std::string point = "\x04";  // uncompressed (SEC 1, 2.3.3)
    point.append(*x).append(*y);
    ParamBld builder(OSSL_PARAM_BLD_new());
    if (!builder ||
        OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1",
                                        0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1)
        return refused("libcrypto");
    return from_params("EC", builder);
}

Result<EvpPkey> rsa(const cbor_item_t* map) {
    const auto n_bytes = cbor::as_bytes(cbor::find(map, kN));
    const auto e_bytes = cbor::as_bytes(cbor::find(map, kE));
    if (!n_bytes || !e_bytes || n_bytes->empty() || e_bytes->empty() || e_bytes->size() > 8)
        return refused("RSA needs n and e");
    Bignum n(BN_bin2bn(bytes_of(*n_bytes), static_cast<int>(n_bytes->size()), nullptr));
    Bignum e(BN_bin2bn(bytes_of(*e_bytes), static_cast<int>(e_bytes->size()), nullptr));
    if (!n || !e) return refused("libcrypto");
    const int bits = BN_num_bits(n.get());
    if (bits < kMinRsaBits || bits > kMaxRsaBits)
        return refused("RSA modulus of " + std::to_string(bits) + " bits");
    ParamBld builder(OSSL_PARAM_BLD_new());
    if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
        return refused("libcrypto");
    return from_params("RSA", builder);
}

Result<std::array<unsigned char, 32>> okp_ed25519(const cbor_item_t* map) {
    const auto crv = cbor::as_int(cbor::find(map, kCrv));
    const auto x = cbor::as_bytes(cbor::find(map, kX));
    if (crv != kCrvEd25519) return refused("EdDSA needs curve Ed25519");
    if (!x || x->size() != crypto_sign_PUBLICKEYBYTES) return refused("Ed25519 key of 32 bytes");
    std::array<unsigned char, 32> key{};
    std::copy(x->begin(), x->end(), key.begin());
    // Canonical, on the curve, in the main subgroup and not of small order.
    if (crypto_core_ed25519_is_valid_point(key.data()) != 1)
        return refused("invalid Ed25519 point");
    return key;
}

bool verify_evp(EVP_PKEY* key, std::string_view message, std::string_view signature) {
    MdCtx ctx(EVP_MD_CTX_new());
    const bool ok = ctx &&
                    EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
                    EVP_DigestVerify(ctx.get(), bytes_of(signature), signature.size(),
                                     bytes_of(message), message.size()) == 1;
    if (!ok) ERR_clear_error();
    return ok;
}

}  // namespace

std::optional<Alg> alg_from_number(std::int64_t number) {
    switch (number) {
        case static_cast<std::int64_t>(Alg::es256):
            return Alg::es256;
        case static_cast<std::int64_t>(Alg::eddsa):
            return Alg::eddsa;
        case static_cast<std::int64_t>(Alg::rs256):
            return Alg::rs256;
        default:
            return std::nullopt;
    }
}

Result<PublicKey> PublicKey::parse(std::string_view cose) {
    auto loaded = cbor::load_exactly(cose);
    if (!loaded) return loaded.error();
    const cbor_item_t* map = loaded->get();
    if (!cbor_isa_map(map)) return refused("not a map");
    const auto kty = cbor::as_int(cbor::find(map, kKty));
    const auto number = cbor::as_int(cbor::find(map, kAlg));
    if (!kty || !number) return refused("kty and alg are required");
    const auto alg = alg_from_number(*number);
    if (!alg) return refused("algorithm " + std::to_string(*number) + " not accepted");
    switch (*alg) {
        case Alg::es256: {
            if (*kty != kKtyEc2) return refused("ES256 needs key type EC2");
            auto key = ec2_p256(map);
            if (!key) return key.error();
            return PublicKey(Alg::es256, std::move(*key));
        }
        case Alg::rs256: {
            if (*kty != kKtyRsa) return refused("RS256 needs key type RSA");
            auto key = rsa(map);
            if (!key) return key.error();
            return PublicKey(Alg::rs256, std::move(*key));
        }
        case Alg::eddsa: {
            if (*kty != kKtyOkp) return refused("EdDSA needs key type OKP");
            auto key = okp_ed25519(map);
            if (!key) return key.error();
            return PublicKey(*key);
        }
    }
    return refused("algorithm not accepted");
}

bool PublicKey::verify(std::string_view message, std::string_view signature) const {
    if (alg_ == Alg::eddsa) {
        return signature.size() == crypto_sign_BYTES &&
               crypto_sign_verify_detached(bytes_of(signature), bytes_of(message), message.size(),
                                           ed25519_.data()) == 0;
    }
    return evp_ && verify_evp(evp_.get(), message, signature);
}

}  // namespace latchkey::cose
