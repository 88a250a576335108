"""The storefront contract (seed 004) through nginx: two account types, rotating refresh tokens in
an HttpOnly cookie and nginx's per-IP login limit (the service's guess throttle: test_attack_guessing.py).

nginx allows 5 logins a minute per client address, so every login here comes from its own
loopback address (127.0.x.y): tests never throttle each other."""
import concurrent.futures
import itertools
import re
import time

import pytest

from conftest import Stack, age_rotations, unique

PASSWORD = "securePassword123"
_addresses = (f"127.0.{a}.{b}" for a, b in itertools.product(range(1, 250), range(2, 250)))


def fresh_ip():
    return next(_addresses)


def cookie_of(reply, name="refreshToken"):
    for value in reply.headers_named("Set-Cookie"):
        if value.startswith(name + "="):
            return value
    return None


def token_of(set_cookie):
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


def register_merchant(client, address=None, **fields):
    body = {"email": address or f"{unique('m')}@example.com", "password": PASSWORD, "storeName": "My Awesome Store"}
    body.update(fields)
    return client.post("/api/auth/merchant/register", json=body)


def register_customer(client, address=None, **fields):
    body = {"email": address or f"{unique('c')}@example.com", "password": PASSWORD,
            "firstName": "John", "lastName": "Doe"}
    body.update(fields)
    return client.post("/api/auth/customer/register", json=body)


def login(client, kind, address, password=PASSWORD, source=None):
    return client.post(f"/api/auth/{kind}/login", json={"email": address, "password": password},
                       source=source or fresh_ip())


def refresh(client, refresh_token, **headers):
    return client.request("POST", "/api/auth/refresh", headers=dict({"Cookie": f"refreshToken={refresh_token}"}, **headers))


# --- register, login, me ----------------------------------------------------------------------

def test_merchant_register_answers_201_with_the_seed_shape_and_the_refresh_cookie(storefront):
    address = f"{unique('m')}@example.com"
    r = register_merchant(storefront, address)
    assert r.status == 201
    body = r.json()
    assert set(body) == {"merchant", "accessToken"}
    assert re.fullmatch(r"[0-9a-f]{24}", body["merchant"]["id"])
    assert body["merchant"] == {"id": body["merchant"]["id"], "email": address, "storeName": "My Awesome Store"}
    cookie = cookie_of(r)
    assert re.fullmatch(r"refreshToken=[\w-]+\.[\w-]+\.[\w-]+; HttpOnly; Secure; SameSite=Strict; "
                        r"Path=/api/auth; Max-Age=604800", cookie)


def test_customer_register_and_login_answer_the_seed_shape(storefront):
    address = f"{unique('c')}@example.com"
    r = register_customer(storefront, address)
    assert r.status == 201
    customer = r.json()["customer"]
    assert customer == {"id": customer["id"], "email": address, "firstName": "John", "lastName": "Doe"}
    r = login(storefront, "customer", address)
    assert r.status == 200
    assert r.json()["customer"] == customer
    assert cookie_of(r)


def test_one_email_may_be_both_a_merchant_and_a_customer(storefront):
    address = f"{unique('both')}@example.com"
    m = register_merchant(storefront, address)
    c = register_customer(storefront, address)
    assert m.status == c.status == 201
    assert m.json()["merchant"]["id"] != c.json()["customer"]["id"]


def test_access_token_lasts_15_minutes_and_names_the_type(storefront):
    import base64, json as j
    token = register_merchant(storefront).json()["accessToken"]
    payload = j.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert payload["exp"] - payload["iat"] == 900
    assert payload["type"] == "merchant"


@pytest.mark.parametrize("kind,register", [("merchant", register_merchant), ("customer", register_customer)])
def test_me_answers_the_type_and_the_user(storefront, kind, register):
    r = register(storefront)
    user = r.json()[kind]
    me = storefront.get("/api/auth/me", headers={"Authorization": "Bearer " + r.json()["accessToken"]})
    assert me.status == 200 and me.json() == {"type": kind, "user": user}


def test_me_without_or_with_a_bad_token_is_401(storefront):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
        r = storefront.get("/api/auth/me", headers=headers)
        assert r.status == 401 and r.json() == {"message": "Not authenticated"}


def test_a_refresh_token_is_not_an_access_token(storefront):
    r = register_customer(storefront)
    me = storefront.get("/api/auth/me", headers={"Authorization": "Bearer " + token_of(cookie_of(r))})
    assert me.status == 401


def test_duplicate_email_in_the_same_namespace_is_409(storefront):
    address = f"{unique('dup')}@example.com"
    assert register_merchant(storefront, address).status == 201
    r = register_merchant(storefront, address.upper())
    assert r.status == 409 and r.json() == {"message": "Email already exists"}


@pytest.mark.parametrize("fields,errors", [
    ({"email": "bad", "password": PASSWORD, "storeName": "S"}, {"email": "Email must be a valid email address"}),
    ({"email": "a@example.com", "password": "short", "storeName": "S"}, {"password": "Password must be at least 8 characters"}),
    ({"email": "a@example.com", "password": PASSWORD, "storeName": ""}, {"storeName": "Store name is required"}),
    ({"email": "a@example.com", "password": PASSWORD, "storeName": "x" * 101}, {"storeName": "Store name must be at most 100 characters"}),
    ({}, {"email": "Email is required", "password": "Password is required", "storeName": "Store name is required"}),
])
def test_merchant_register_validation_is_400_with_an_errors_map(storefront, fields, errors):
    r = storefront.post("/api/auth/merchant/register", json=fields)
    assert r.status == 400 and r.json() == {"message": "Validation failed", "errors": errors}


def test_customer_register_validation_names_the_names(storefront):
    r = storefront.post("/api/auth/customer/register", json={"email": "a@example.com", "password": PASSWORD,
                                                             "firstName": "", "lastName": "y" * 51})
    assert r.json()["errors"] == {"firstName": "First name is required",
                                  "lastName": "Last name must be at most 50 characters"}


def test_wrong_password_and_unknown_email_are_the_same_401(storefront):
    address = f"{unique('pw')}@example.com"
    register_merchant(storefront, address)
    a = login(storefront, "merchant", address, "wrong-password")
    b = login(storefront, "merchant", f"{unique('nobody')}@example.com")
    assert a.status == b.status == 401
    assert a.body == b.body and a.json() == {"message": "Invalid credentials"}


def test_a_customer_cannot_log_in_as_a_merchant(storefront):
    address = f"{unique('cust')}@example.com"
    register_customer(storefront, address)
    assert login(storefront, "merchant", address).status == 401


# --- refresh ----------------------------------------------------------------------------------

def test_refresh_rotates_the_cookie_and_the_old_token_stops_working_after_the_grace(stack, storefront):
    r = register_customer(storefront)
    first = token_of(cookie_of(r))
    r2 = refresh(storefront, first)
    assert r2.status == 200 and set(r2.json()) == {"accessToken"}
    second = token_of(cookie_of(r2))
    assert second != first
    me = storefront.get("/api/auth/me", headers={"Authorization": "Bearer " + r2.json()["accessToken"]})
    assert me.status == 200
    r3 = refresh(storefront, second)
    assert r3.status == 200
    assert refresh(storefront, first).status == 200  # inside the grace (10 s): the one successor
    age_rotations(stack, 3600)
    assert refresh(storefront, first).status == 401  # after it, never again


def test_refresh_without_a_cookie_or_with_garbage_is_401(storefront):
    r = storefront.request("POST", "/api/auth/refresh")
    assert r.status == 401 and r.json() == {"message": "Invalid or expired refresh token"}
    r = refresh(storefront, "garbage")
    assert r.status == 401


def test_an_access_token_is_not_a_refresh_token(storefront):
    r = register_customer(storefront)
    assert refresh(storefront, r.json()["accessToken"]).status == 401


def test_two_tabs_racing_with_one_token_both_get_the_same_successor(storefront):
    first = token_of(cookie_of(register_customer(storefront)))
    a = refresh(storefront, first)
    b = refresh(storefront, first)  # within the grace window: the other tab
    assert a.status == b.status == 200
    assert token_of(cookie_of(a)) == token_of(cookie_of(b))  # one chain, no sibling
    assert a.json()["accessToken"] != b.json()["accessToken"]  # each tab its own access token
    assert refresh(storefront, token_of(cookie_of(b))).status == 200


def test_many_concurrent_refreshes_of_one_token_never_fail_with_5xx(storefront):
    first = token_of(cookie_of(register_customer(storefront)))
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        replies = list(pool.map(lambda _: refresh(storefront, first), range(32)))
    statuses = {r.status for r in replies}
    assert statuses <= {200}, [r for r in replies if r.status != 200][:3]
    tokens = {token_of(cookie_of(r)) for r in replies}
    assert len(tokens) == 1  # all got the one successor of the family


REFRESH_LIFETIME = 10


@pytest.fixture(scope="module")
def short_lived():
    """A stack whose refresh families live REFRESH_LIFETIME seconds, to see them end."""
    s = Stack({"refresh_lifetime": str(REFRESH_LIFETIME)}).start()
    yield s
    s.stop()
    s.cleanup()


def reuse_revocations(stack):
    with stack.db() as db:
        return db.execute("SELECT COUNT(*) FROM refresh_families WHERE revoked_reason = 'reuse'"
                          ).fetchone()[0]


def test_reuse_after_the_grace_window_revokes_the_whole_family(stack, storefront):
    first = token_of(cookie_of(register_customer(storefront)))
    second = token_of(cookie_of(refresh(storefront, first)))
    before = reuse_revocations(stack)
    age_rotations(stack, 3600)  # the grace (10 s) has passed
    reused = refresh(storefront, first)
    assert reused.status == 401
    assert cookie_of(reused).endswith("Max-Age=0")
    assert refresh(storefront, second).status == 401  # the thief's copy and the user's both die
    assert reuse_revocations(stack) == before + 1


def test_a_family_dies_at_its_absolute_lifetime_whatever_the_rotations(short_lived):
    c = short_lived.client("storefront")
    started = time.monotonic()
    token = token_of(cookie_of(register_customer(c)))
    statuses = []
    while time.monotonic() < started + REFRESH_LIFETIME + 30:
        r = refresh(c, token)
        statuses.append(r.status)
        if r.status != 200:
            break
        token = token_of(cookie_of(r))
        time.sleep(0.5)
    lived = time.monotonic() - started
    # Rotated on every half second, and still it ended (the lifetime counts in whole seconds).
    assert statuses[0] == 200 and statuses[-1] == 401, statuses
    assert statuses.count(200) >= 2 and lived >= REFRESH_LIFETIME - 1, (statuses, lived)
    with short_lived.db() as db:  # ended by its lifetime, not revoked; and the lifetime is the setting
        rows = db.execute("SELECT revoked_at, expires_at - created_at FROM refresh_families").fetchall()
    assert [tuple(r) for r in rows] == [(None, REFRESH_LIFETIME)], [tuple(r) for r in rows]


def test_logout_revokes_the_family_and_clears_the_cookie(storefront):
    token = token_of(cookie_of(register_customer(storefront)))
    r = storefront.request("POST", "/api/auth/logout", headers={"Cookie": f"refreshToken={token}"})
    assert r.status == 200 and r.json() == {"message": "Logged out successfully"}
    assert cookie_of(r) == "refreshToken=; HttpOnly; Secure; SameSite=Strict; Path=/api/auth; Max-Age=0"
    assert refresh(storefront, token).status == 401


def test_logout_without_a_cookie_is_still_200(storefront):
    r = storefront.request("POST", "/api/auth/logout")
    assert r.status == 200 and r.json() == {"message": "Logged out successfully"}


def test_refresh_from_a_foreign_origin_is_refused(storefront):
    token = token_of(cookie_of(register_customer(storefront)))
    r = refresh(storefront, token, Origin="https://evil.example")
    assert r.status == 403
    assert refresh(storefront, token).status == 200  # not spent by the refused attempt


# --- brute force ------------------------------------------------------------------------------

def test_the_sixth_login_in_a_minute_from_one_ip_is_429_from_nginx(storefront):
    """5 a minute with a burst of 4 (nginx's leaky bucket: one more every 12 s). Each login hashes
    a password, so on a busy machine the sixth may come after the bucket let one more through: the
    refusal must come by then, however long the logins took."""
    ip = fresh_ip()
    started, replies = time.monotonic(), []
    for kind in ["merchant", "customer"] * 6:
        replies.append(login(storefront, kind, f"{unique('rl')}@example.com", source=ip))
        if replies[-1].status == 429:
            break
    drained = int((time.monotonic() - started) // 12) + 1
    assert [r.status for r in replies[:-1]] == [401] * (len(replies) - 1), replies
    assert 5 <= len(replies) - 1 <= 5 + drained, (len(replies), drained)
    refused = replies[-1]
    assert refused.status == 429, refused
    assert refused.json() == {"message": "Too many login attempts, try again later"}
    assert refused.header("Retry-After") == "60"
    assert refused.header("Content-Type") == "application/json"
    assert login(storefront, "merchant", "x@example.com", source=fresh_ip()).status == 401  # other IPs unaffected


# The service's own per-account and per-network guess throttle (core/auth/throttle.hpp) is proven for
# both account types in test_attack_guessing.py.


# --- imported hashes --------------------------------------------------------------------------

def test_an_imported_bcrypt_hash_logs_in_and_is_upgraded_to_argon2id(stack, storefront):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt  # libxcrypt's bcrypt: a real implementation, as the seed's old backend used
        bcrypt_hash = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=4096))
    assert bcrypt_hash.startswith("$2b$12$")
    address = f"{unique('bc')}@example.com"
    register_merchant(storefront, address, password="placeholder-pass")
    rw = stack.db(writable=True)
    rw.execute("UPDATE accounts SET password_hash = ? WHERE email = ?", (bcrypt_hash, address))
    rw.commit()
    rw.close()
    assert login(storefront, "merchant", address, "wrong-password").status == 401
    r = login(storefront, "merchant", address)
    assert r.status == 200
    with stack.db() as db:
        stored = db.execute("SELECT password_hash FROM accounts WHERE email = ?", (address,)).fetchone()[0]
    assert stored.startswith("$argon2id$")
    assert login(storefront, "merchant", address).status == 200


def test_unknown_paths_and_methods_are_json(storefront):
    r = storefront.get("/api/auth/nope")
    assert r.status == 404 and r.json() == {"message": "Not Found"}
    r = storefront.get("/api/auth/refresh")
    assert r.status == 405 and r.header("Allow") == "POST"
