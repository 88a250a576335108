"""Signing choices through real nginx: an EdDSA site publishes its keys at /.well-known/jwks.json
and an independent library (jose, from npm) verifies its tokens with them; an HS256 site publishes
nothing; `latchkey key rotate` on a running service brings a new kid while tokens of the old key
keep working; the service refuses tokens of a key it no longer lists."""
import base64
import json
import time

import pytest

from conftest import Stack, unique
from node_support import run_node

PASSWORD = "signing-password-1"


@pytest.fixture(scope="module")
def stack():
    s = Stack({"eddsa_sites": "fastapi, storefront"}).start()
    try:
        yield s
    finally:
        s.stop()
        s.cleanup()


def header_of(token):
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def fastapi_token(stack, email):
    c = stack.client("fastapi")
    r = c.post("/api/auth/token", json={"email": email, "password": PASSWORD})
    assert r.status == 200, r
    return r.json()["access_token"]


def fastapi_user(stack):
    email = f"{unique('ed')}@example.com"
    r = stack.client("fastapi").post(
        "/api/auth/register", json={"username": unique("ed"), "email": email, "password": PASSWORD})
    assert r.status == 201, r
    return email


def me(stack, token):
    return stack.client("fastapi").get("/api/auth/me", headers={"Authorization": "Bearer " + token})


def admin(stack, *args):
    return stack.cli(*args).stdout


def test_an_eddsa_site_signs_eddsa_and_publishes_only_public_keys(stack):
    token = fastapi_token(stack, fastapi_user(stack))
    header = header_of(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "JWT"
    r = stack.client("fastapi").get("/.well-known/jwks.json")
    assert r.status == 200 and r.header("Content-Type").startswith("application/json")
    assert "max-age" in r.header("Cache-Control")
    keys = r.json()["keys"]
    assert [k["kid"] for k in keys] == [header["kid"]]
    key = keys[0]
    assert key == {"kty": "OKP", "crv": "Ed25519", "x": key["x"], "kid": header["kid"],
                   "alg": "EdDSA", "use": "sig"}
    assert len(base64.urlsafe_b64decode(key["x"] + "=")) == 32
    assert "d" not in key  # never the private part
    assert me(stack, token).status == 200


def test_an_hs256_site_publishes_no_key_and_its_tokens_stay_hs256(stack):
    c = stack.client("gateway")
    r = c.get("/.well-known/jwks.json")
    assert r.status == 200 and r.json() == {"keys": []}
    r = c.post("/.well-known/jwks.json", json={})
    assert r.status == 405 and r.header("Allow") == "GET"


def test_rotation_on_a_running_service_and_jose_verifies_every_token(stack):
    email = fastapi_user(stack)
    before = fastapi_token(stack, email)
    listed = json.loads(admin(stack, "key", "list", "--site", "fastapi", "--json"))
    assert listed[0]["kid"] == header_of(before)["kid"] and listed[0]["status"] == "current"
    rotated = json.loads(admin(stack, "key", "rotate", "--site", "fastapi", "--json"))[0]
    assert rotated["alg"] == "EdDSA" and rotated["kid"] != header_of(before)["kid"]
    # The service picks the new key up within seconds (it re-reads the versions every 5 s).
    deadline = time.time() + 15
    after = fastapi_token(stack, email)
    while header_of(after)["kid"] != rotated["kid"]:
        assert time.time() < deadline, "the service kept signing with the retired key"
        time.sleep(0.5)
        after = fastapi_token(stack, email)
    assert me(stack, before).status == 200, "a token of the retired key verifies until it expires"
    assert me(stack, after).status == 200
    kids = [k["kid"] for k in stack.client("fastapi").get("/.well-known/jwks.json").json()["keys"]]
    assert kids == [rotated["kid"], header_of(before)["kid"]]
    run_node("jwks.test.mjs", stack,
             LATCHKEY_SITE_URL=f"http://127.0.0.1:{stack.ports['fastapi']}",
             LATCHKEY_TOKENS=json.dumps([before, after]), LATCHKEY_AUDIENCE="fastapi")
    audit = json.loads(admin(stack, "audit", "--event", "admin.key.rotate", "--json"))
    assert audit and audit[0]["site"] == "fastapi"


def test_storefront_refresh_tokens_and_access_tokens_are_eddsa(stack):
    c = stack.client("storefront")
    email = f"{unique('sf')}@example.com"
    r = c.post("/api/auth/customer/register", json={
        "email": email, "password": PASSWORD, "firstName": "Ed", "lastName": "Dsa"},
        headers={"Origin": f"http://127.0.0.1:{stack.ports['storefront']}"})
    assert r.status == 201, r
    assert header_of(r.json()["accessToken"])["alg"] == "EdDSA"
    assert header_of(r.cookie("refreshToken"))["alg"] == "EdDSA"


def test_a_token_naming_an_unknown_newer_version_is_refused(stack):
    token = fastapi_token(stack, fastapi_user(stack))
    h, p, s = token.split(".")
    forged = dict(header_of(token), kid="99-0123456789abcdef")
    forged_h = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert me(stack, f"{forged_h}.{p}.{s}").status == 401
