"""The gateway contract (seed 001) through nginx: body delivery (8001-style site), cookie delivery
(its twin), nginx as the gateway (503 body, CORS), and the 500 body on a store failure."""
import datetime
import json
import re

import pytest

from conftest import BACKEND, FRONTEND_ORIGIN, Stack, unique

PASSWORD = "hunter2hunter2"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def register(client, email=None, **override):
    body = {"firstName": "John", "lastName": "Doe", "email": email or f"{unique('gw')}@example.com",
            "password": PASSWORD}
    body.update(override)
    return client.post("/api/auth/register", json=body), body


def login(client, email, password=PASSWORD, **headers):
    return client.request("POST", "/api/auth/login", json_body={"email": email, "password": password},
                          headers=headers)


def cookie_value(reply):
    [set_cookie] = [v for v in reply.headers_named("Set-Cookie") if v.startswith("token=")]
    return set_cookie, set_cookie.split(";", 1)[0].split("=", 1)[1]


# --- the seed's fetch examples, from the configured origin, in both modes ----------------------

def test_the_seeds_register_example_from_the_frontend_origin(gateway, gateway_cookie):
    for client in (gateway, gateway_cookie):
        email = f"{unique('seed')}@example.com"
        r = client.request("POST", "/api/auth/register", headers={"Content-Type": "application/json",
                                                                   "Origin": FRONTEND_ORIGIN},
                           body=json.dumps({"firstName": "John", "lastName": "Doe", "email": email,
                                            "password": PASSWORD}))
        assert r.status == 201
        assert r.json()["message"] == "Registration successful" and UUID.fullmatch(r.json()["user_id"])
        assert r.header("Access-Control-Allow-Origin") == FRONTEND_ORIGIN
        assert r.header("Access-Control-Allow-Credentials") == "true"
        # The seed's own example password (7 characters) is the seed's validation example.
        r = client.post("/api/auth/register", json={"firstName": "John", "lastName": "Doe",
                                                    "email": f"{unique('s')}@example.com", "password": "hunter2"})
        assert r.status == 400
        assert r.json() == {"error": "Validation failed",
                            "details": {"password": "Password must be at least 8 characters."}}


def test_the_seeds_login_example_in_body_mode(gateway):
    r, body = register(gateway)
    r = login(gateway, body["email"], Origin=FRONTEND_ORIGIN)
    assert r.status == 200 and r.header("Access-Control-Allow-Origin") == FRONTEND_ORIGIN
    out = r.json()
    assert set(out) == {"token", "user"}
    assert out["user"] == {"id": out["user"]["id"], "firstName": "John", "lastName": "Doe", "email": body["email"]}
    assert UUID.fullmatch(out["user"]["id"])
    assert not r.headers_named("Set-Cookie")


def test_the_seeds_login_example_in_cookie_mode(gateway_cookie):
    r, body = register(gateway_cookie)
    r = login(gateway_cookie, body["email"], Origin=FRONTEND_ORIGIN)
    assert r.status == 200 and r.json() == {"message": "Logged in"}
    set_cookie, token = cookie_value(r)
    assert set_cookie == f"token={token}; HttpOnly; Secure; SameSite=Strict; Path=/"
    assert token.count(".") == 2


# --- register ---------------------------------------------------------------------------------

def test_register_user_id_is_the_login_user_id(gateway):
    r, body = register(gateway)
    user_id = r.json()["user_id"]
    assert login(gateway, body["email"]).json()["user"]["id"] == user_id


@pytest.mark.parametrize("override,details", [
    ({"email": None}, {"email": "Email is required."}),
    ({"email": "   "}, {"email": "Email is required."}),
    ({"email": "nope"}, {"email": "Email must be a valid email address."}),
    ({"password": "short"}, {"password": "Password must be at least 8 characters."}),
    ({"password": None}, {"password": "Password is required."}),
    ({"firstName": ""}, {"firstName": "First name is required."}),
    ({"lastName": None}, {"lastName": "Last name is required."}),
    ({"firstName": "x" * 51}, {"firstName": "First name must be at most 50 characters."}),
    ({"lastName": 5}, {"lastName": "Last name must be a string."}),
    ({"firstName": None, "lastName": None, "email": None, "password": None},
     {"firstName": "First name is required.", "lastName": "Last name is required.",
      "email": "Email is required.", "password": "Password is required."}),
])
def test_register_validation_names_every_bad_field(stack, gateway, override, details):
    email = f"{unique('val')}@example.com"
    body = {"firstName": "John", "lastName": "Doe", "email": email, "password": PASSWORD}
    for k, v in override.items():
        if v is None:
            body.pop(k)
        else:
            body[k] = v
    r = gateway.post("/api/auth/register", json=body)
    assert r.status == 400
    assert r.json() == {"error": "Validation failed", "details": details}
    assert r.header("Content-Type") == "application/json"
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM accounts WHERE email = ?", (email,)).fetchone()[0] == 0


@pytest.mark.parametrize("raw", ['{"email": ', "[1, 2]", '{"email":"a@example.com","email":"b@example.com"}'])
def test_bodies_that_are_not_one_clean_json_object_are_validation_errors(gateway, raw):
    r = gateway.request("POST", "/api/auth/register", body=raw, headers={"Content-Type": "application/json"})
    assert r.status == 400
    assert r.json()["error"] == "Validation failed" and r.json()["details"]


def test_register_with_a_non_json_content_type_is_415(gateway):
    r = gateway.request("POST", "/api/auth/register", body="a=b", headers={"Content-Type": "text/plain"})
    assert r.status == 415
    assert r.json()["status_code"] == 415 and r.json()["error"]


def test_duplicate_email_in_other_case_is_409(gateway):
    r, body = register(gateway)
    r, _ = register(gateway, email=body["email"].upper())
    assert r.status == 409 and r.json() == {"error": "User with this email already exists"}


def test_both_sites_share_one_account_namespace(gateway, gateway_cookie):
    r, body = register(gateway)
    assert login(gateway_cookie, body["email"]).status == 200
    r, _ = register(gateway_cookie, email=body["email"])
    assert r.status == 409


# --- login ------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["wrong password", "unknown email"])
def test_bad_credentials_are_401(gateway, gateway_cookie, case):
    r, body = register(gateway)
    email = body["email"] if case == "wrong password" else f"{unique('ghost')}@example.com"
    for client in (gateway, gateway_cookie):
        r = login(client, email, "wrong-password")
        assert r.status == 401 and r.json() == {"error": "Invalid email or password"}
        assert not r.headers_named("Set-Cookie")


@pytest.mark.parametrize("body,details", [
    ({"password": PASSWORD}, {"email": "Email is required."}),
    ({"email": "", "password": ""}, {"email": "Email is required.", "password": "Password is required."}),
])
def test_login_with_a_missing_or_empty_field_is_400(gateway, body, details):
    r = gateway.post("/api/auth/login", json=body)
    assert r.status == 400 and r.json() == {"error": "Validation failed", "details": details}


def test_login_email_is_case_insensitive(gateway):
    r, body = register(gateway)
    assert login(gateway, body["email"].upper()).status == 200


# --- me and logout ----------------------------------------------------------------------------

def test_me_with_a_bearer_token_on_both_sites(gateway, gateway_cookie):
    r, body = register(gateway)
    token = login(gateway, body["email"]).json()["token"]
    for client in (gateway, gateway_cookie):
        r = client.get("/api/auth/me", headers={"Authorization": "Bearer " + token})
        assert r.status == 200
        assert r.json()["user"]["email"] == body["email"] and r.json()["user"]["firstName"] == "John"


def test_me_with_the_cookie_on_the_cookie_site(gateway_cookie):
    r, body = register(gateway_cookie)
    _, token = cookie_value(login(gateway_cookie, body["email"]))
    r = gateway_cookie.get("/api/auth/me", headers={"Cookie": f"token={token}"})
    assert r.status == 200
    assert set(r.json()["user"]) == {"id", "firstName", "lastName", "email"}


def test_the_body_site_ignores_the_cookie(gateway, gateway_cookie):
    r, body = register(gateway)
    _, token = cookie_value(login(gateway_cookie, body["email"]))
    r = gateway.get("/api/auth/me", headers={"Cookie": f"token={token}"})
    assert r.status == 401 and r.json() == {"error": "Authentication required"}


def test_me_without_or_with_a_bad_token_is_401(gateway, gateway_cookie):
    for client in (gateway, gateway_cookie):
        assert client.get("/api/auth/me").json() == {"error": "Authentication required"}
        r = client.get("/api/auth/me", headers={"Authorization": "Bearer x.y.z"})
        assert r.status == 401 and r.json() == {"error": "Invalid or expired token"}
    r = gateway_cookie.get("/api/auth/me", headers={"Cookie": "token=x.y.z"})
    assert r.status == 401 and r.json() == {"error": "Invalid or expired token"}


def test_cookie_logout_clears_the_cookie_and_revokes_the_token(gateway_cookie):
    r, body = register(gateway_cookie)
    _, token = cookie_value(login(gateway_cookie, body["email"]))
    own = f"http://127.0.0.1:{gateway_cookie.port}"
    r = gateway_cookie.request("POST", "/api/auth/logout", headers={"Cookie": f"token={token}", "Origin": own})
    assert r.status == 200 and r.json() == {"message": "Logged out"}
    set_cookie, value = cookie_value(r)
    assert value == "" and "Max-Age=0" in set_cookie and "Path=/" in set_cookie
    r = gateway_cookie.get("/api/auth/me", headers={"Cookie": f"token={token}"})
    assert r.status == 401 and r.json() == {"error": "Invalid or expired token"}


@pytest.mark.parametrize("headers,allowed", [
    ({"Origin": "https://evil.example"}, False),
    ({"Origin": "null"}, False),
    ({"Sec-Fetch-Site": "cross-site"}, False),
    ({"Origin": FRONTEND_ORIGIN}, True),
    ({}, True),  # no Origin at all: not a browser's cross-origin request
])
def test_cookie_logout_checks_the_origin(gateway_cookie, headers, allowed):
    r, body = register(gateway_cookie)
    _, token = cookie_value(login(gateway_cookie, body["email"]))
    r = gateway_cookie.request("POST", "/api/auth/logout", headers=dict({"Cookie": f"token={token}"}, **headers))
    if allowed:
        assert r.status == 200
    else:
        assert r.status == 403 and r.json() == {"error": "Cross-origin request refused"}
        assert gateway_cookie.get("/api/auth/me", headers={"Cookie": f"token={token}"}).status == 200


def test_bearer_logout_on_the_body_site_revokes(gateway):
    r, body = register(gateway)
    token = login(gateway, body["email"]).json()["token"]
    assert gateway.request("POST", "/api/auth/logout", headers={"Authorization": "Bearer " + token}).status == 200
    assert gateway.get("/api/auth/me", headers={"Authorization": "Bearer " + token}).status == 401


def test_gateway_tokens_are_refused_by_the_fastapi_site(stack, gateway):
    r, body = register(gateway)
    token = login(gateway, body["email"]).json()["token"]
    assert stack.client("fastapi").get("/api/auth/me", headers={"Authorization": "Bearer " + token}).status == 401


# --- CORS -------------------------------------------------------------------------------------

def test_other_origins_get_no_cors_headers(gateway):
    r = gateway.get("/api/auth/me", headers={"Origin": "https://evil.example"})
    assert r.header("Access-Control-Allow-Origin") is None
    assert r.header("Access-Control-Allow-Credentials") is None


def test_cors_headers_are_on_error_answers_too(gateway):
    for r in (gateway.get("/api/auth/me", headers={"Origin": FRONTEND_ORIGIN}),
              gateway.request("POST", "/api/auth/login", json_body={}, headers={"Origin": FRONTEND_ORIGIN}),
              gateway.request("POST", "/api/auth/register", body="x" * 70000,
                              headers={"Origin": FRONTEND_ORIGIN, "Content-Type": "application/json"})):
        assert r.status in (400, 401, 413)
        assert r.header("Access-Control-Allow-Origin") == FRONTEND_ORIGIN
        assert "Origin" in (r.header("Vary") or "")


def test_preflight_from_the_frontend_origin_is_204_with_the_allowances(gateway_cookie):
    r = gateway_cookie.request("OPTIONS", "/api/auth/login", headers={
        "Origin": FRONTEND_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert r.status == 204
    assert r.header("Access-Control-Allow-Origin") == FRONTEND_ORIGIN
    assert r.header("Access-Control-Allow-Credentials") == "true"
    assert "POST" in r.header("Access-Control-Allow-Methods")
    assert "Content-Type" in r.header("Access-Control-Allow-Headers")


def test_preflight_from_another_origin_gets_no_allowance(gateway):
    r = gateway.request("OPTIONS", "/api/auth/login", headers={"Origin": "https://evil.example",
                                                              "Access-Control-Request-Method": "POST"})
    assert r.header("Access-Control-Allow-Origin") is None


# --- protocol errors --------------------------------------------------------------------------

def test_unknown_path_and_wrong_method(gateway):
    r = gateway.get("/api/auth/nope")
    assert r.status == 404 and r.json() == {"error": "Not Found", "status_code": 404}
    r = gateway.get("/api/auth/login")
    assert r.status == 405 and r.header("Allow") == "POST"
    assert r.json() == {"error": "Method Not Allowed", "status_code": 405}


def test_a_body_over_64_kib_is_413_json(gateway):
    r = gateway.request("POST", "/api/auth/register", body="x" * 70000, headers={"Content-Type": "application/json"})
    assert r.status == 413 and r.json() == {"error": "Request body too large", "status_code": 413}


# --- nginx as the gateway, and the 500 body ----------------------------------------------------

def test_nginx_answers_the_seeds_503_while_the_service_is_down_and_recovers():
    s = Stack().start()
    try:
        for site in ("gateway", "gateway-cookie"):
            assert s.client(site).get("/api/auth/me").status == 401
        s.stop_latchkey()
        for site in ("gateway", "gateway-cookie"):
            r = s.client(site).get("/api/auth/me", headers={"Origin": FRONTEND_ORIGIN})
            assert r.status == 503
            assert r.header("Content-Type") == "application/json"
            assert r.header("Access-Control-Allow-Origin") == FRONTEND_ORIGIN
            body = r.json()
            stamp = body["error"].pop("timestamp")
            assert body == {"success": False, "error": {"message": "Auth service unavailable", "statusCode": 503}}
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)
            when = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
            assert abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds()) < 10
        s.start_latchkey()  # same nginx, no reload
        r, _ = register(s.client("gateway"))
        assert r.status == 201
    finally:
        s.stop()
        s.cleanup()


def test_a_failing_store_answers_the_seeds_500_body_and_the_service_lives_on():
    s = Stack().start()
    try:
        c = s.client("gateway")
        r, body = register(c)
        assert r.status == 201
        rw = s.db(writable=True)
        if BACKEND == "sqlite":
            rw.execute("PRAGMA foreign_keys=OFF")
            rw.execute("DROP TABLE accounts")
        else:
            rw.execute("DROP TABLE accounts CASCADE")
        rw.commit()
        rw.close()
        for r in (register(c)[0], login(c, body["email"])):
            assert r.status == 500
            assert r.json() == {"error": "Internal server error", "status_code": 500}
            assert r.header("Content-Type") == "application/json"
        assert c.get("/api/auth/me").status == 401  # still answering
        assert "internal failure" in s.read_log()
    finally:
        s.stop()
        s.cleanup()
