"""Attacks on passkeys (WebAuthn), on every password contract through nginx, with a software
authenticator that bends one rule at a time (passkey_support.py): an assertion replayed, a
challenge never issued or issued by another site, another origin or RP ID, a tampered signature,
a registration's client data offered as an assertion's, another account's user handle, an
unknown credential, a cloned authenticator whose counter went back, one credential registered to
two accounts, and a cookie session adding a passkey from a foreign page. Each is refused in the
contract's own shape and changes nothing (docs/security.md, "Passkeys (WebAuthn)")."""
import pytest

from account_support import ADAPTERS, FOREIGN, OLD
from conftest import running
from passkey_support import Authenticator, b64url


@pytest.fixture(scope="module")
def stack():
    yield from running()


@pytest.fixture(params=list(ADAPTERS))
def site(request, stack):
    return ADAPTERS[request.param](stack)


def signed_in_account(site):
    email = site.new_account()
    return email, site.sign_in(email)


def test_a_credential_registers_once_per_site(site):
    _, first = signed_in_account(site)
    key = Authenticator(site.origin())
    assert site.add_passkey(first, key).status == 201
    _, second = signed_in_account(site)
    options = site.passkeys(second, "register/options", {"password": OLD}).json()
    again = key.create(options, credential=key.credentials[0], keep=False)
    r = site.passkeys(second, "register", {"credential": again})
    assert r.status == 409 and r.json() == site.error_body(
        409, "This passkey is registered already"), r


def test_sign_in_refusals(site):
    email, session = signed_in_account(site)
    key = Authenticator(site.origin())
    assert site.add_passkey(session, key).status == 201
    refused = site.error_body(401, "Passkey sign-in failed")
    expired = site.error_body(401, "Invalid or expired passkey challenge: start again")

    options = site.passkey_options()
    good = key.get(options)
    assert site.passkey_login(good).status == 200
    r = site.passkey_login(good)  # replayed: the ceremony was taken
    assert r.status == 401 and r.json() == expired, r
    r = site.passkey_login(key.get({"challenge": b64url(b"\x01" * 32)}))  # never issued
    assert r.status == 401 and r.json() == expired, r

    for bend in ({"origin": FOREIGN}, {"rp_id": "evil.example"}, {"tamper": True},
                 {"kind": "webauthn.create"}, {"user_handle": b"someone-else"}):
        r = site.passkey_login(key.get(site.passkey_options(), **bend))
        assert r.status == 401 and r.json() == refused, (bend, r)
    unknown = Authenticator(site.origin())
    unknown.create({"challenge": b64url(b"\0" * 32), "user": {"id": b64url(b"x")}})
    r = site.passkey_login(unknown.get(site.passkey_options()))
    assert r.status == 401 and r.json() == refused, r
    for bad in ({}, {"credential": None}, {"credential": []},
                {"credential": {"rawId": "AA", "response": {"clientDataJSON": "e30"}}}):
        r = site.passkeys(None, "login", bad)
        assert r.status in (400, 422), (bad, r)
    # Still the owner's, and still working.
    assert site.passkey_login(key.get(site.passkey_options())).status == 200


def test_a_cloned_authenticator_is_refused_and_audited(site):
    email, session = signed_in_account(site)
    key = Authenticator(site.origin())
    assert site.add_passkey(session, key).status == 201
    for _ in range(3):
        assert site.passkey_login(key.get(site.passkey_options())).status == 200
    # A copy of the key, behind on its counter.
    r = site.passkey_login(key.get(site.passkey_options(), counter=2))
    assert r.status == 401 and r.json() == site.error_body(401, "Passkey sign-in failed"), r
    with site.stack.db() as db:
        [(count,)] = db.execute("SELECT sign_count FROM passkeys WHERE account_id = ?",
                                (site.account_id(email),)).fetchall()
        [(cloned,)] = db.execute(
            "SELECT COUNT(*) FROM audit_events WHERE event = 'passkey.cloned' AND account_id = ?",
            (site.account_id(email),)).fetchall()
    assert count == 3 and cloned == 1


def test_another_sites_challenge_does_not_open_this_one(stack):
    gateway, fastapi = ADAPTERS["gateway"](stack), ADAPTERS["fastapi"](stack)
    _, session = signed_in_account(gateway)
    key = Authenticator(gateway.origin())
    assert gateway.add_passkey(session, key).status == 201
    theirs = fastapi.passkey_options()
    r = gateway.passkey_login(key.get(theirs))
    assert r.status == 401, r
    assert r.json() == gateway.error_body(401, "Invalid or expired passkey challenge: start again")


def test_a_cookie_session_cannot_add_a_passkey_from_another_origin(stack):
    site = ADAPTERS["gateway-cookie"](stack)
    _, session = signed_in_account(site)
    for action, body in (("register/options", {"password": OLD}), ("delete", {"id": "1"})):
        r = site.passkeys(session, action, body, headers={"Origin": FOREIGN})
        assert r.status == 403, (action, r)
