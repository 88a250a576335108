#!/usr/bin/python3
# Writes the seeds of the WebAuthn fuzz target (tests/fuzz/fuzz_webauthn.cpp) into
# tests/fuzz/corpus/webauthn/: valid structures for the relying party the target fixes (RP ID
# localhost, origin http://localhost:8001, challenge kChallenge), so that mutations start deep in
# each parser, and the hostile CBOR the walker must refuse. The first byte of every seed is the
# target's mode (see fuzz_webauthn.cpp). ECDSA signatures are randomized: running this again
# rewrites the signed seeds with other, equally valid bytes.
#
#   /usr/bin/python3 tests/fuzz/make_webauthn_corpus.py
import base64
import hashlib
import json
import os
import re
import struct

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus", "webauthn")
VECTORS = os.path.join(HERE, "..", "unit", "data", "webauthn_vectors.hpp")

# Must match fuzz_webauthn.cpp.
RP_ID = "localhost"
ORIGIN = "http://localhost:8001"
CHALLENGE = "ZnV6ei1jaGFsbGVuZ2UtbGF0Y2hrZXktd2ViYXV0aG4"
MODE_CBOR, MODE_AUTH_DATA, MODE_REGISTRATION, MODE_ASSERTION = 0, 1, 2, 3
MODE_REQUIRE_UV = 4  # bits of the mode byte
MODE_STORED_COUNTER_41 = 8

# The stored credential of the target's assertions: this fixed P-256 key (its public COSE_Key is
# kStoredKey in fuzz_webauthn.cpp; print it with --print-stored-key).
ES256_PRIVATE = ec.derive_private_key(
    int.from_bytes(hashlib.sha256(b"latchkey fuzz_webauthn ES256").digest(), "big") % (2**255),
    ec.SECP256R1(),
)
ED25519_PRIVATE = ed25519.Ed25519PrivateKey.from_private_bytes(
    hashlib.sha256(b"latchkey fuzz_webauthn EdDSA").digest()
)

UP, UV, BE, BS, AT, ED = 0x01, 0x04, 0x08, 0x10, 0x40, 0x80


def cose_es256(private):
    numbers = private.public_key().public_numbers()
    return cbor2.dumps(
        {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
    )


def cose_eddsa(private):
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return cbor2.dumps({1: 1, 3: -8, -1: 6, -2: raw})


def cose_rs256(public):
    numbers = public.public_numbers()
    n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
    return cbor2.dumps({1: 3, 3: -257, -1: n, -2: e})


def auth_data(flags, count, credential_id=None, cose_key=None, extensions=None):
    out = hashlib.sha256(RP_ID.encode()).digest() + bytes([flags]) + struct.pack(">I", count)
    if credential_id is not None:
        out += bytes(range(16)) + struct.pack(">H", len(credential_id)) + credential_id + cose_key
    if extensions is not None:
        out += cbor2.dumps(extensions)
    return out


def client_data(kind):
    return json.dumps(
        {"type": kind, "challenge": CHALLENGE, "origin": ORIGIN, "crossOrigin": False},
        separators=(",", ":"),
    ).encode()


def attestation(fmt, statement, auth):
    return cbor2.dumps({"fmt": fmt, "attStmt": statement, "authData": auth})


def registration(cdj, attestation_object):
    return cdj + b"\0" + attestation_object


def assertion(cdj, auth, signature):
    return cdj + b"\0" + struct.pack(">H", len(auth)) + auth + signature


def signed(auth, cdj):
    return auth + hashlib.sha256(cdj).digest()


def vector(name):
    """A public vector of the unit tests (unpadded base64url split over C++ string literals)."""
    with open(VECTORS) as f:
        text = f.read()
    match = re.search(r"\b" + name + r" =\s*((?:\"[^\"]*\"\s*)+);", text)
    encoded = "".join(re.findall(r'"([^"]*)"', match.group(1)))
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))


def nested_arrays(depth):
    """`depth` arrays of one item each, around a 0: `depth` containers open at once."""
    return b"\x81" * depth + b"\x00"


def main():
    os.makedirs(CORPUS, exist_ok=True)
    seeds = {}
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    es256 = cose_es256(ES256_PRIVATE)
    eddsa = cose_eddsa(ED25519_PRIVATE)
    rs256 = cose_rs256(rsa_key.public_key())
    credential_id = hashlib.sha256(b"credential").digest()
    create = client_data("webauthn.create")
    get = client_data("webauthn.get")

    # CBOR walker, decoder and COSE keys.
    for name, key in (("es256", es256), ("eddsa", eddsa), ("rs256", rs256)):
        seeds[f"cbor_cose_key_{name}"] = bytes([MODE_CBOR]) + key
    reg_auth = auth_data(UP | UV | AT, 0, credential_id, es256)
    none_object = attestation("none", {}, reg_auth)
    seeds["cbor_attestation_object_none"] = bytes([MODE_CBOR]) + none_object
    seeds["cbor_attestation_object_cut_short"] = bytes([MODE_CBOR]) + none_object[:-20]
    seeds["cbor_arrays_nested_8_deep"] = bytes([MODE_CBOR]) + nested_arrays(8)
    seeds["cbor_arrays_nested_9_deep"] = bytes([MODE_CBOR]) + nested_arrays(9)
    seeds["cbor_arrays_nested_1000_deep"] = bytes([MODE_CBOR]) + nested_arrays(1000)
    seeds["cbor_maps_nested_9_deep"] = bytes([MODE_CBOR]) + b"\xa1\x01" * 9 + b"\x00"
    seeds["cbor_indefinite_array"] = bytes([MODE_CBOR]) + b"\x9f\x01\x02\xff"
    seeds["cbor_indefinite_map"] = bytes([MODE_CBOR]) + b"\xbf\x01\x02\xff"
    seeds["cbor_indefinite_byte_string"] = bytes([MODE_CBOR]) + b"\x5f\x41\x00\x41\x01\xff"
    seeds["cbor_indefinite_text_in_a_map"] = bytes([MODE_CBOR]) + b"\xa1\x01\x7f\x61a\xff"
    seeds["cbor_byte_string_of_2_64_minus_1"] = bytes([MODE_CBOR]) + b"\x5b" + b"\xff" * 8 + b"x"
    seeds["cbor_text_of_2_32"] = bytes([MODE_CBOR]) + b"\x7b" + struct.pack(">Q", 2**32) + b"x"
    seeds["cbor_array_of_2_64_minus_1"] = bytes([MODE_CBOR]) + b"\x9b" + b"\xff" * 8 + b"\x00"
    seeds["cbor_map_of_2_63_entries"] = bytes([MODE_CBOR]) + b"\xbb\x80" + b"\x00" * 7 + b"\x00"
    seeds["cbor_tagged_item"] = bytes([MODE_CBOR]) + b"\xd8\x18\x41\x00"
    seeds["cbor_cose_key_repeated_label"] = (
        bytes([MODE_CBOR]) + b"\xa2\x01\x02\x01\x02"  # {1: 2, 1: 2}
    )
    seeds["cbor_int_extremes"] = bytes([MODE_CBOR]) + cbor2.dumps(
        {1: 2**64 - 1, 3: -(2**64), -1: 2**63, -2: b"", -3: ""}
    )

    # The unit tests' public vectors (another RP, so only their structure counts here): packed
    # with a certificate chain, fido-u2f, an Android key with extensions.
    for name in ("kPackedX5cAttestation", "kU2fAttestation", "kExtensionAttestation"):
        seeds["cbor_vector_" + name[1:]] = bytes([MODE_CBOR]) + vector(name)
    seeds["auth_data_vector_ExtensionAssertionAuthData"] = bytes([MODE_AUTH_DATA]) + vector(
        "kExtensionAssertionAuthData"
    )

    # Authenticator data.
    seeds["auth_data_assertion"] = bytes([MODE_AUTH_DATA]) + auth_data(UP | UV, 7)
    seeds["auth_data_attested_es256"] = bytes([MODE_AUTH_DATA]) + reg_auth
    seeds["auth_data_attested_eddsa_with_extensions"] = bytes([MODE_AUTH_DATA]) + auth_data(
        UP | AT | ED | BE | BS, 1, credential_id, eddsa, {"credProtect": 1}
    )
    seeds["auth_data_attested_rs256"] = bytes([MODE_AUTH_DATA]) + auth_data(
        UP | AT, 0, credential_id, rs256
    )
    seeds["auth_data_credential_id_of_65535"] = bytes([MODE_AUTH_DATA]) + auth_data(
        UP | AT, 0
    ) + bytes(16) + b"\xff\xff"

    # Registrations.
    seeds["registration_none_es256"] = bytes([MODE_REGISTRATION | MODE_REQUIRE_UV]) + registration(
        create, none_object
    )
    for name, key in (("eddsa", eddsa), ("rs256", rs256)):
        seeds[f"registration_none_{name}"] = bytes([MODE_REGISTRATION]) + registration(
            create, attestation("none", {}, auth_data(UP | AT | BE, 0, credential_id, key))
        )
    packed_auth = auth_data(UP | UV | AT, 3, credential_id, es256)
    packed_sig = ES256_PRIVATE.sign(signed(packed_auth, create), ec.ECDSA(hashes.SHA256()))
    seeds["registration_packed_self_es256"] = bytes([MODE_REGISTRATION]) + registration(
        create, attestation("packed", {"alg": -7, "sig": packed_sig}, packed_auth)
    )
    ed_auth = auth_data(UP | AT | ED, 0, credential_id, eddsa, {"credProtect": 2})
    seeds["registration_packed_self_eddsa_with_extensions"] = bytes(
        [MODE_REGISTRATION]
    ) + registration(
        create,
        attestation(
            "packed", {"alg": -8, "sig": ED25519_PRIVATE.sign(signed(ed_auth, create))}, ed_auth
        ),
    )
    rsa_auth = auth_data(UP | AT, 0, credential_id, rs256)
    rsa_sig = rsa_key.sign(signed(rsa_auth, create), padding.PKCS1v15(), hashes.SHA256())
    seeds["registration_packed_self_rs256"] = bytes([MODE_REGISTRATION]) + registration(
        create, attestation("packed", {"alg": -257, "sig": rsa_sig}, rsa_auth)
    )

    # Assertions with the target's stored ES256 credential.
    for name, mode, flags, count in (
        ("assertion_es256", MODE_REQUIRE_UV | MODE_STORED_COUNTER_41, UP | UV, 42),
        ("assertion_es256_zero_counter", 0, UP, 0),
        ("assertion_es256_counter_not_above_the_stored", MODE_STORED_COUNTER_41, UP, 41),
    ):
        auth = auth_data(flags, count)
        sig = ES256_PRIVATE.sign(signed(auth, get), ec.ECDSA(hashes.SHA256()))
        seeds[name] = bytes([MODE_ASSERTION | mode]) + assertion(get, auth, sig)
    auth = auth_data(UP | BE | ED, 9, extensions={"appid": True})
    sig = ES256_PRIVATE.sign(signed(auth, get), ec.ECDSA(hashes.SHA256()))
    seeds["assertion_es256_with_extensions"] = bytes([MODE_ASSERTION]) + assertion(get, auth, sig)

    for name, data in seeds.items():
        with open(os.path.join(CORPUS, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(seeds)} seeds to {CORPUS}")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--print-stored-key"]:
        print(cose_es256(ES256_PRIVATE).hex())
    else:
        main()
