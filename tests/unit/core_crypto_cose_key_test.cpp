#include "core/crypto/cose_key.hpp"

#include <gtest/gtest.h>

#include "core/crypto/cbor.hpp"
#include "data/webauthn_vectors.hpp"
#include "test_support.hpp"
#include "webauthn_test_support.hpp"

namespace latchkey {
namespace {

const auto* const kSodium = ::testing::AddGlobalTestEnvironment(new testing::SodiumEnvironment);

using testing::cbor_bytes;
using testing::cbor_head;
using testing::cbor_int;
using testing::unbase64url;

// A COSE_Key map from (label, already encoded value) pairs, in the order given.
std::string cose_map(std::initializer_list<std::pair<std::int64_t, std::string>> entries) {
    std::string out = cbor_head(5, entries.size());
    for (const auto& [label, value] : entries) out += cbor_int(label) + value;
    return out;
}

// The coordinates of a real P-256 credential key.
struct Point {
    std::string x, y;
};
Point real_p256() {
    auto key = cbor::load_exactly(unbase64url(vectors::kNonePublicKey));
    EXPECT_TRUE(key.ok());
    return {std::string(cbor::as_bytes(cbor::find(key->get(), -2)).value_or("")),
            std::string(cbor::as_bytes(cbor::find(key->get(), -3)).value_or(""))};
}

std::string ec2(std::int64_t kty, std::int64_t alg, std::int64_t crv, const Point& p) {
    return cose_map({{1, cbor_int(kty)},
                     {3, cbor_int(alg)},
                     {-1, cbor_int(crv)},
                     {-2, cbor_bytes(p.x)},
                     {-3, cbor_bytes(p.y)}});
}

void expect_refused(std::string_view cose, std::string_view reason) {
    auto key = cose::PublicKey::parse(cose);
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.error().code, Errc::invalid_argument);
    EXPECT_NE(key.error().detail.find(reason), std::string::npos) << key.error().detail;
}

TEST(CoseKey, ParsesTheThreeAcceptedAlgorithms) {
    auto es256 = cose::PublicKey::parse(unbase64url(vectors::kNonePublicKey));
    ASSERT_TRUE(es256.ok()) << es256.error().detail;
    EXPECT_EQ(es256->alg(), cose::Alg::es256);
    auto rs256 = cose::PublicKey::parse(unbase64url(vectors::kPyRs256Key));
    ASSERT_TRUE(rs256.ok()) << rs256.error().detail;
    EXPECT_EQ(rs256->alg(), cose::Alg::rs256);
    auto eddsa = cose::PublicKey::parse(unbase64url(vectors::kPyEdDsaKey));
    ASSERT_TRUE(eddsa.ok()) << eddsa.error().detail;
    EXPECT_EQ(eddsa->alg(), cose::Alg::eddsa);
}

TEST(CoseKey, RefusesOtherAlgorithmsCurvesAndKeyTypes) {
    const Point p = real_p256();
    ASSERT_TRUE(cose::PublicKey::parse(ec2(2, -7, 1, p)).ok());
    expect_refused(ec2(2, -35, 1, p), "algorithm -35");  // ES384
    expect_refused(ec2(2, -36, 1, p), "algorithm -36");  // ES512
    expect_refused(ec2(2, -37, 1, p), "algorithm -37");  // PS256
    expect_refused(ec2(2, -7, 2, p), "P-256");           // P-384 named
    expect_refused(ec2(1, -7, 1, p), "key type EC2");
    expect_refused(ec2(3, -7, 1, p), "key type EC2");
    expect_refused(cose_map({{1, cbor_int(2)}, {-1, cbor_int(1)}}), "kty and alg");
    expect_refused(cose_map({{3, cbor_int(-7)}}), "kty and alg");
    expect_refused(cbor_int(-7), "not a map");
    expect_refused(cose_map({{1, cbor_int(1)},
                             {3, cbor_int(-8)},
                             {-1, cbor_int(4)},
                             {-2, cbor_bytes(std::string(32, '\x11'))}}),
                   "Ed25519");  // X25519 named
    expect_refused(cose_map({{1, cbor_int(2)},
                             {3, cbor_int(-8)},
                             {-1, cbor_int(6)},
                             {-2, cbor_bytes(std::string(32, '\x11'))}}),
                   "key type OKP");
}

TEST(CoseKey, RefusesMalformedAndInvalidKeys) {
    const Point p = real_p256();
    expect_refused(ec2(2, -7, 1, {p.x.substr(1), p.y}), "32 bytes");
    expect_refused(ec2(2, -7, 1, {p.x, p.y + '\0'}), "32 bytes");
    Point off = p;
    off.y.back() ^= 0x01;
    expect_refused(ec2(2, -7, 1, off), "libcrypto refused the key");  // not on the curve
    expect_refused(ec2(2, -7, 1, p) + '\0', "after the CBOR item");
    // A repeated label is as good as a missing one.
    expect_refused(cose_map({{1, cbor_int(2)},
                             {3, cbor_int(-7)},
                             {3, cbor_int(-7)},
                             {-1, cbor_int(1)},
                             {-2, cbor_bytes(p.x)},
                             {-3, cbor_bytes(p.y)}}),
                   "kty and alg");
    // Ed25519: the identity (small order) and a non-canonical encoding.
    std::string identity(32, '\0');
    identity[0] = 1;
    const auto okp = [](const std::string& x) {
        return cose_map(
            {{1, cbor_int(1)}, {3, cbor_int(-8)}, {-1, cbor_int(6)}, {-2, cbor_bytes(x)}});
    };
    expect_refused(okp(identity), "invalid Ed25519 point");
    expect_refused(okp(std::string(32, '\xff')), "invalid Ed25519 point");
    expect_refused(okp(std::string(31, '\x11')), "32 bytes");
}

TEST(CoseKey, RsaModulusOf2048To8192Bits) {
    const auto rsa = [](std::string_view n, std::string_view e) {
        return cose_map(
            {{1, cbor_int(3)}, {3, cbor_int(-257)}, {-1, cbor_bytes(n)}, {-2, cbor_bytes(e)}});
    };
    const auto modulus = [](std::size_t bytes) {
        std::string n(bytes, '\x5b');
        n[0] = '\xc1';
        return n;
    };
    const std::string_view f4("\x01\x00\x01", 3);
    expect_refused(rsa(modulus(128), f4), "1024 bits");
    expect_refused(rsa(modulus(255), f4), "2040 bits");
    expect_refused(rsa(modulus(1025), f4), "8200 bits");
    auto real = cbor::load_exactly(unbase64url(vectors::kPyRs256Key));
    ASSERT_TRUE(real.ok());
    const std::string n(cbor::as_bytes(cbor::find(real->get(), -1)).value_or(""));
    EXPECT_EQ(n.size(), 256u);
    EXPECT_TRUE(cose::PublicKey::parse(rsa(n, f4)).ok());
    expect_refused(rsa(n, std::string_view("\x01\x00\x00", 3)), "invalid public key");  // even
    expect_refused(rsa(n, ""), "n and e");
    expect_refused(cose_map({{1, cbor_int(3)}, {3, cbor_int(-257)}}), "n and e");
}

TEST(CoseKey, VerifiesOnlyTheSignedMessage) {
    auto key = cose::PublicKey::parse(unbase64url(vectors::kPyEdDsaKey));
    ASSERT_TRUE(key.ok());
    const std::string auth = unbase64url(vectors::kPyEdDsaAuthData);
    std::string message = auth;
    std::string client_hash(32, '\0');
    const std::string cdj = unbase64url(vectors::kPyEdDsaClientData);
    crypto_hash_sha256(reinterpret_cast<unsigned char*>(client_hash.data()),
                       reinterpret_cast<const unsigned char*>(cdj.data()), cdj.size());
    message += client_hash;
    const std::string sig = unbase64url(vectors::kPyEdDsaSignature);
    EXPECT_TRUE(key->verify(message, sig));
    std::string other = message;
    other[0] ^= 0x01;
    EXPECT_FALSE(key->verify(other, sig));
    EXPECT_FALSE(key->verify(message, sig.substr(1)));
    EXPECT_FALSE(key->verify(message, ""));
}

}  // namespace
}  // namespace latchkey
