"""A software passkey authenticator for the WebAuthn tests.

It answers navigator.credentials.create() and .get() as a platform authenticator would, with real
keys (python3-cryptography) and real CBOR (python3-cbor2), and returns the JSON a browser's
PublicKeyCredential.toJSON() gives: base64url fields, which is what every contract's routes take.
Attacks come from its knobs: another origin or RP ID, a counter that goes back, a flag left out.
"""

import base64
import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


FLAG_UP, FLAG_UV, FLAG_BE, FLAG_BS, FLAG_AT = 0x01, 0x04, 0x08, 0x10, 0x40


class Credential:
    """One credential: its id, key pair, COSE algorithm, user handle and signature counter."""

    def __init__(self, alg=-7):
        self.id = os.urandom(16)
        self.alg = alg
        if alg == -7:
            self.key = ec.generate_private_key(ec.SECP256R1())
        elif alg == -8:
            self.key = ed25519.Ed25519PrivateKey.generate()
        elif alg == -257:
            self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            raise ValueError(f"unsupported alg {alg}")
        self.user_handle = b""
        self.counter = 0

    def cose_key(self) -> bytes:
        pub = self.key.public_key()
        if self.alg == -7:
            numbers = pub.public_numbers()
            return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                                -3: numbers.y.to_bytes(32, "big")})
        if self.alg == -8:
            raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return cbor2.dumps({1: 1, 3: -8, -1: 6, -2: raw})
        numbers = pub.public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        return cbor2.dumps({1: 3, 3: -257, -1: n, -2: e})

    def sign(self, data: bytes) -> bytes:
        if self.alg == -7:
            return self.key.sign(data, ec.ECDSA(hashes.SHA256()))
        if self.alg == -8:
            return self.key.sign(data)
        return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())


class Authenticator:
    """Holds credentials like a phone's passkey store; each call may bend one rule."""

    def __init__(self, origin: str, rp_id: str | None = None):
        self.origin = origin
        self.rp_id = rp_id if rp_id is not None else origin.split("//", 1)[1].split(":")[0]
        self.credentials: list[Credential] = []

    def _client_data(self, kind, challenge, origin=None, extra=None):
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin,
                "crossOrigin": False}
        data.update(extra or {})
        return json.dumps(data).encode()

    def _auth_data(self, rp_id, flags, counter, attested: Credential | None = None):
        out = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", counter)
        if attested is not None:
            out += bytes(16) + struct.pack(">H", len(attested.id)) + attested.id
            out += attested.cose_key()
        return out

    def create(self, options: dict, *, alg=None, origin=None, rp_id=None, uv=True,
               kind="webauthn.create", challenge=None, keep=True, credential=None) -> dict:
        """navigator.credentials.create() for PublicKeyCredentialCreationOptionsJSON; `credential`
        presents an existing key pair again (as a second authenticator holding a copy would)."""
        algs = [p["alg"] for p in options.get("pubKeyCredParams", [])]
        credential = credential or Credential(alg if alg is not None else (algs[0] if algs else -7))
        credential.user_handle = unb64url(options["user"]["id"])
        flags = FLAG_UP | FLAG_AT | (FLAG_UV if uv else 0)
        auth_data = self._auth_data(rp_id or options.get("rp", {}).get("id") or self.rp_id,
                                    flags, credential.counter, credential)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data(kind, challenge or options["challenge"], origin)
        if keep:
            self.credentials.append(credential)
        return {
            "id": b64url(credential.id),
            "rawId": b64url(credential.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def get(self, options: dict, *, credential: Credential | None = None, origin=None,
            rp_id=None, uv=True, counter=None, kind="webauthn.get", challenge=None,
            user_handle=None, tamper=False) -> dict:
        """navigator.credentials.get() for PublicKeyCredentialRequestOptionsJSON."""
        credential = credential or self.credentials[-1]
        if counter is None:
            credential.counter += 1
            counter = credential.counter
        flags = FLAG_UP | (FLAG_UV if uv else 0)
        auth_data = self._auth_data(rp_id or options.get("rpId") or self.rp_id, flags, counter)
        client_data = self._client_data(kind, challenge or options["challenge"], origin)
        signature = credential.sign(auth_data + hashlib.sha256(client_data).digest())
        if tamper:
            signature = bytes([signature[0] ^ 1]) + signature[1:]
        handle = credential.user_handle if user_handle is None else user_handle
        return {
            "id": b64url(credential.id),
            "rawId": b64url(credential.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }
