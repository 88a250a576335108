#include "core/crypto/authenticator_data.hpp"

#include <algorithm>
#include <string>

#include "core/crypto/cbor.hpp"

namespace latchkey::webauthn {
namespace {

constexpr unsigned char kUp = 0x01, kUv = 0x04, kBe = 0x08, kBs = 0x10, kAt = 0x40, kEd = 0x80;
constexpr std::size_t kRpIdHashBytes = 32, kHeaderBytes = 37, kAaguidBytes = 16;
constexpr unsigned char kCborMajorMap = 5;

Error malformed(std::string detail) {
    return make_error(Errc::invalid_argument, "authenticator data: " + std::move(detail));
}

std::uint32_t big_endian(std::string_view bytes) {
    std::uint32_t value = 0;
    for (const char c : bytes) value = (value << 8) | static_cast<unsigned char>(c);
    return value;
}

}  // namespace

Result<AuthenticatorData> parse_authenticator_data(std::string_view bytes) {
    if (bytes.size() < kHeaderBytes) return malformed("shorter than 37 bytes");
    AuthenticatorData out;
    out.rp_id_hash = bytes.substr(0, kRpIdHashBytes);
    const auto flags = static_cast<unsigned char>(bytes[kRpIdHashBytes]);
    out.user_present = (flags & kUp) != 0;
    out.user_verified = (flags & kUv) != 0;
    out.backup_eligible = (flags & kBe) != 0;
    out.backup_state = (flags & kBs) != 0;
    if (out.backup_state && !out.backup_eligible) return malformed("BS set without BE");
    out.sign_count = big_endian(bytes.substr(kRpIdHashBytes + 1, 4));
    std::string_view rest = bytes.substr(kHeaderBytes);

    if ((flags & kAt) != 0) {
        if (rest.size() < kAaguidBytes + 2) return malformed("attested credential data cut short");
        AttestedCredential attested;
        std::copy_n(rest.begin(), kAaguidBytes, attested.aaguid.begin());
        const std::size_t id_length = big_endian(rest.substr(kAaguidBytes, 2));
        rest.remove_prefix(kAaguidBytes + 2);
        if (id_length == 0 || id_length > kMaxCredentialIdBytes)
            return malformed("credential id of " + std::to_string(id_length) + " bytes");
        if (rest.size() < id_length) return malformed("credential id cut short");
        attested.credential_id = rest.substr(0, id_length);
        rest.remove_prefix(id_length);
        auto key_length = cbor::item_length(rest);
        if (!key_length) return malformed("credential public key: " + key_length.error().detail);
        attested.public_key = rest.substr(0, *key_length);
        rest.remove_prefix(*key_length);
        out.attested = attested;
    }
    if ((flags & kEd) != 0) {
        if (rest.empty() || (static_cast<unsigned char>(rest[0]) >> 5) != kCborMajorMap)
            return malformed("extensions are not a map");
        auto extensions_length = cbor::item_length(rest);
        if (!extensions_length) return malformed("extensions: " + extensions_length.error().detail);
        rest.remove_prefix(*extensions_length);
    }
    if (!rest.empty()) return malformed(std::to_string(rest.size()) + " bytes left over");
    return out;
}

}  // namespace latchkey::webauthn
