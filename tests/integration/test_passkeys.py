"""Passkeys (WebAuthn) on every password contract (gateway with the token in the body and in its
cookie, fastapi, verified, storefront's merchants and customers), through nginx, with a software
authenticator that makes real keys and real CBOR (passkey_support.py): registering after the
password, the options' shape, listing, deleting, signing in with a discoverable credential in
each contract's own login answer, the three algorithms, a passkey without user verification
meeting the authenticator app, and the refusals in each contract's shape (docs/contracts.md,
"Passkeys")."""
import pytest

from account_support import ADAPTERS, FOREIGN, OLD
from conftest import running
from passkey_support import Authenticator, unb64url
from totp_support import enrol


@pytest.fixture(scope="module")
def stack():
    yield from running()


@pytest.fixture(params=list(ADAPTERS))
def site(request, stack):
    return ADAPTERS[request.param](stack)


def signed_in_account(site):
    email = site.new_account()
    return email, site.sign_in(email)


def test_register_list_and_sign_in_with_a_passkey(site):
    email, session = signed_in_account(site)
    r = site.passkeys(session)
    assert r.status == 200 and r.json() == {"passkeys": []}, r

    r = site.passkeys(session, "register/options", {"password": OLD})
    assert r.status == 200 and r.header("Cache-Control") == "no-store", r
    options = r.json()
    assert options["rp"] == {"id": "localhost", "name": site.site_name()}
    user_id = unb64url(options["user"]["id"])
    assert email.encode() not in user_id and len(user_id) >= 16  # opaque, never the email
    assert options["user"]["name"] == email
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-8, -7, -257]
    assert options["authenticatorSelection"] == {
        "residentKey": "required", "requireResidentKey": True, "userVerification": "preferred"}
    assert options["attestation"] == "none" and options["excludeCredentials"] == []
    assert options["timeout"] == 300000 and len(unb64url(options["challenge"])) == 32

    phone = Authenticator(site.origin())
    credential = phone.create(options)
    r = site.passkeys(session, "register", {"credential": credential, "name": "My phone"})
    assert r.status == 201, r
    added = r.json()
    assert added == {"id": added["id"], "name": "My phone",
                     site.passkey_name("created_at"): added[site.passkey_name("created_at")],
                     site.passkey_name("last_used_at"): None,
                     site.passkey_name("backed_up"): False}, added
    r = site.passkeys(session)
    assert r.status == 200 and r.json() == {"passkeys": [added]}, r
    [notice] = site.stack.wait_for_mail(email, subject="A passkey was added to your account")
    assert "signs in without the password" in notice.get_body(("plain",)).get_content()

    # The next registration excludes it, so the authenticator never makes a second one.
    r = site.passkeys(session, "register/options", {"password": OLD})
    assert r.json()["excludeCredentials"] == [{"type": "public-key", "id": credential["id"]}]

    # Signing in: options without any account named, then the assertion.
    options = site.passkey_options()
    assert set(options) == {"challenge", "rpId", "timeout", "userVerification", "allowCredentials"}
    assert options["rpId"] == "localhost" and options["allowCredentials"] == []
    assert options["userVerification"] == "preferred"
    r = site.passkey_login(phone.get(options))
    assert r.status == 200, r
    assert site.me(site.session_of(r)).status == 200
    listed = site.passkeys(session).json()["passkeys"][0]
    assert listed[site.passkey_name("last_used_at")] is not None

    with site.stack.db() as db:
        [(stored_id, count, alg)] = db.execute(
            "SELECT credential_id, sign_count, algorithm FROM passkeys WHERE account_id = ?",
            (site.account_id(email),)).fetchall()
        [(begun,)] = db.execute("SELECT COUNT(*) FROM webauthn_challenges WHERE account_id = ?",
                                (site.account_id(email),)).fetchall()
    assert stored_id == credential["id"] and count == 1 and alg == -8
    assert begun == 1  # the second registration's ceremony, still open; the first was taken


def test_sign_in_with_each_algorithm(site):
    _, session = signed_in_account(site)
    for alg in (-7, -257):
        key = Authenticator(site.origin())
        r = site.add_passkey(session, key, alg=alg)
        assert r.status == 201, r
        r = site.passkey_login(key.get(site.passkey_options()))
        assert r.status == 200, (alg, r)


def test_a_passkey_without_user_verification_meets_the_authenticator_app(site):
    email, session = signed_in_account(site)
    key = Authenticator(site.origin())
    assert site.add_passkey(session, key, uv=False).status == 201
    # No app: a passkey alone signs in, verified or not.
    assert site.passkey_login(key.get(site.passkey_options(), uv=False)).status == 200
    _, recovery_codes, _ = enrol(site, session)
    # With an app: a verified passkey is two factors; an unverified one is one, like a password.
    assert site.passkey_login(key.get(site.passkey_options(), uv=True)).status == 200
    r = site.passkey_login(key.get(site.passkey_options(), uv=False))
    assert r.status == 200 and r.json()[site.name("required")] is True, r
    r = site.second_factor(r.json()[site.name("challenge")], recovery_codes[0])
    assert r.status == 200 and site.me(site.session_of(r)).status == 200, r


def test_delete_a_passkey(site):
    email, session = signed_in_account(site)
    key = Authenticator(site.origin())
    added = site.add_passkey(session, key).json()
    other_email, other = signed_in_account(site)
    # Another account's passkey id is not found, as an unknown one is.
    for body in ({"id": added["id"]}, {"id": "999999999"}, {"id": "x1"}):
        r = site.passkeys(other, "delete", body)
        assert r.status == 404 and r.json() == site.error_body(404, "Passkey not found"), (body, r)
    assert site.passkeys(session).json()["passkeys"] == [added]
    r = site.passkeys(session, "delete", {"id": added["id"]})
    assert r.status == 200 and r.json() == {"message": "Passkey removed"}, r
    assert site.passkeys(session).json() == {"passkeys": []}
    site.stack.wait_for_mail(email, subject="A passkey was removed from your account")
    r = site.passkey_login(key.get(site.passkey_options()))
    assert r.status == 401 and r.json() == site.error_body(401, "Passkey sign-in failed"), r


def test_registration_refusals(site):
    email, session = signed_in_account(site)
    r = site.passkeys(session, "register/options", {"password": "Wrong-password-1"})
    assert r.status == 400 and r.json() == site.delete_refused_body, r
    r = site.passkeys(None, "register/options", {"password": OLD})
    assert r.status == 401 and r.json() == site.unauthenticated_body, r

    key = Authenticator(site.origin())
    options = site.passkeys(session, "register/options", {"password": OLD}).json()
    for bad in ({}, {"credential": "text"}, {"credential": {"id": "x", "response": {}}},
                {"credential": {"rawId": "!!", "response": {"clientDataJSON": "e30",
                                                            "attestationObject": "oA"}}}):
        r = site.passkeys(session, "register", bad)
        assert r.status in (400, 422), (bad, r)
    # Each ceremony answers once; a wrong origin or RP ID uses it up and is refused.
    wrong_origin = key.create(options, origin=FOREIGN)
    r = site.passkeys(session, "register", {"credential": wrong_origin})
    assert r.status == 400 and r.json() == site.error_body(400, "The passkey could not be verified")
    r = site.passkeys(session, "register", {"credential": key.create(options)})
    assert r.status == 400, r
    assert r.json() == site.error_body(400, "Invalid or expired passkey challenge: start again")
    options = site.passkeys(session, "register/options", {"password": OLD}).json()
    r = site.passkeys(session, "register", {"credential": key.create(options, rp_id="evil.example")})
    assert r.status == 400 and r.json() == site.error_body(400, "The passkey could not be verified")
    options = site.passkeys(session, "register/options", {"password": OLD}).json()
    r = site.passkeys(session, "register", {"credential": key.create(options, kind="webauthn.get")})
    assert r.status == 400, r
    assert site.passkeys(session).json() == {"passkeys": []}

    # Another account's ceremony is not this one's.
    _, other = signed_in_account(site)
    theirs = site.passkeys(other, "register/options", {"password": OLD}).json()
    r = site.passkeys(session, "register", {"credential": key.create(theirs)})
    assert r.status == 400, r
    assert site.passkeys(other).json() == {"passkeys": []}


def test_twenty_passkeys_per_account(stack):
    site = ADAPTERS["fastapi"](stack)
    _, session = signed_in_account(site)
    key = Authenticator(site.origin())
    for _ in range(20):
        assert site.add_passkey(session, key).status == 201
    r = site.add_passkey(session, key)
    assert r.status == 409 and r.json() == {"detail": "Too many passkeys: remove one first"}, r
    assert len(site.passkeys(session).json()["passkeys"]) == 20


def test_deleting_the_account_removes_its_passkeys(stack):
    site = ADAPTERS["gateway"](stack)
    email, session = signed_in_account(site)
    key = Authenticator(site.origin())
    assert site.add_passkey(session, key).status == 201
    account_id = site.account_id(email)
    assert site.delete(session).status == 200
    with site.stack.db() as db:
        [(left,)] = db.execute("SELECT COUNT(*) FROM passkeys WHERE account_id = ?",
                               (account_id,)).fetchall()
    assert left == 0
    r = site.passkey_login(key.get(site.passkey_options()))
    assert r.status == 401, r
