"""The attack catalogue: one table of named attacks, each run through real nginx against every
contract it applies to. Anchors: OWASP ASVS 5.0 (V6 authentication, V7 session management, V9
self-contained tokens), RFC 8725 (JWT best practice), RFC 9700 (refresh token reuse), NIST SP
800-63B, and the suites Keycloak (BruteForceTest, RefreshTokenTest, MultipleTabsLoginTest) and Kratos
(login races, enumeration) keep.

A case passes only when the attack is refused in the contract's own error shape and changes
nothing; no case may ever see a 5xx. Tokens are forged with the site's real signing key (derived
from var/master.key exactly as core/crypto/keys.cpp does), so a refusal proves the claim check and not a
mere signature mismatch; the `forged_with_the_real_key_is_accepted` control case proves the forger.
"""
import base64
import concurrent.futures
import hashlib
import hmac
import itertools
import json
import os
import re
import statistics
import time

import pytest

from booking_support import cognito, code_in, sign_in, sign_up
from conftest import CONTRACTS as CONTRACT_NAMES, Stack, age_rotations, mailed_token, unique, verify_call

PASSWORD = "Password123!"
_addresses = (f"127.1.{a}.{b}" for a, b in itertools.product(range(1, 250), range(2, 250)))


def fresh_ip():
    """Every login from its own loopback address: nginx's per-IP login limit never interferes."""
    return next(_addresses)


# --- the stack, and the key forger --------------------------------------------------------------

REUSE_GRACE = 60


@pytest.fixture(scope="module")
def stack():
    # A reuse grace of its own (REUSE_GRACE), which tests pass by moving rotations back in time;
    # everything else is the default.
    s = Stack({"refresh_reuse_grace": str(REUSE_GRACE)}).start()
    try:
        yield s
    finally:
        s.stop()
        s.cleanup()


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def site_key(stack, site):
    """(secret, kid) of a site, derived from the master key as core/crypto/keys.cpp derives it."""
    with open(os.path.join(stack.data, "master.key")) as f:
        master = bytes.fromhex(f.read().strip())
    version_key = hashlib.blake2b(b"", digest_size=32, key=master, salt=(1).to_bytes(8, "little"),
                                  person=b"LKjwtkey").digest()
    secret = hashlib.blake2b(b"latchkey-site:" + site.encode(), digest_size=32, key=version_key).digest()
    kid = "1-" + hashlib.blake2b(b"kid", digest_size=8, key=secret).hexdigest()
    return secret, kid


def sign(header, claims, secret, digest=hashlib.sha256):
    head = header if isinstance(header, str) else json.dumps(header, separators=(",", ":"))
    body = claims if isinstance(claims, str) else json.dumps(claims, separators=(",", ":"))
    signing_input = b64(head.encode()) + "." + b64(body.encode())
    return signing_input + "." + b64(hmac.new(secret, signing_input.encode(), digest).digest())


def parts(token):
    head, body, _ = token.split(".")
    return json.loads(unb64(head)), json.loads(unb64(body))


# --- the contracts, as the catalogue sees them --------------------------------------------------

class Contract:
    """What an attack needs from a contract: a fresh account's token, the protected read, the
    shape of its 401, its registration and its duplicate answer."""
    name = site = None
    me_path = "/api/auth/me"
    error_key = None          # the key every error body of the contract carries
    duplicate_status = 409

    def __init__(self, stack):
        self.stack = stack
        self.client = stack.client(self.site)
        self._token = None

    def me(self, token, headers=None):
        h = {"Authorization": "Bearer " + token} if token is not None else {}
        h.update(headers or {})
        return self.client.request("GET", self.me_path, headers=h)

    def authorized(self, reply):
        return reply.status == 200

    def token(self):
        """A valid access token of one account, made once per module."""
        if self._token is None:
            self._token = self.new_token()
        return self._token

    def assert_refused(self, reply):
        assert reply.status == 401, reply
        assert reply.header("Content-Type").startswith("application/json"), reply.headers
        assert self.error_key in reply.json(), reply

    def register_body(self, email, password=PASSWORD):
        raise NotImplementedError

    def register(self, email, password=PASSWORD):
        return self.client.post(self.register_path, json=self.register_body(email, password),
                                source=fresh_ip())

    def login(self, email, password=PASSWORD):
        return self.client.post(self.login_path, json={"email": email, "password": password},
                                source=fresh_ip())

    def accounts_with(self, email):
        with self.stack.db() as db:
            return db.execute("SELECT COUNT(*) FROM accounts WHERE site = ? AND email_key = ?",
                              (self.site, email.lower())).fetchone()[0]


class Fastapi(Contract):
    name = site = "fastapi"
    error_key = "detail"
    duplicate_status = 400
    register_path, login_path = "/api/auth/register", "/api/auth/token"

    def register_body(self, email, password=PASSWORD):
        return {"username": unique("u"), "email": email, "password": password}

    def new_token(self):
        email = f"{unique('cat')}@example.com"
        assert self.register(email).status == 201
        return self.login(email).json()["access_token"]

    def logout(self, token):
        return self.client.request("POST", "/api/auth/logout", headers={"Authorization": "Bearer " + token})


class Gateway(Contract):
    name = site = "gateway"
    error_key = "error"
    register_path, login_path = "/api/auth/register", "/api/auth/login"

    def register_body(self, email, password=PASSWORD):
        return {"firstName": "Eve", "lastName": "Mallory", "email": email, "password": password}

    def new_token(self):
        email = f"{unique('cat')}@example.com"
        assert self.register(email).status == 201
        return self.login(email).json()["token"]

    def logout(self, token):
        return self.client.request("POST", "/api/auth/logout", headers={"Authorization": "Bearer " + token})


class Verified(Contract):
    name = site = "verified"
    error_key = "message"
    register_path, login_path = "/api/auth/register", "/api/auth/login"

    def register_body(self, email, password=PASSWORD):
        return {"email": email, "password": password, "confirmPassword": password}

    def new_token(self):
        email = f"{unique('cat')}@example.com"
        assert self.register(email).status == 201
        [mail] = self.stack.wait_for_mail(email)
        assert self.client.get(verify_call(mail)).status == 200
        return self.login(email).json()["token"]


class Storefront(Contract):
    name = site = "storefront"
    error_key = "message"
    register_path, login_path = "/api/auth/customer/register", "/api/auth/customer/login"

    def register_body(self, email, password=PASSWORD):
        return {"email": email, "password": password, "firstName": "Eve", "lastName": "Mallory"}

    def new_token(self):
        email = f"{unique('cat')}@example.com"
        r = self.register(email)
        assert r.status == 201, r
        return r.json()["accessToken"]


class Booking(Contract):
    name = site = "booking"
    error_key = "detail"
    me_path = "/api/customers/me"

    def authorized(self, reply):
        return reply.status in (200, 404)  # 404: signed in, no profile yet

    def new_token(self):
        email = f"{unique('cat')}@example.com"
        sign_up(self.stack, self.client, email)
        return sign_in(self.stack, self.client, email)["IdToken"]


# One adapter per contract nginx.conf's sites speak (conftest.CONTRACTS), found by name: a contract
# without one fails here, at collection, rather than escaping the catalogue.
ADAPTERS = {kind.name: kind for kind in Contract.__subclasses__()}
_missing = [name for name in CONTRACT_NAMES if name not in ADAPTERS]
assert not _missing, f"the attack catalogue has no adapter for contract(s) {_missing}"
CONTRACTS = [ADAPTERS[name] for name in CONTRACT_NAMES]
# The contracts that register and sign in with a password (booking signs in by mailed code).
PASSWORD_CONTRACTS = [kind for kind in CONTRACTS if getattr(kind, "login_path", None)]
_instances = {}


@pytest.fixture
def contract(request, stack):
    kind = request.param
    if (kind, id(stack)) not in _instances:
        _instances[(kind, id(stack))] = kind(stack)
    return _instances[(kind, id(stack))]


def attacks_on(contracts):
    return pytest.mark.parametrize("contract", contracts, indirect=True, ids=lambda c: c.name)


# --- self-contained tokens (RFC 8725, ASVS V9) --------------------------------------------------

NOW = lambda: int(time.time())  # noqa: E731


def resigned(contract, header=None, claims=None, site=None, drop_claims=(), drop_header=()):
    """The contract's real token with header/claims changed, signed with `site`'s real key."""
    h, c = parts(contract.token())
    h.update(header or {})
    c.update(claims or {})
    for k in drop_claims:
        c.pop(k, None)
    for k in drop_header:
        h.pop(k, None)
    secret, kid = site_key(contract.stack, site or contract.site)
    if site and "kid" not in (header or {}):
        h["kid"] = kid
    return sign(h, c, secret)


def unsigned(header, claims):
    return b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode()) + "."


TOKEN_ATTACKS = {
    "alg_none": lambda k: unsigned(dict(parts(k.token())[0], alg="none"), parts(k.token())[1]),
    "alg_None_capitalised": lambda k: unsigned(dict(parts(k.token())[0], alg="None"), parts(k.token())[1]),
    "alg_none_with_the_original_signature": lambda k: ".".join(
        [b64(json.dumps(dict(parts(k.token())[0], alg="none")).encode()), k.token().split(".")[1],
         k.token().split(".")[2]]),
    "alg_HS512_with_the_site_key": lambda k: sign(
        dict(parts(k.token())[0], alg="HS512"), parts(k.token())[1],
        site_key(k.stack, k.site)[0], hashlib.sha512),
    "alg_RS256_key_confusion": lambda k: resigned(k, header={"alg": "RS256"}),
    "alg_missing": lambda k: resigned(k, drop_header=("alg",)),
    "alg_duplicated_in_the_header": lambda k: sign(
        '{"alg":"HS256","alg":"none","typ":"JWT","kid":"%s"}' % site_key(k.stack, k.site)[1],
        parts(k.token())[1], site_key(k.stack, k.site)[0]),
    "crit_header_not_understood": lambda k: resigned(k, header={"crit": ["exp"]}),
    "kid_of_another_site": lambda k: resigned(k, site="gateway" if k.site != "gateway" else "fastapi"),
    "kid_as_a_path_traversal": lambda k: sign(
        dict(parts(k.token())[0], kid="../../../../dev/null"), parts(k.token())[1], b""),
    "kid_naming_the_master_key_file": lambda k: resigned(k, header={"kid": "../var/master.key"}),
    "kid_missing": lambda k: resigned(k, drop_header=("kid",)),
    "header_tampered_without_resigning": lambda k: ".".join(
        [b64(json.dumps(dict(parts(k.token())[0], x=1)).encode())] + k.token().split(".")[1:]),
    "payload_subject_swapped_without_resigning": lambda k: ".".join(
        [k.token().split(".")[0], b64(json.dumps(dict(parts(k.token())[1], sub="1")).encode()),
         k.token().split(".")[2]]),
    "signature_one_character_changed": lambda k: k.token()[:-1] + ("A" if k.token()[-1] != "A" else "B"),
    "signature_low_bits_respelled": lambda k: k.token()[:-1] + chr(ord(k.token()[-1]) ^ 1),
    "signature_stripped": lambda k: k.token().rsplit(".", 1)[0] + ".",
    "signature_truncated": lambda k: k.token()[:-10],
    "four_segments": lambda k: k.token() + ".e30",
    "two_segments": lambda k: k.token().rsplit(".", 1)[0],
    "audience_of_another_site": lambda k: resigned(k, claims={"aud": "gateway" if k.site != "gateway" else "fastapi"}),
    "audience_list_without_this_site": lambda k: resigned(k, claims={"aud": ["other", "another"]}),
    "audience_missing": lambda k: resigned(k, drop_claims=("aud",)),
    "issuer_of_someone_else": lambda k: resigned(k, claims={"iss": "https://evil.example"}),
    "expired": lambda k: resigned(k, claims={"exp": NOW() - 1}),
    "expiry_missing": lambda k: resigned(k, drop_claims=("exp",)),
    "expiry_as_a_string": lambda k: resigned(k, claims={"exp": str(NOW() + 3600)}),
    "expiry_as_a_float_far_away": lambda k: resigned(k, claims={"exp": 1e300}),
    "not_yet_valid": lambda k: resigned(k, claims={"nbf": NOW() + 3600}),
    "issued_in_the_future": lambda k: resigned(k, claims={"iat": NOW() + 3600}),
    "subject_missing": lambda k: resigned(k, drop_claims=("sub",)),
    "subject_of_no_account": lambda k: resigned(k, claims={"sub": "0" * 24}),
    "subject_as_sql": lambda k: resigned(k, claims={"sub": "1' OR '1'='1"}),
    "jti_missing": lambda k: resigned(k, drop_claims=("jti",)),
    "payload_an_array": lambda k: sign(parts(k.token())[0], "[1,2]", site_key(k.stack, k.site)[0]),
    "payload_not_json": lambda k: sign(parts(k.token())[0], "{not json", site_key(k.stack, k.site)[0]),
    "not_base64url": lambda k: "!!!." + k.token().split(".", 1)[1],
    "non_ascii_in_the_token": lambda k: k.token()[:20] + "é" + k.token()[21:],
    "seven_kilobytes_of_token": lambda k: "a" * 3500 + "." + "b" * 3500 + "." + "c" * 43,
}


@pytest.mark.parametrize("attack", sorted(TOKEN_ATTACKS))
@attacks_on(CONTRACTS)
def test_forged_or_damaged_tokens_are_refused(contract, attack):
    forged = TOKEN_ATTACKS[attack](contract)
    try:
        forged.encode("latin-1")
    except UnicodeEncodeError:
        # http.client sends headers as latin-1; send the UTF-8 bytes as they would arrive.
        forged = forged.encode().decode("latin-1")
    contract.assert_refused(contract.me(forged))
    assert contract.authorized(contract.me(contract.token())), "the real token still works"


@attacks_on(CONTRACTS)
def test_forged_with_the_real_key_is_accepted(contract):
    """The control: the forger is right, so every refusal above is the check it names."""
    assert contract.authorized(contract.me(resigned(contract, claims={"exp": NOW() + 600})))


@attacks_on(CONTRACTS)
def test_a_real_token_of_another_site_is_refused(contract, stack):
    other = (Gateway if contract.site != "gateway" else Fastapi)
    token = _instances.setdefault((other, id(stack)), other(stack)).token()
    contract.assert_refused(contract.me(token))


@attacks_on(CONTRACTS)
def test_an_oversized_authorization_header_is_a_json_4xx(contract):
    r = contract.me("x" * 20000)
    assert 400 <= r.status < 500, r
    assert isinstance(r.json(), dict)


@attacks_on([Storefront])
def test_account_type_switched_from_customer_to_merchant(contract):
    """A customer token re-signed as a merchant names no merchant: it reads nothing."""
    contract.assert_refused(contract.me(resigned(contract, claims={"type": "merchant"})))


@attacks_on([Fastapi, Gateway])
def test_a_token_used_after_logout(contract):
    token = contract.new_token()
    assert contract.authorized(contract.me(token))
    assert contract.logout(token).status in (200, 204)
    contract.assert_refused(contract.me(token))


@attacks_on([Booking])
def test_an_id_token_used_after_sign_out(contract, stack):
    email = f"{unique('out')}@example.com"
    sign_up(stack, contract.client, email)
    result = sign_in(stack, contract.client, email)
    r = cognito(contract.client, "RevokeToken", {"ClientId": "demo", "Token": result["RefreshToken"]})
    assert r.status == 200, r
    contract.assert_refused(contract.me(result["IdToken"]))


@attacks_on([Booking])
def test_an_access_token_where_the_id_token_is_required(contract, stack):
    """Creating a profile takes the email from the id token; an access token carries none."""
    email = f"{unique('acc')}@example.com"
    sign_up(stack, contract.client, email)
    access = sign_in(stack, contract.client, email)["AccessToken"]
    r = contract.client.request("POST", "/api/customers/me", body="{}", headers={
        "Authorization": "Bearer " + access, "Content-Type": "application/json"})
    assert r.status in (400, 401) and "detail" in r.json(), r
    with stack.db() as db:
        assert db.execute("SELECT COUNT(*) FROM customers WHERE email = ?", (email,)).fetchone()[0] == 0


# --- refresh tokens (RFC 9700, Keycloak RefreshTokenTest / MultipleTabsLoginTest) -------------------

def storefront_refresh(client, token, **headers):
    return client.request("POST", "/api/auth/refresh",
                          headers=dict({"Cookie": f"refreshToken={token}"}, **headers))


def storefront_session(stack):
    c = stack.client("storefront")
    r = c.post("/api/auth/customer/register", source=fresh_ip(), json=Storefront(stack).register_body(
        f"{unique('rt')}@example.com"))
    assert r.status == 201, r
    return c, r.cookie("refreshToken")


def test_refresh_token_reuse_after_the_grace_revokes_the_family(stack):
    c, first = storefront_session(stack)
    second = storefront_refresh(c, first).cookie("refreshToken")
    age_rotations(stack, REUSE_GRACE + 5)  # the grace has passed
    assert storefront_refresh(c, first).status == 401
    assert storefront_refresh(c, second).status == 401, "the legitimate holder is logged out too"


def test_refresh_two_tabs_racing_with_one_token(stack):
    c, first = storefront_session(stack)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda _: storefront_refresh(c, first), range(2)))
    assert [r.status for r in replies] == [200, 200], replies
    a, b = (r.cookie("refreshToken") for r in replies)
    assert a == b, "both tabs hold the one successor: a family is one chain"
    assert storefront_refresh(c, a).status == 200


def test_refresh_with_an_access_token(stack):
    c = stack.client("storefront")
    r = c.post("/api/auth/customer/register", source=fresh_ip(),
               json=Storefront(stack).register_body(f"{unique('rt')}@example.com"))
    assert storefront_refresh(c, r.json()["accessToken"]).status == 401


def test_refresh_token_with_its_signature_changed(stack):
    c, first = storefront_session(stack)
    assert storefront_refresh(c, first[:-2] + ("AA" if not first.endswith("AA") else "BB")).status == 401
    assert storefront_refresh(c, first).status == 200, "a forgery does not burn the real token"


def test_refresh_from_a_foreign_origin(stack):
    c, first = storefront_session(stack)
    assert storefront_refresh(c, first, Origin="https://evil.example").status in (401, 403)
    assert storefront_refresh(c, first).status == 200


def test_cognito_refresh_token_reuse_after_the_grace_revokes_the_family(stack):
    c = stack.client("booking")
    email = f"{unique('grt')}@example.com"
    sign_up(stack, c, email)
    first = sign_in(stack, c, email)["RefreshToken"]
    op = "GetTokensFromRefreshToken"
    r = cognito(c, op, {"ClientId": "demo", "RefreshToken": first})
    assert r.status == 200, r
    second = r.json()["AuthenticationResult"]["RefreshToken"]
    age_rotations(stack, REUSE_GRACE + 5)  # the grace has passed
    assert cognito(c, op, {"ClientId": "demo", "RefreshToken": first}).status == 400
    r = cognito(c, op, {"ClientId": "demo", "RefreshToken": second})
    assert r.status == 400 and r.json()["__type"].endswith("NotAuthorizedException"), r


# --- one-time tokens and codes ------------------------------------------------------------------

def _verified_registration(stack, password=PASSWORD):
    email = f"{unique('ott')}@example.com"
    c = stack.client("verified")
    assert Verified(stack).register(email, password).status == 201
    return c, email, stack.wait_for_mail(email)[0]


def _reset_token(stack, c, email, count=2):
    assert c.post("/api/auth/forgot", json={"email": email}).status == 200
    mail = stack.wait_for_mail(email, count=count)[-1]
    return mailed_token(mail)


def _reset(c, token, password="Another-pass-1"):
    return c.post("/api/auth/reset", json={"token": token, "password": password, "confirmPassword": password})


def test_verification_link_replayed_verifies_nothing_else(stack):
    c, email, mail = _verified_registration(stack)
    _, other, _ = _verified_registration(stack)
    assert c.get(verify_call(mail)).status == 200
    assert c.get(verify_call(mail)).status == 200  # idempotent, as decided
    with stack.db() as db:
        assert db.execute("SELECT email_verified FROM accounts WHERE site='verified' AND email=?",
                          (other,)).fetchone()[0] == 0


def test_verification_token_expired(stack):
    c, email, mail = _verified_registration(stack)
    rw = stack.db(writable=True)
    rw.execute("UPDATE one_time_tokens SET expires_at = 1 WHERE account_id = "
               "(SELECT id FROM accounts WHERE site='verified' AND email = ?)", (email,))
    rw.commit()
    rw.close()
    assert c.get(verify_call(mail)).status == 400


def test_verification_token_tampered(stack):
    c, email, mail = _verified_registration(stack)
    path = verify_call(mail)
    assert c.get(path[:-3] + ("abc" if not path.endswith("abc") else "xyz")).status == 400
    assert c.get(path + "%00").status == 400
    assert c.get(path.split("token=")[0] + "token=" + "../" * 20).status == 400


def test_reset_token_replayed(stack):
    c, email, mail = _verified_registration(stack)
    assert c.get(verify_call(mail)).status == 200
    token = _reset_token(stack, c, email)
    assert _reset(c, token).status == 200
    r = _reset(c, token, "Third-password-3")
    assert r.status == 400 and "message" in r.json(), r
    assert Verified(stack).login(email, "Another-pass-1").status == 200


def test_reset_token_expired(stack):
    c, email, mail = _verified_registration(stack)
    token = _reset_token(stack, c, email)
    rw = stack.db(writable=True)
    rw.execute("UPDATE one_time_tokens SET expires_at = 1 WHERE account_id = "
               "(SELECT id FROM accounts WHERE site='verified' AND email = ?)", (email,))
    rw.commit()
    rw.close()
    assert _reset(c, token).status == 400


def test_reset_token_of_another_account_changes_only_that_account(stack):
    c, victim, mail = _verified_registration(stack)
    assert c.get(verify_call(mail)).status == 200
    c, attacker, mail = _verified_registration(stack)
    assert c.get(verify_call(mail)).status == 200
    token = _reset_token(stack, c, attacker)
    assert _reset(c, token, "Attacker-pass-9").status == 200
    assert Verified(stack).login(victim, PASSWORD).status == 200
    assert Verified(stack).login(victim, "Attacker-pass-9").status == 401


def test_verification_token_used_as_a_reset_token(stack):
    c, email, mail = _verified_registration(stack)
    assert _reset(c, mailed_token(mail)).status == 400
    assert Verified(stack).login(email, PASSWORD).status == 403  # unchanged, still unverified


def test_reset_token_used_as_a_verification_token(stack):
    c, email, mail = _verified_registration(stack)
    token = _reset_token(stack, c, email)
    assert c.get("/api/auth/verify?token=" + token).status == 400
    assert Verified(stack).login(email, PASSWORD).status == 403


def _otp_attempt(stack, email):
    c = stack.client("booking")
    before = len(stack.wait_for_mail(email))
    r = cognito(c, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "USER_AUTH",
                                    "AuthParameters": {"USERNAME": email, "PREFERRED_CHALLENGE": "EMAIL_OTP"}})
    assert r.status == 200, r
    return r.json()["Session"], code_in(stack.wait_for_mail(email, count=before + 1)[-1])


def _answer(stack, email, session, code):
    return cognito(stack.client("booking"), "RespondToAuthChallenge", {
        "ClientId": "demo", "ChallengeName": "EMAIL_OTP", "Session": session,
        "ChallengeResponses": {"USERNAME": email, "EMAIL_OTP_CODE": code}})


def test_email_otp_of_another_user(stack):
    alice, mallory = (f"{unique(n)}@example.com" for n in ("alice", "mallory"))
    for e in (alice, mallory):
        sign_up(stack, stack.client("booking"), e)
    alice_session, _ = _otp_attempt(stack, alice)
    mallory_session, mallory_code = _otp_attempt(stack, mallory)
    r = _answer(stack, alice, alice_session, mallory_code)
    assert r.status == 400 and "AuthenticationResult" not in r.json(), r
    r = _answer(stack, alice, mallory_session, mallory_code)
    assert r.status == 400 and "AuthenticationResult" not in r.json(), r


def test_email_otp_replayed(stack):
    email = f"{unique('replay')}@example.com"
    sign_up(stack, stack.client("booking"), email)
    session, code = _otp_attempt(stack, email)
    assert _answer(stack, email, session, code).status == 200
    r = _answer(stack, email, session, code)
    assert r.status == 400 and "AuthenticationResult" not in r.json(), r


def test_email_otp_guessing_closes_the_attempt(stack):
    email = f"{unique('guess')}@example.com"
    sign_up(stack, stack.client("booking"), email)
    session, code = _otp_attempt(stack, email)
    wrong = [f"{(int(code) + i) % 100000000:08d}" for i in (1, 2, 3)]
    for guess in wrong:
        assert _answer(stack, email, session, guess).status == 400
    r = _answer(stack, email, session, code)
    assert r.status == 400 and r.json()["__type"].endswith("NotAuthorizedException"), r


# --- user enumeration (ASVS V6.3.8, Kratos' enumeration tests) ------------------------------------

@attacks_on(PASSWORD_CONTRACTS)
def test_enumeration_by_login_status_and_body(contract):
    email = f"{unique('enum')}@example.com"
    assert contract.register(email).status == 201
    if contract.site == "verified":
        assert contract.client.get(verify_call(contract.stack.wait_for_mail(email)[0])).status == 200
    wrong = contract.login(email, "not-the-password-1")
    unknown = contract.login(f"{unique('nobody')}@example.com", "not-the-password-1")
    assert (wrong.status, wrong.body) == (unknown.status, unknown.body)
    assert wrong.status == 401


def _median_ms(calls):
    times = []
    for call in calls:
        start = time.perf_counter()
        r = call()
        times.append((time.perf_counter() - start) * 1000)
        assert r.status < 500, r
    return statistics.median(times)


def _timed_ms(call):
    start = time.perf_counter()
    r = call()
    elapsed = (time.perf_counter() - start) * 1000
    assert r.status == 401, r  # both are plain refusals (no lockout, no overload) or the pair means nothing
    return elapsed


# 15 interleaved pairs, each a wrong password for a real account and an unknown email sent back to
# back (the order alternating), so a busy neighbour slows both halves of a pair alike. The check
# fails only when the median pair ratio is beyond 2x: at least 8 of the 15 pairs must differ by 2x
# in the same direction. Without the dummy hash an unknown email is >10x faster in every pair;
# with it, a 2x excursion of one pair measured beside other suites happens in under 1 pair in 10,
# so a false alarm needs 8 such pairs of 15: P(Binomial(15, 0.1) >= 8) < 4e-5 per direction.
TIMING_PAIRS = 15


@attacks_on(PASSWORD_CONTRACTS)
def test_enumeration_by_login_timing(contract):
    """An unknown email must cost a password hash too: paired, interleaved timings, judged on the
    median of their ratios (see TIMING_PAIRS for the false-alarm rate)."""
    # Three wrong passwords per account, each from its own address: under every guessing limit.
    accounts = [f"{unique('timing')}@example.com" for _ in range(TIMING_PAIRS // 3)]
    for email in accounts:
        assert contract.register(email).status == 201
    ratios = []
    for i in range(TIMING_PAIRS):
        wrong = lambda: contract.login(accounts[i % len(accounts)], "not-the-password-1")  # noqa: E731
        unknown = lambda: contract.login(f"{unique('no')}@example.com", "not-the-password-1")  # noqa: E731
        if i % 2:
            unknown_ms, wrong_ms = _timed_ms(unknown), _timed_ms(wrong)
        else:
            wrong_ms, unknown_ms = _timed_ms(wrong), _timed_ms(unknown)
        ratios.append(unknown_ms / wrong_ms)
    assert 0.5 < statistics.median(ratios) < 2.0, sorted(round(r, 2) for r in ratios)


# 21 interleaved pairs of a forgot for a known and an unknown address, back to back (the order
# alternating), judged on the median of their differences: a busy neighbour stalls one request of
# a pair by 25 ms in perhaps 1 pair in 5, and a false alarm needs 11 of 21 stalled the same way:
# P(Binomial(21, 0.2) >= 11) < 1e-3. It shows the two cost alike whether or not the address has
# an account (past its sending limit, as most of these are); that no request waits for mail is
# shown in test_mail_delivery.
FORGOT_PAIRS = 21


def test_enumeration_by_forgot_and_resend(stack):
    c, email, _ = _verified_registration(stack)
    for path in ("/api/auth/forgot", "/api/auth/verify/resend"):
        known = c.post(path, json={"email": email})
        unknown = c.post(path, json={"email": f"{unique('nobody')}@example.com"})
        assert (known.status, known.body) == (unknown.status, unknown.body) and known.status == 200
    differences = []
    for i in range(FORGOT_PAIRS):
        known = lambda: c.post("/api/auth/forgot", json={"email": email})  # noqa: E731
        unknown = lambda: c.post("/api/auth/forgot", json={"email": f"{unique('n')}@example.com"})  # noqa: E731
        if i % 2:
            unknown_ms, known_ms = _median_ms([unknown]), _median_ms([known])
        else:
            known_ms, unknown_ms = _median_ms([known]), _median_ms([unknown])
        differences.append(known_ms - unknown_ms)
    # Past the sending limit (docs/mail.md) the answer is still the same, and nothing is sent.
    limited = c.post("/api/auth/forgot", json={"email": email})
    nobody = c.post("/api/auth/forgot", json={"email": f"{unique('nobody')}@example.com"})
    assert (limited.status, limited.body) == (nobody.status, nobody.body)
    # Both do the same reads and one transaction; the mail goes out later, off the request.
    assert abs(statistics.median(differences)) < 25, sorted(round(d, 1) for d in differences)


def queued_for(stack, email):
    """Every message queued for `email`, of any kind."""
    with stack.db() as db:
        return db.execute("SELECT count(*) FROM outbox WHERE recipient = ?", (email,)).fetchone()[0]


def test_cognito_tells_unknown_users_by_design_and_bounds_the_probing(stack):
    """docs/contracts.md: Amplify branches on UserNotFoundException, so it is answered; the
    sending limits (docs/mail.md) keep a prober from mailing a real user more than 5 codes from
    one network, and probers on every network together more than 10 per 5 minutes, plus each
    further network's first code of the day (which the ceiling never refuses, so that no one can
    keep the owner out)."""
    c = stack.client("booking")
    r = cognito(c, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "USER_AUTH",
                                    "AuthParameters": {"USERNAME": f"{unique('no')}@example.com"}})
    assert r.status == 400 and r.json()["__type"].endswith("UserNotFoundException")
    email = f"{unique('probe')}@example.com"
    sign_up(stack, c, email)  # one code sent
    start = {"ClientId": "demo", "AuthFlow": "USER_AUTH",
             "AuthParameters": {"USERNAME": email, "PREFERRED_CHALLENGE": "EMAIL_OTP"}}
    prober = fresh_ip()
    answers = [cognito(c, "InitiateAuth", start, source=prober) for _ in range(6)]
    assert [a.status for a in answers] == [200] * 5 + [400]
    assert answers[-1].json()["__type"].endswith("LimitExceededException"), answers[-1]
    assert queued_for(stack, email) == 6  # exact at once: queued in each request's transaction
    stack.wait_for_mail(email, count=6)  # and sent (the worker sends async)
    answers = [cognito(c, "InitiateAuth", start, source=ip) for ip in [fresh_ip() for _ in range(4)]
               for _ in range(5)]
    # The sign-up's and the prober's counted: the first network gets 4, each further one its first.
    assert [a.status for a in answers].count(200) == 4 + 3
    assert queued_for(stack, email) == 10 + 3
    stack.wait_for_mail(email, count=10 + 3)


# --- hostile input (ASVS V1/V2: input validation) --------------------------------------------------

def post_raw(contract, body, content_type="application/json"):
    path = "/api/customers/me" if contract.site == "booking" else contract.register_path
    headers = {"Content-Type": content_type}
    if contract.site == "booking":
        headers["Authorization"] = "Bearer " + contract.token()
    return contract.client.request("POST", path, body=body, headers=headers)


def assert_clean_4xx(contract, reply):
    assert 400 <= reply.status < 500, reply
    body = reply.json()
    assert isinstance(body, dict) and body, reply
    if contract.error_key and reply.status not in (413, 414):
        assert contract.error_key in body or "errors" in body or "message" in body, reply


def email_body(contract, email, password=PASSWORD):
    return json.dumps(contract.register_body(email, password))


HOSTILE_BODIES = {
    "ten_thousand_character_email": lambda k: email_body(k, "a" * 10000 + "@example.com"),
    "email_with_crlf_and_a_bcc_header": lambda k: email_body(k, "x@example.com\r\nBcc: victim@example.com"),
    "email_with_a_nul_byte": lambda k: email_body(k, "nul\u0000@example.com"),
    "email_as_a_number": lambda k: email_body(k, "x").replace('"x"', "12345"),
    "email_as_an_object": lambda k: email_body(k, "x").replace('"x"', '{"$ne": null}'),
    "email_as_an_array": lambda k: email_body(k, "x").replace('"x"', '["a@example.com"]'),
    "password_as_a_number": lambda k: email_body(k, f"{unique('n')}@example.com").replace(f'"{PASSWORD}"', "12345678"),
    "password_as_true": lambda k: email_body(k, f"{unique('n')}@example.com").replace(f'"{PASSWORD}"', "true"),
    "duplicate_email_keys": lambda k: email_body(k, f"{unique('d')}@example.com")[:-1] + ', "email": "second@example.com"}',
    "invalid_utf8_in_a_string": lambda k: email_body(k, "PLACEHOLDER@example.com").encode().replace(b"PLACEHOLDER", b"\xff\xfe\xc3("),
    "overlong_utf8_slash": lambda k: email_body(k, "PLACEHOLDER@example.com").encode().replace(b"PLACEHOLDER", b"\xc0\xaf"),
    "lone_utf16_surrogate_escape": lambda k: email_body(k, "x@example.com").replace("x@", "\\ud800@"),
    "deeply_nested_arrays": lambda k: "[" * 100000 + "]" * 100000,
    "deeply_nested_objects": lambda k: '{"a":' * 20000 + "1" + "}" * 20000,
    "top_level_array": lambda k: "[" + email_body(k, "x@example.com") + "]",
    "top_level_string": lambda k: '"just a string"',
    "truncated_json": lambda k: email_body(k, "x@example.com")[:-5],
    "trailing_garbage": lambda k: email_body(k, "x@example.com") + "garbage",
    "huge_number": lambda k: email_body(k, "x").replace('"x"', "1" + "0" * 5000),
    "nan_literal": lambda k: email_body(k, "x").replace('"x"', "NaN"),
    "comments_in_json": lambda k: "/* hi */" + email_body(k, "x@example.com"),
    "empty_body": lambda k: "",
    "sixty_thousand_character_name_fields": lambda k: json.dumps(dict(
        k.register_body(f"{unique('big')}@example.com"),
        **({"username": "n" * 60000} if k.site == "fastapi" else {"firstName": "n" * 60000}))),
}


def _booking_body(attack):
    """The customers API's profile body, attacked the same way. Pydantic v1 coerces numbers to
    strings, so type attacks go at `preferred_language`, a Literal that coerces nothing."""
    text = json.dumps({"name": "Ana Doe", "phone": "+34600000000", "preferred_language": "LANG"})
    lang = lambda value: text.replace('"LANG"', value)  # noqa: E731
    table = {
        "ten_thousand_character_email": lang('"' + "e" * 10000 + '"'),
        "email_with_crlf_and_a_bcc_header": lang('"en\\r\\nBcc: victim@example.com"'),
        "email_with_a_nul_byte": lang('"e\\u0000n"'),
        "email_as_a_number": lang("12345"),
        "email_as_an_object": lang('{"$ne": null}'),
        "email_as_an_array": lang('["en"]'),
        "password_as_a_number": lang("1"),
        "password_as_true": lang("true"),
        "duplicate_email_keys": lang('"en"')[:-1] + ', "preferred_language": "en"}',
        "invalid_utf8_in_a_string": lang('"en"').encode().replace(b"Ana", b"\xff\xfe\xc3("),
        "overlong_utf8_slash": lang('"en"').encode().replace(b"Ana", b"\xc0\xaf"),
        "lone_utf16_surrogate_escape": lang('"\\ud800"'),
        "huge_number": lang("1" + "0" * 5000),
        "nan_literal": lang("NaN"),
        "comments_in_json": "/* hi */" + lang('"en"'),
        "deeply_nested_arrays": "[" * 100000 + "]" * 100000,
        "deeply_nested_objects": '{"a":' * 20000 + "1" + "}" * 20000,
        "top_level_array": "[" + lang('"en"') + "]",
        "top_level_string": '"just a string"',
        "truncated_json": lang('"en"')[:-5],
        "trailing_garbage": lang('"en"') + "garbage",
        "empty_body": "{",
        "sixty_thousand_character_name_fields": lang('"en"').replace("Ana", "n" * 60000),
    }
    return table[attack]


COUNTED_TABLES = ("accounts", "outbox", "customers", "one_time_tokens", "refresh_families")


def _counts(stack):
    with stack.db() as db:
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in COUNTED_TABLES}


@pytest.mark.parametrize("attack", sorted(HOSTILE_BODIES))
@attacks_on(CONTRACTS)
def test_hostile_bodies_get_a_clean_4xx_and_change_nothing(contract, stack, attack):
    if contract.site == "booking":
        contract._token = contract.new_token()  # no profile yet: a 409 would hide the attack
        body = _booking_body(attack)
    else:
        body = HOSTILE_BODIES[attack](contract)
    before = _counts(stack)
    reply = post_raw(contract, body)
    assert_clean_4xx(contract, reply)
    assert _counts(stack) == before


@attacks_on(CONTRACTS)
def test_a_ten_megabyte_body_is_refused_by_nginx_as_json(contract):
    r = post_raw(contract, b"{" + b" " * (10 * 1024 * 1024) + b"}")
    assert r.status == 413 and isinstance(r.json(), dict), r


@attacks_on(PASSWORD_CONTRACTS)
def test_sql_metacharacters_are_data(contract, stack):
    email = f"o'brien.{unique('sql')}@example.com"
    r = contract.register(email, password="x' OR '1'='1 --")
    assert r.status == 201, r
    assert contract.accounts_with(email) == 1
    for probe in ("' OR 1=1 --", f"{email}' --", "\" OR \"\"=\""):
        r = contract.login(probe, "anything-long-enough")
        assert r.status in (400, 401, 422), r
    assert contract.login(email.upper(), "x' OR '1'='1 --").status in (200, 403)


def test_crlf_in_a_name_never_reaches_a_mail_header(stack):
    c = stack.client("verified")
    email = f"{unique('crlf')}@example.com"
    r = c.post("/api/auth/register", json={"email": email, "password": PASSWORD, "confirmPassword": PASSWORD,
                                           "firstName": "Ana\r\nBcc: victim@example.com", "lastName": "X\nY"})
    assert r.status in (201, 400), r
    time.sleep(0.5)
    for m in stack.mails():
        assert m["Bcc"] is None and "victim@example.com" not in str(m["To"]), m
        for name, value in m.items():
            assert "\n" not in str(value) and "\r" not in str(value), (name, value)


def test_a_slash_filled_address_never_writes_outside_the_mail_directory(stack):
    """The dir transport names files itself: an address full of path syntax stays data."""
    c = stack.client("verified")
    email = f"a/b/../../../{unique('trav')}@example.com"
    r = c.post("/api/auth/register", json={"email": email, "password": PASSWORD, "confirmPassword": PASSWORD})
    assert r.status in (201, 400), r
    time.sleep(0.5)
    folder = os.path.join(stack.data, "mail")
    for root, dirs, files in os.walk(folder):
        assert root == folder and not dirs
        for name in files:
            assert re.fullmatch(r"[\w.-]+", name), name
    assert not [p for p in os.listdir(stack.dir) if p.endswith(".eml")]


@attacks_on([Storefront, Gateway])
def test_a_cookie_flood(contract, stack):
    cookies = "; ".join(f"c{i}=" + "v" * 20 for i in range(250))
    if contract.site == "storefront":
        c = contract.client
        r = c.request("POST", "/api/auth/refresh", headers={"Cookie": cookies + "; refreshToken=junk"})
    else:
        c = stack.client("gateway-cookie")
        r = c.request("GET", "/api/auth/me", headers={"Cookie": cookies + "; token=junk"})
    assert r.status == 401 and isinstance(r.json(), dict), r
    r = c.request("GET", "/api/auth/me", headers={"Cookie": "a=" + "v" * 40000})
    assert 400 <= r.status < 500 and isinstance(r.json(), dict), r


# --- races -----------------------------------------------------------------------------------------

def _race(calls, workers=64):
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda f: f(), calls))


@pytest.mark.parametrize("kind", PASSWORD_CONTRACTS, ids=lambda c: c.name)
def test_a_thousand_parallel_registrations_of_one_email(stack, kind):
    """On the default configuration: the email is claimed before the hash, so only the winner
    hashes and the crowd never reaches the hash queue (test_attack_bursts.py)."""
    contract = kind(stack)
    email = f"{unique('crowd')}@example.com"
    replies = _race([lambda i=i: contract.register(email.upper() if i % 2 else email) for i in range(1000)])
    statuses = [r.status for r in replies]
    assert statuses.count(201) == 1, sorted(set(statuses))
    assert statuses.count(contract.duplicate_status) == 999, sorted(set(statuses))
    assert contract.accounts_with(email) == 1
    if contract.site == "verified":
        with stack.db() as db:
            assert db.execute("SELECT COUNT(*) FROM outbox WHERE lower(recipient) = ?", (email.lower(),)).fetchone()[0] == 1


def test_a_thousand_parallel_cognito_sign_ups_of_one_email(stack):
    c = stack.client("booking")
    email = f"{unique('crowd')}@example.com"
    replies = _race([lambda: cognito(c, "SignUp", {"ClientId": "demo", "Username": email,
                                                   "UserAttributes": [{"Name": "email", "Value": email}]})
                     for _ in range(1000)])
    statuses = [r.status for r in replies]
    assert statuses.count(200) == 1, sorted(set(statuses))
    losers = [r.json()["__type"] for r in replies if r.status != 200]
    assert all(t.endswith("UsernameExistsException") for t in losers), set(losers)
