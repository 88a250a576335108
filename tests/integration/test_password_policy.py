"""New passwords that are among the most common (the built-in list) or in the local
breached-password store are refused at register and reset, in each contract's validation shape;
sign-in is never refused for them. A confirmPassword mismatch is listed beside the password's own
issue."""
import hashlib

import pytest

from conftest import mailed_token, running, unique, verify_call

UNCOMMON = "uncommon-pass-123"
COMMON = "Baseball1"  # "baseball1" is on the list: compared lower-cased
BREACHED = "Breached-but-rare-77"  # not on the list; put in the store by the fixture
LATER = "Breached-later-88"  # in the store only after its account exists

GATEWAY_SAYS = "Password is too common; choose one that is harder to guess."
SENTENCE = "Password is too common; choose one that is harder to guess"
FASTAPI_SAYS = [{"loc": ["body", "password"], "msg": "password is too common", "type": "value_error"}]


def put_in_store(directory, password, count=3):
    digest = hashlib.sha1(password.encode()).hexdigest().upper()
    with open(directory / digest[:5], "a") as f:
        f.write(f"0000000000000000000000000000000000A:1\r\n{digest[5:]}:{count}\r\n")


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("breached")
    put_in_store(directory, BREACHED)
    return directory


@pytest.fixture(scope="module")
def stack(store_dir):
    yield from running({"breached_passwords_dir": str(store_dir)})


def accounts_with(stack, email):
    with stack.db() as db:
        return db.execute("SELECT COUNT(*) FROM accounts WHERE email = ?", (email,)).fetchone()[0]


# Each contract's register: (site, path, body for an email and a password, status, body refused).
REGISTER = {
    "gateway": ("gateway", "/api/auth/register",
                lambda e, p: {"firstName": "Ada", "lastName": "L", "email": e, "password": p},
                400, {"error": "Validation failed", "details": {"password": GATEWAY_SAYS}}),
    "fastapi": ("fastapi", "/api/auth/register",
                lambda e, p: {"username": e.split("@")[0], "email": e, "password": p},
                422, {"detail": FASTAPI_SAYS}),
    "verified": ("verified", "/api/auth/register",
                 lambda e, p: {"email": e, "password": p, "confirmPassword": p},
                 400, {"message": "Validation failed", "details": {"password": SENTENCE},
                       "errors": {"password": SENTENCE}}),
    "storefront-merchant": ("storefront", "/api/auth/merchant/register",
                            lambda e, p: {"email": e, "password": p, "storeName": "Shop"},
                            400, {"message": "Validation failed", "errors": {"password": SENTENCE}}),
    "storefront-customer": ("storefront", "/api/auth/customer/register",
                            lambda e, p: {"email": e, "password": p, "firstName": "A", "lastName": "B"},
                            400, {"message": "Validation failed", "errors": {"password": SENTENCE}}),
}


@pytest.mark.parametrize("contract", sorted(REGISTER))
@pytest.mark.parametrize("password", [COMMON, "PASSWORD", "qwerty123", BREACHED])
def test_register_refuses_a_common_or_breached_password_in_the_contracts_shape(stack, contract, password):
    site, path, body, status, refused = REGISTER[contract]
    email = f"{unique('pw')}@example.com"
    r = stack.client(site).post(path, json=body(email, password))
    assert r.status == status, r
    assert r.json() == refused
    assert accounts_with(stack, email) == 0


@pytest.mark.parametrize("contract", sorted(REGISTER))
def test_register_accepts_an_uncommon_password(stack, contract):
    site, path, body, _, _ = REGISTER[contract]
    email = f"{unique('ok')}@example.com"
    r = stack.client(site).post(path, json=body(email, UNCOMMON))
    assert r.status == 201, r
    assert accounts_with(stack, email) == 1


def test_a_short_password_is_refused_as_short_before_it_is_common(stack):
    r = stack.client("gateway").post("/api/auth/register", json={
        "firstName": "A", "lastName": "B", "email": f"{unique('s')}@example.com", "password": "123456"})
    assert r.status == 400
    assert r.json() == {"error": "Validation failed",
                        "details": {"password": "Password must be at least 8 characters."}}


def test_an_account_whose_password_became_breached_still_signs_in_but_none_may_take_it(stack, store_dir):
    gateway = stack.client("gateway")
    email = f"{unique('later')}@example.com"
    r = gateway.post("/api/auth/register", json={"firstName": "A", "lastName": "B", "email": email,
                                                 "password": LATER})
    assert r.status == 201
    put_in_store(store_dir, LATER)  # read on each check: no restart needed
    r = gateway.post("/api/auth/login", json={"email": email, "password": LATER})
    assert r.status == 200 and r.json()["token"]
    r = gateway.post("/api/auth/register", json={"firstName": "A", "lastName": "B",
                                                 "email": f"{unique('later')}@example.com", "password": LATER})
    assert r.status == 400
    assert r.json() == {"error": "Validation failed", "details": {"password": GATEWAY_SAYS}}


def test_a_store_entry_with_count_zero_is_padding_not_a_breach(stack, store_dir):
    padded = "Padded-entry-only-99"
    put_in_store(store_dir, padded, count=0)
    r = stack.client("gateway").post("/api/auth/register", json={
        "firstName": "A", "lastName": "B", "email": f"{unique('pad')}@example.com", "password": padded})
    assert r.status == 201, r


# --- verified's reset, and every bad field at once ---------------------------------------------

def reset_token(stack, verified):
    email = f"{unique('rs')}@example.com"
    assert verified.post("/api/auth/register", json={"email": email, "password": UNCOMMON,
                                                     "confirmPassword": UNCOMMON}).status == 201
    [mail] = stack.wait_for_mail(email)
    assert verified.get(verify_call(mail)).status == 200
    assert verified.post("/api/auth/forgot", json={"email": email}).status == 200
    return email, mailed_token(stack.wait_for_mail(email, count=2)[-1])


@pytest.mark.parametrize("password", [COMMON, BREACHED])
def test_reset_refuses_a_common_or_breached_password_and_keeps_the_token(stack, password):
    verified = stack.client("verified")
    email, token = reset_token(stack, verified)
    r = verified.post("/api/auth/reset", json={"token": token, "password": password,
                                               "confirmPassword": password})
    assert r.status == 400
    assert r.json() == {"message": "Validation failed", "details": {"password": SENTENCE},
                        "errors": {"password": SENTENCE}}
    # Nothing was spent: the same link sets an uncommon password.
    r = verified.post("/api/auth/reset", json={"token": token, "password": "fresh-rare-pass-1",
                                               "confirmPassword": "fresh-rare-pass-1"})
    assert r.status == 200 and r.json() == {"message": "Password has been reset"}
    r = verified.post("/api/auth/login", json={"email": email, "password": "fresh-rare-pass-1"})
    assert r.status == 200


@pytest.mark.parametrize("path", ["/api/auth/register", "/api/auth/reset"])
@pytest.mark.parametrize("password,says", [
    ("short", "Password must be at least 8 characters"),
    (COMMON, SENTENCE),
])
def test_verified_lists_a_mismatch_beside_the_passwords_own_issue(stack, path, password, says):
    body = {"password": password, "confirmPassword": password + "-other"}
    body.update({"email": f"{unique('mm')}@example.com"} if path.endswith("register") else {"token": "nope"})
    r = stack.client("verified").post(path, json=body)
    fields = {"password": says, "confirmPassword": "Passwords do not match"}
    assert r.status == 400
    assert r.json() == {"message": "Validation failed", "details": fields, "errors": fields}
