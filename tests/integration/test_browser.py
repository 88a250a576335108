"""The demo frontends (web/) in headless Chromium: tests/node/browser.test.mjs drives each
contract's pages through real nginx and the real service with playwright-core and Debian's
chromium, one flow per process. Screenshots of every page land in <build>/artifacts/screenshots.
The plain-HTTP tests below check how nginx serves the pages."""
import json
import os
import re
import shutil

import pytest

from conftest import BIN, NGINX_SITES, ROOT, SITES, Stack, unique
from node_support import run_node, scenarios

SCREENSHOTS = os.path.join(os.path.dirname(os.path.abspath(BIN)), "artifacts", "screenshots")
CHROMIUM = os.environ.get("LATCHKEY_CHROMIUM", "/usr/bin/chromium")
# The demos whose account pages call their API through the generated client, bundled by build-web.
PASSWORD_DEMOS = ["fastapi", "gateway", "verified", "storefront"]


@pytest.fixture(scope="module")
def stack():
    for built in ["booking/dist/app.js", *(f"{c}/dist/account-api.js" for c in PASSWORD_DEMOS)]:
        if not os.path.exists(os.path.join(ROOT, "web", built)):
            pytest.fail(f"web/{built} is not built: run `make web` (make run and make test do)")
    assert shutil.which(CHROMIUM), f"{CHROMIUM} is missing (scripts/install-deps installs chromium)"
    s = Stack(frontend_origin="own port").start()
    try:
        yield s
    finally:
        s.stop()
        s.cleanup()


@pytest.mark.parametrize("flow", scenarios("browser.test.mjs"))
def test_in_the_browser(stack, flow):
    sites = {site: f"http://127.0.0.1:{stack.ports[site]}" for site in SITES}
    run_node("browser.test.mjs", stack, flow,
             LATCHKEY_SITES=json.dumps(sites),
             LATCHKEY_SCREENSHOTS=SCREENSHOTS,
             LATCHKEY_FRONTEND_PORT=stack.frontend_origin.rsplit(":", 1)[1],
             LATCHKEY_CHROMIUM=CHROMIUM)


# --- how nginx serves the demo ------------------------------------------------------------------

# The pages each site's `# local: demo` line in nginx.conf serves.
PAGES = {s["site"]: s["demo"] for s in NGINX_SITES if s["demo"]}


@pytest.mark.parametrize("site", sorted(PAGES))
def test_every_page_is_the_app_with_a_strict_policy(stack, site):
    client = stack.client(site)
    for path in PAGES[site]:
        r = client.get(path)
        assert r.status == 200, (path, r)
        assert r.header("Content-Type") == "text/html; charset=utf-8"
        assert b'<script type="module" src="/demo/' in r.body
        csp = r.header("Content-Security-Policy")
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert r.header("Referrer-Policy") == "no-referrer"  # reset links carry a token
        assert r.header("X-Content-Type-Options") == "nosniff"
    script = client.get("/demo/common/demo.js")
    assert script.status == 200 and script.header("Content-Type") == "text/javascript; charset=utf-8"
    # A password demo's account pages load its generated-client bundle, served as its scripts are.
    demo = re.search(rb'<script type="module" src="/demo/([a-z]+)/', r.body).group(1).decode()
    if demo in PASSWORD_DEMOS:
        bundle = client.get(f"/demo/{demo}/dist/account-api.js")
        assert bundle.status == 200, bundle
        assert bundle.header("Content-Type") == "text/javascript; charset=utf-8"
        assert bundle.header("Content-Security-Policy") == r.header("Content-Security-Policy")
        assert bundle.header("X-Content-Type-Options") == "nosniff"
        assert b"new Function" not in bundle.body and b"eval(" not in bundle.body  # no 'unsafe-eval'


def test_the_api_around_the_pages_stays_json(stack):
    c = stack.client("fastapi")
    r = c.post("/login", json={})
    assert r.status == 405 and r.json() == {"detail": "Method Not Allowed"}
    assert r.header("Allow") == "GET, HEAD"
    r = c.get("/nothing-here")
    assert r.status == 404 and r.header("Content-Type") == "application/json"
    r = c.get("/demo/fastapi/missing.js")
    assert r.status == 404 and r.json() == {"detail": "Not Found"}
    r = c.get("/demo/booking/src/app.js")  # sources and the npm tree are not served
    assert r.status == 404
    for source in ["/demo/fastapi/src/account-api.js", "/demo/fastapi/src/api/sdk.gen.ts",
                   "/demo/common/src/account-client.js"]:
        assert c.get(source).status == 404, source
    r = c.get("/api/auth/me")
    assert r.status == 401 and r.header("WWW-Authenticate") == "Bearer"
    g = stack.client("gateway").post("/register", json={})
    assert g.status == 405 and g.header("Allow") == "GET, HEAD"
    assert g.json() == {"error": "Method Not Allowed", "status_code": 405}


def test_link_pages_are_settings():
    s = Stack({"verify_link_path": "/account/confirm", "reset_link_path": "/account/new-password"}).start()
    try:
        c = s.client("verified")
        email = f"{unique('links')}@example.com"
        r = c.post("/api/auth/register", json={"email": email, "password": "long-enough",
                                               "confirmPassword": "long-enough"})
        assert r.status == 201
        assert c.post("/api/auth/forgot", json={"email": email}).status == 200
        verify, reset = s.wait_for_mail(email, count=2)
        origin = f"http://127.0.0.1:{s.ports['verified']}"
        assert f"{origin}/account/confirm?token=" in verify.get_body(preferencelist=("plain",)).get_content()
        assert f"{origin}/account/new-password?token=" in reset.get_body(preferencelist=("plain",)).get_content()
    finally:
        s.stop()
        s.cleanup()


def test_a_link_path_with_a_query_is_refused(stack):
    r = stack.cli("config", "--set", "verify_link_path=/verify?x=1", check=False)
    assert r.returncode != 0
    assert "a link path starts with / and has no query" in r.stderr
