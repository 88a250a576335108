"""Operations through real nginx: auth_request protecting a static location, health and
Prometheus metrics on the loopback-only ops server, and one JSON log line per request carrying
nginx's request id."""
import json
import os
import re

import pytest

from conftest import SITE_CONTRACT, SITES, Stack, free_port, unique

PASSWORD = "ops-password-1"


@pytest.fixture(scope="module")
def stack():
    protected_port = free_port()
    s = Stack()
    private = os.path.join(s.dir, "www", "private")
    os.makedirs(private)
    with open(os.path.join(private, "report.txt"), "w") as f:
        f.write("quarterly numbers\n")
    os.chmod(os.path.join(s.dir, "www"), 0o755)
    os.chmod(private, 0o755)
    s.extra_servers = f"""
    server {{
        listen 127.0.0.1:{protected_port};
        location /private/ {{
            auth_request /_latchkey/verify;
            auth_request_set $latchkey_user $upstream_http_x_user_id;
            auth_request_set $latchkey_kind $upstream_http_x_account_type;
            add_header X-Seen-User $latchkey_user always;
            add_header X-Seen-Kind $latchkey_kind always;
            alias {private}/;
        }}
        location = /_latchkey/verify {{
            internal;
            include /etc/nginx/fastcgi_params;
            fastcgi_param LATCHKEY_CONTRACT    ops;
            fastcgi_param LATCHKEY_SITE        storefront;
            fastcgi_param LATCHKEY_REQUEST_ID  $request_id;
            fastcgi_pass_request_body off;
            fastcgi_param CONTENT_LENGTH "";
            fastcgi_pass latchkey;
        }}
        error_page 401 = @login_required;
        location @login_required {{
            default_type application/json;
            return 401 '{{"error":"login required"}}';
        }}
    }}
"""
    s.ports["protected"] = protected_port
    s.start()
    try:
        yield s
    finally:
        s.stop()
        s.cleanup()


def storefront_customer(stack):
    c = stack.client("storefront")
    r = c.post("/api/auth/customer/register", json={"email": f"{unique('ops')}@example.com",
                                                    "password": PASSWORD, "firstName": "O", "lastName": "P"})
    assert r.status == 201, r
    return r.json()


def test_auth_request_lets_a_valid_token_through_with_who_it_is(stack):
    customer = storefront_customer(stack)
    site = stack.client("protected")
    r = site.get("/private/report.txt", headers={"Authorization": "Bearer " + customer["accessToken"]})
    assert r.status == 200 and r.body == b"quarterly numbers\n", r
    assert r.header("X-Seen-User") == customer["customer"]["id"]
    assert r.header("X-Seen-Kind") == "customer"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"},
                                     {"Authorization": "Basic dXNlcjpwYXNz"}])
def test_auth_request_refuses_no_or_bad_tokens(stack, headers):
    r = stack.client("protected").get("/private/report.txt", headers=headers)
    assert r.status == 401 and r.json() == {"error": "login required"}, r
    assert b"quarterly" not in r.body


def test_auth_request_refuses_a_token_of_another_site(stack):
    fastapi = stack.client("fastapi")
    name = unique("fa")
    assert fastapi.post("/api/auth/register", json={"username": name, "email": f"{name}@example.com",
                                                    "password": PASSWORD}).status == 201
    token = fastapi.post("/api/auth/token", json={"email": f"{name}@example.com", "password": PASSWORD}).json()["access_token"]
    r = stack.client("protected").get("/private/report.txt", headers={"Authorization": "Bearer " + token})
    assert r.status == 401


def test_auth_request_refuses_a_refresh_token(stack):
    c = stack.client("storefront")
    r = c.post("/api/auth/customer/register", json={"email": f"{unique('ops')}@example.com",
                                                    "password": PASSWORD, "firstName": "O", "lastName": "P"})
    token = r.cookie("refreshToken")
    r = stack.client("protected").get("/private/report.txt", headers={"Authorization": "Bearer " + token})
    assert r.status == 401


def test_the_shipped_verify_location_is_internal(stack):
    r = stack.client("fastapi").get("/_latchkey/verify")
    assert r.status == 404 and r.json() == {"detail": "Not Found"}, r


def test_health_reports_the_database_and_the_outbox(stack):
    r = stack.client("ops").get("/_latchkey/health")
    assert r.status == 200, r
    body = r.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert set(body["outbox"]) == {"waiting", "failed"}


def test_metrics_count_requests_hashes_and_failed_logins(stack):
    ops = stack.client("ops")
    before = ops.get("/_latchkey/metrics").body.decode()
    fastapi = stack.client("fastapi")
    for _ in range(3):
        r = fastapi.post("/api/auth/token", json={"email": f"{unique('no')}@example.com", "password": "wrong-password"})
        assert r.status == 401
    r = ops.get("/_latchkey/metrics")
    assert r.status == 200 and r.header("Content-Type").startswith("text/plain; version=0.0.4"), r
    text = r.body.decode()

    def value(pattern, text):
        m = re.search("^" + re.escape(pattern) + r" (\S+)$", text, re.M)
        return float(m.group(1)) if m else 0.0

    series = 'latchkey_requests_total{contract="fastapi",method="POST",route="/api/auth/token",status="401"}'
    assert value(series, text) - value(series, before) == 3
    assert value('latchkey_login_failures_total{site="fastapi"}', text) - \
        value('latchkey_login_failures_total{site="fastapi"}', before) == 3
    assert value("latchkey_password_hash_seconds_count", text) >= 3
    assert 'latchkey_request_duration_seconds_bucket{contract="fastapi",method="POST",route="/api/auth/token",le="+Inf"}' in text
    assert re.search(r"^latchkey_outbox_waiting \d+$", text, re.M)
    assert re.search(r"^latchkey_resident_memory_bytes \d", text, re.M)


def test_ops_endpoints_are_not_on_the_public_sites(stack):
    for site in (s for s in SITES if SITE_CONTRACT[s] != "ops"):
        r = stack.client(site).get("/_latchkey/metrics")
        assert r.status == 404, (site, r)


def test_each_request_logs_one_json_line_with_nginx_request_id(stack):
    r = stack.client("gateway").get("/api/auth/me")
    assert r.status == 401
    lines = [json.loads(l) for l in stack.read_log().splitlines() if l.startswith("{")]
    requests = [l for l in lines if l["msg"] == "request" and l.get("contract") == "gateway"
                and l.get("path") == "/api/auth/me"]
    assert requests, lines[-5:]
    last = requests[-1]
    assert re.fullmatch(r"[0-9a-f]{32}", last["request_id"]), last
    assert last["status"] == "401" and last["site"] == "gateway" and float(last["ms"]) >= 0


def test_health_is_503_when_the_database_does_not_answer():
    s = Stack().start()
    try:
        assert s.client("ops").get("/_latchkey/health").status == 200
        rw = s.db(writable=True)
        rw.execute("DROP TABLE outbox")  # the health query now fails as a broken database would
        rw.commit()
        rw.close()
        r = s.client("ops").get("/_latchkey/health")
        assert r.status == 503 and r.json() == {"status": "unavailable", "database": "error"}, r
        assert r.header("Retry-After") == "5"
        assert "health: database unreachable" in s.read_log()
    finally:
        s.stop()
        s.cleanup()
