"""nginx and the service answer every failure of a contract with the same bytes.

nginx answers some statuses itself (its error_page locations: a body over client_max_body_size, a
URI too long, a request it cannot parse, a flood, the service not answering), the service the
others, and some both. Each status is sent both ways where both sides can produce it, for every
contract and each of its sites, and compared byte for byte with `latchkey error-pages`, the bodies
scripts/render-nginx-conf writes into nginx.conf. Who answered is told by Cache-Control: the
service marks every answer no-store, nginx's pages carry none. The only allowed difference is the
time in the gateway's 503, which each side writes when it answers.
"""
import itertools
import json
import os
import re
import socket
import subprocess

import pytest

from booking_support import cognito, sign_in, sign_up
from conftest import BACKEND, BIN, FRONTEND_ORIGIN, NGINX_SITES, ROOT, SITE_CONTRACT, Stack, running, unique
from test_attack_guessing import NGINX_FLOODS, flood

PAGES = {(p["contract"], p["status"]): p for p in json.loads(subprocess.run(
    [BIN, "error-pages", "--json"], check=True, stdout=subprocess.PIPE, text=True).stdout)}

# The service's cap on bodies in these stacks, far below nginx's client_max_body_size (64k): a
# body between the two is the service's 413, a body above both is nginx's.
MAX_BODY = 1024
SERVICE_413 = b"x" * (4 * MAX_BODY)
NGINX_413 = b"x" * (80 * 1024)

# Per site: a path under a location nginx passes to the service that matches no route, a route
# asked with a method it does not take, and a route with a body (for the service's 413).
SERVICE_PATHS = {
    "fastapi": ("/api/auth/nothing", ("GET", "/api/auth/register"), "/api/auth/register"),
    "gateway": ("/api/auth/nothing", ("GET", "/api/auth/register"), "/api/auth/register"),
    "gateway-cookie": ("/api/auth/nothing", ("GET", "/api/auth/register"), "/api/auth/register"),
    "verified": ("/api/auth/nothing", ("GET", "/api/auth/register"), "/api/auth/register"),
    "storefront": ("/api/auth/nothing", ("GET", "/api/auth/merchant/register"),
                   "/api/auth/merchant/register"),
    "booking": ("/api/nothing", ("DELETE", "/api/customers/me"), "/api/customers/me"),
    "ops": ("/_latchkey/nothing", ("POST", "/_latchkey/health"), None),
}
# The statuses each site's server block answers itself, by its own pages (nginx.conf).
FRONTEND_PAGES = {400, 404, 405, 408, 413, 414, 429, 500, 503}
NGINX_PAGES = {site: FRONTEND_PAGES for site in SERVICE_PATHS if site != "ops"}
NGINX_PAGES["booking"] = FRONTEND_PAGES - {429}  # no ceiling of its own (only /cognito's)
NGINX_PAGES["ops"] = {404, 503}
COGNITO_PAGES = {413, 429, 500, 503}  # the /cognito location's own
_addresses = (f"127.4.{a}.{b}" for a, b in itertools.product(range(1, 250), range(2, 250)))


def test_every_site_is_covered():
    assert set(SERVICE_PATHS) == {s["site"] for s in NGINX_SITES}
    assert {c for s in NGINX_SITES for c in s["contracts"]} == {"ops", "cognito", *SITE_CONTRACT.values()}


def test_the_checked_in_nginx_conf_has_the_services_pages():
    """A wording changed without `make error-pages` fails here."""
    regenerated = subprocess.run(
        [os.path.join(ROOT, "scripts", "render-nginx-conf"), "--latchkey", BIN, "--error-pages-only",
         "--source", os.path.join(ROOT, "nginx.conf")],
        check=True, stdout=subprocess.PIPE, text=True).stdout
    with open(os.path.join(ROOT, "nginx.conf")) as f:
        assert f.read() == regenerated, "nginx.conf's error pages are stale: run `make error-pages`"


def test_the_pages_in_nginx_conf_are_every_page_a_site_answers():
    with open(os.path.join(ROOT, "nginx.conf")) as f:
        text = f.read()
    named = set(re.findall(r"location (?:@|= /_latchkey_error/)([a-z-]+)_(\d{3})", text))
    expected = {(SITE_CONTRACT[site], str(status)) for site, statuses in NGINX_PAGES.items()
                for status in statuses}
    expected |= {("cognito", str(status)) for status in COGNITO_PAGES}
    assert named == expected


def normalised(contract, body):
    """The gateway's 503 with its time as `latchkey error-pages` writes it (nginx's variable)."""
    if contract != "gateway":
        return body
    return re.sub(rb'"timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"', b'"timestamp":"$latchkey_now"', body)


def assert_page(reply, contract, status, by, answered=None):
    """REPLY is CONTRACT's STATUS page, answered BY "nginx" or "service", exactly as printed (with
    the status ANSWERED, where nginx answers a page with another)."""
    assert reply.status == (answered or status), reply
    page = PAGES[(contract, status)]
    assert normalised(contract, reply.body) == page["body"].encode(), (by, reply)
    for name, value in page["headers"]:
        assert reply.header(name) == value, (by, name, reply.headers)
    assert reply.header("Cache-Control") == ("no-store" if by == "service" else None), (by, reply.headers)
    return reply


def both_ways(contract, service_reply, nginx_reply, status):
    s = assert_page(service_reply, contract, status, "service")
    n = assert_page(nginx_reply, contract, status, "nginx")
    assert normalised(contract, s.body) == normalised(contract, n.body)


def raw(stack, site, data):
    """DATA sent as is to SITE; the reply parsed (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", stack.ports[site]), timeout=30) as conn:
        conn.sendall(data)
        got = b""
        while chunk := conn.recv(65536):
            got += chunk
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:]]
    from conftest import Reply
    return Reply(int(lines[0].split()[1]), headers, body)


@pytest.fixture(scope="module")
def stack():
    yield from running({"max_body_bytes": str(MAX_BODY)})


FRONTENDS = [site for site in SERVICE_PATHS if site != "ops"]


@pytest.mark.parametrize("site", list(SERVICE_PATHS))
def test_404_both_ways(stack, site):
    contract, c = SITE_CONTRACT[site], stack.client(site)
    unknown = SERVICE_PATHS[site][0]
    # The demo's assets (a local location) and, on ops, everything outside /_latchkey/.
    nginx_path = "/elsewhere" if site == "ops" else "/demo/no-such-file.js"
    both_ways(contract, c.get(unknown), c.get(nginx_path), 404)


@pytest.mark.parametrize("site", FRONTENDS)
def test_the_internal_pages_are_not_reachable(stack, site):
    contract = SITE_CONTRACT[site]
    r = stack.client(site).get(f"/_latchkey_error/{contract}_400")
    assert_page(r, contract, 404, "nginx")


@pytest.mark.parametrize("site", FRONTENDS)
def test_405_both_ways(stack, site):
    """The service's for a route asked with another method; nginx's for a static file posted to."""
    contract, c = SITE_CONTRACT[site], stack.client(site)
    method, path = SERVICE_PATHS[site][1]
    both_ways(contract, c.request(method, path), c.post("/api/auth/openapi.json", json={}), 405)


def test_ops_405_is_the_services(stack):
    method, path = SERVICE_PATHS["ops"][1]
    assert_page(stack.client("ops").request(method, path), "ops", 405, "service")


@pytest.mark.parametrize("site", FRONTENDS)
def test_413_both_ways(stack, site):
    contract, c = SITE_CONTRACT[site], stack.client(site)
    path = SERVICE_PATHS[site][2]
    json_type = {"Content-Type": "application/json"}
    both_ways(contract, c.request("POST", path, body=SERVICE_413, headers=json_type),
              c.request("POST", path, body=NGINX_413, headers=json_type), 413)


def test_cognito_413_both_ways(stack):
    c = stack.client("booking")
    both_ways("cognito", cognito(c, "SignUp", None, raw=SERVICE_413),
              cognito(c, "SignUp", None, raw=NGINX_413), 413)


def test_cognito_405_is_the_services(stack):
    assert_page(stack.client("booking").get("/cognito"), "cognito", 405, "service")


@pytest.mark.parametrize("site", FRONTENDS)
def test_414_a_header_too_large_is_nginxs(stack, site):
    """A header over large_client_header_buffers (nginx's 494) gets the 414 page; nginx answers
    a 494 with status 400 whatever its page says (`error_page 414 494` names no status)."""
    r = stack.client(site).get("/api/auth/me", headers={"X-Padding": "x" * 9000})
    assert_page(r, SITE_CONTRACT[site], 414, "nginx", answered=400)


@pytest.mark.parametrize("site", FRONTENDS)
def test_414_a_request_line_too_long_is_nginxs(stack, site):
    """Before nginx has a URI: its page is an internal location, not a named one."""
    r = stack.client(site).get("/api/auth/" + "x" * 9000)
    assert_page(r, SITE_CONTRACT[site], 414, "nginx")


UNREADABLE = {
    "request line": b"GARBAGE\r\n\r\n",
    "control character in the path": b"GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n",
    "host": b"GET /api/auth/me HTTP/1.1\r\nHost: a/b\r\nConnection: close\r\n\r\n",
}


@pytest.mark.parametrize("what", list(UNREADABLE))
@pytest.mark.parametrize("site", FRONTENDS)
def test_400_a_request_nginx_cannot_read_is_nginxs(stack, site, what):
    assert_page(raw(stack, site, UNREADABLE[what]), SITE_CONTRACT[site], 400, "nginx")


GATEWAY_FRONTEND = FRONTEND_ORIGIN  # the origin the harness's gateway sites trust (CORS)


# The flooded locations of nginx.conf, from the guessing suite's list; the body is compared here.
@pytest.mark.parametrize("site,path,count", [f[:3] for f in NGINX_FLOODS], ids=lambda v: str(v))
def test_429_a_flood_meets_nginxs_page(stack, site, path, count):
    contract = "cognito" if path == "/cognito" else SITE_CONTRACT[site]
    c, ip = stack.client(site), next(_addresses)
    headers = {"Content-Type": "application/json"}
    if contract == "gateway":
        headers["Origin"] = GATEWAY_FRONTEND  # a browser reads the 429 only with its CORS headers
    send = lambda _: c.request("POST", path, body="{}", source=ip, headers=headers)  # noqa: E731
    by_nginx = lambda r: r.status == 429 and r.header("Cache-Control") is None  # noqa: E731
    replies = flood(send, count, by_nginx)
    refused = [r for r in replies if by_nginx(r)]
    assert refused, sorted(r.status for r in replies)
    for r in refused:
        assert_page(r, contract, 429, "nginx")
        if contract == "gateway":
            assert r.header("Access-Control-Allow-Origin") == GATEWAY_FRONTEND, r
            assert r.header("Access-Control-Allow-Credentials") == "true", r
        if contract == "cognito":
            assert "x-amzn-errortype" in (r.header("Access-Control-Expose-Headers") or ""), r


def test_429_storefront_login_ceiling_is_nginxs(stack):
    """storefront's own per-address ceiling on its login locations (5 a minute, burst 4)."""
    c, ip = stack.client("storefront"), next(_addresses)
    replies = [c.post("/api/auth/merchant/login", json={}, source=ip) for _ in range(8)]
    refused = [r for r in replies if r.status == 429 and r.header("Cache-Control") is None]
    assert refused, [r.status for r in replies]
    for r in refused:
        assert_page(r, "storefront", 429, "nginx")


# --- the store failing, then the service gone --------------------------------------------------

@pytest.fixture(scope="module")
def faults():
    yield from running({"max_body_bytes": str(MAX_BODY)})


@pytest.fixture(scope="module")
def booking_token(faults):
    email = f"{unique('pages')}@example.com"
    c = faults.client("booking")
    sign_up(faults, c, email)
    return sign_in(faults, c, email)["IdToken"]


def failing_requests(stack, token):
    """(contract, reply) of a request each contract's service answers from the store."""
    def register(site, path, extra):
        body = {"email": f"{unique('pages')}@example.com", "password": "long-enough-1", **extra}
        return stack.client(site).post(path, json=body)
    yield "fastapi", register("fastapi", "/api/auth/register", {"username": unique("u")})
    yield "gateway", register("gateway", "/api/auth/register", {"firstName": "A", "lastName": "B"})
    yield "gateway", register("gateway-cookie", "/api/auth/register", {"firstName": "A", "lastName": "B"})
    yield "verified", register("verified", "/api/auth/register", {"confirmPassword": "long-enough-1"})
    yield "storefront", register("storefront", "/api/auth/merchant/register",
                                 {"storeName": "Shop"})
    yield "booking", stack.client("booking").post(
        "/api/customers/me", json={"name": "Ann"}, headers={"Authorization": "Bearer " + token})
    email = f"{unique('pages')}@example.com"
    yield "cognito", cognito(stack.client("booking"), "SignUp", {
        "ClientId": "demo", "Username": email, "UserAttributes": [{"Name": "email", "Value": email}]})


def test_500_a_failing_store_is_the_services(faults, booking_token):
    """A table gone from the schema: every statement on it fails (not a driver's outage)."""
    with faults.db(writable=True) as db:
        db.execute("ALTER TABLE accounts RENAME TO accounts_away")
    try:
        for contract, r in failing_requests(faults, booking_token):
            assert_page(r, contract, 500, "service")
    finally:
        with faults.db(writable=True) as db:
            db.execute("ALTER TABLE accounts_away RENAME TO accounts")


class Unavailable:
    """The stack's store unavailable to the service: a file-size limit its writes meet (SQLite's
    full disk), or its PostgreSQL database closed to connections (and its sessions ended)."""

    def __init__(self, stack):
        self.stack = stack

    def __enter__(self):
        if BACKEND == "postgresql":
            self._database(False)
        else:
            import resource
            _, self.hard = resource.prlimit(self.stack.proc.pid, resource.RLIMIT_FSIZE)
            resource.prlimit(self.stack.proc.pid, resource.RLIMIT_FSIZE, (4096, self.hard))

    def __exit__(self, *_):
        if BACKEND == "postgresql":
            self._database(True)
        else:
            import resource
            resource.prlimit(self.stack.proc.pid, resource.RLIMIT_FSIZE, (self.hard, self.hard))

    def _database(self, allow):
        import psycopg2
        url = self.stack.settings["database"]
        name = url.rsplit("/", 1)[1]
        conn = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
        conn.autocommit = True
        with conn.cursor() as c:
            c.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if allow else "false"}')
            if not allow:
                c.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                          (name,))
        conn.close()


def test_503_an_unavailable_store_is_the_services(faults, booking_token):
    with Unavailable(faults):
        for contract, r in failing_requests(faults, booking_token):
            assert_page(r, contract, 503, "service")
            assert r.header("Retry-After"), r.headers  # the service's own (nginx's differs)


def test_503_the_service_gone_is_nginxs():
    s = Stack().start()
    try:
        s.stop_latchkey()
        for site in SERVICE_PATHS:
            contract, c = SITE_CONTRACT[site], s.client(site)
            path = "/_latchkey/health" if site == "ops" else SERVICE_PATHS[site][0]
            assert_page(c.get(path), contract, 503, "nginx")
        assert_page(cognito(s.client("booking"), "SignUp", {}), "cognito", 503, "nginx")
    finally:
        s.stop()
        s.cleanup()

