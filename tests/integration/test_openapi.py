"""The contracts' OpenAPI 3.1 documents (handlers/openapi/) against the service that serves them:
each site serves its document at /api/auth/openapi.json; the documented operations are exactly the
compiled route tables (`latchkey routes`); every request example is sent through nginx in a flow
that gives it meaning, and the answer has the status under which the document lists the example of
the same name and a body its schema accepts; every documented status is reached that way (503 apart);
response examples match their schemas; `redocly lint` passes; `@hey-api/openapi-ts` generates a
client from each, and the booking client's `customersPostCustomersMe` works against the service."""
import copy
import json
import os
import re
import subprocess
import time

import jsonschema
import pytest

from booking_support import sign_in, sign_up
from conftest import BIN, CONTRACTS, ROOT, SITE_CONTRACT, SITES, Stack, unique
from node_support import NODE_DIR, node_binary, run_node
from passkey_support import Authenticator
from totp_support import PERIOD, code, step_start

DOCS = os.path.join(ROOT, "handlers", "openapi")
# The routes a document leaves out, on purpose: booking's Cognito endpoint speaks AWS's protocol
# (docs/contracts.md, booking), which Amplify and the AWS SDK already describe.
UNDOCUMENTED = {("cognito", "POST", "/cognito"), ("cognito", "POST", "/cognito/")}
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def stack():
    # Small guess-throttle allowances and long locks, so the documented 429s are reached at once.
    s = Stack({"throttle_pair_free": "2", "throttle_network_free": "3",
               "throttle_first_lock": "60"}).start()
    try:
        yield s
    finally:
        s.stop()
        s.cleanup()


def throttled(x, op_id, source, **kw):
    """Two wrong guesses from `source`, then the documented 429 there (the guess throttle)."""
    for _ in range(2):
        x.send(op_id, "wrong_password", source=source, **kw)
    x.send(op_id, "throttled", source=source, **kw)


CHANGED = "staple-battery-9"  # the password the change-password examples set


def deleted_after_refusals(x, op_id, source, password=CHANGED):
    """Delete-account refused without a token, without a password and for wrong ones until the
    guess throttle holds at `source`; then the account deleted with its `password`."""
    x.send(op_id, "no_token")
    x.send(op_id, "invalid", auth=True)
    throttled(x, op_id, source, auth=True)
    return x.send(op_id, "deleted", auth=True, body_override={"password": password})


def sessions_replayed(x, ops, sign_in, field="sessionId"):
    """The session operations (list, revoke, revoke-all) refused without a token, then, with a
    second sign-in to end, listed, revoked by id, refused for an id that is not the caller's,
    and every session ended; `sign_in` signs in again (its token is not the caller's)."""
    list_op, revoke_op, all_op = ops
    for op in ops:
        x.send(op, "no_token")
    sign_in()
    listed = x.send(list_op, "ok", auth=True).json()["sessions"]
    other = [s["id"] for s in listed if not s["current"]][0]
    x.send(revoke_op, "invalid", auth=True)
    x.send(revoke_op, "not_found", auth=True)
    x.send(revoke_op, "revoked", auth=True, body_override={field: other})
    x.send(all_op, "signed_out", auth=True)


LINK_SUBJECT = "Confirm your new email address"


def link_token_to(stack, to):
    """The token of the newest change-email link mailed to `to`."""
    deadline = time.time() + 10
    while True:
        found = [m for m in stack.mails() if m["To"] == to and m["Subject"] == LINK_SUBJECT]
        if found:
            text = found[-1].get_body(preferencelist=("plain",)).get_content()
            return re.search(r"token=([^\s&]+)", text).group(1)
        assert time.time() < deadline, f"no change-email link to {to}"
        time.sleep(0.05)


def email_changed(x, ops, field, password, register, sources, cross_origin=None, login_op="login"):
    """Change-email refused without a token, with bad bodies, the current address and wrong
    passwords until the throttle holds; accepted alike for a taken address and a free one; the
    link confirmed after its address was taken (409), then a newer link refused without a token,
    confirmed, and refused when used again; made-up tokens until the token throttle holds.
    `register(email)` gives another account that address; `cross_origin` sends the refused
    cross-site request."""
    change, confirm = ops
    login = x.ops[login_op][2]
    example = login["requestBody"]["content"]["application/json"]["examples"]["ok"]["value"]
    current = x.renamed[example.get("email", example.get("username"))]
    x.send(change, "no_token")
    x.send(change, "invalid", auth=True)
    x.send(change, "unchanged", auth=True, body_override={"password": password, field: current})
    throttled(x, change, next(sources), auth=True)
    if cross_origin:
        cross_origin()
    taken = f"{unique('taken')}@example.com"
    register(taken)
    x.send(change, "taken", auth=True, body_override={"password": password, field: taken},
           source=next(sources))
    first, second = (f"{unique('moved')}@example.com" for _ in range(2))
    x.send(change, "sent", auth=True, body_override={"password": password, field: first},
           source=next(sources))
    token = link_token_to(x.stack, first)
    register(first)
    x.send(confirm, "taken", body_override={"token": token}, source=next(sources))
    x.send(change, "sent", auth=True, body_override={"password": password, field: second},
           source=next(sources))
    token = link_token_to(x.stack, second)
    x.send(confirm, "invalid", source=next(sources))
    x.send(confirm, "changed", body_override={"token": token}, source=next(sources))
    x.send(confirm, "bad_token", body_override={"token": token}, source=next(sources))
    guesser = next(sources)
    for _ in range(3):
        x.send(confirm, "bad_token", source=guesser)
    x.send(confirm, "throttled", source=guesser)


TOTP_OPS = ("totpStatus", "totpEnroll", "totpConfirm", "totpDisable", "newRecoveryCodes")
EVIL = {"Origin": "https://evil.example"}


def other_code(secret, at):
    """A six-digit code that is not `secret`'s at `at`."""
    return f"{(int(code(secret, at)) + 1) % 1000000:06d}"


def second_factor_replayed(x, login_op, password, sources, refusals=True, cross_origin=None):
    """The authenticator app (docs/contracts.md, "Authenticator apps"), with codes from oathtool:
    enrolled with the password and confirmed by a code, the login (`login_op`) answered with a
    challenge, the second step taken with the app's next code, the used challenge refused, a
    recovery code signing in once, new recovery codes, disabled by a recovery code, enrolled
    again and disabled by the password. With `refusals`, each refusal
    before its success: without a token, bad bodies, nothing to confirm or disable, wrong
    passwords and codes from `sources` (one network each, its two free guesses spent) until the
    guess throttle holds even the right secret; `cross_origin(op)` sends the refused cross-site
    request. The caller is signed in (x.token) with `password`; it ends with no authenticator.
    Returns the second step's answer (the login's, with the new session's token)."""
    status, enroll, confirm, disable, new_codes = TOTP_OPS
    schemas = x.doc["components"]["schemas"]
    challenge_field = schemas["MfaChallenge"]["required"][1]
    codes_field = schemas["RecoveryCodes"]["required"][0]
    left_field = schemas["TotpStatus"]["required"][1]
    by_password = {"password": password}

    def refused_cross_origin(*ops):
        for op in ops if cross_origin else ():
            cross_origin(op)

    if refusals:
        for op in TOTP_OPS:
            x.send(op, "no_token")
        assert x.send(status, "not_enabled", auth=True).json()["enabled"] is False
        x.send(new_codes, "not_enabled", auth=True, body_override=by_password)
        x.send(disable, "not_enabled", auth=True, body_override=by_password)
        x.send(confirm, "nothing_to_confirm", auth=True, source=next(sources))
        x.send(enroll, "invalid", auth=True)
        throttled(x, enroll, next(sources), auth=True)
        refused_cross_origin(enroll, confirm)
    enrolment = x.send(enroll, "enrolled", auth=True, body_override=by_password).json()
    secret = enrolment["secret"]
    assert f"secret={secret}&" in enrolment[schemas["TotpEnrollment"]["required"][1]], enrolment
    start = step_start()
    if refusals:
        x.send(confirm, "invalid", auth=True)
        guesser = next(sources)
        for _ in range(2):
            x.send(confirm, "wrong_code", auth=True, source=guesser,
                   body_override={"code": other_code(secret, start)})
        x.send(confirm, "throttled", auth=True, body_override={"code": code(secret, start)},
               source=guesser)
    recovery = x.send(confirm, "confirmed", auth=True,
                      body_override={"code": code(secret, start)}).json()[codes_field]
    if refusals:
        x.send(enroll, "already_enabled", auth=True, body_override=by_password)

    def challenge():
        r = x.send(login_op, "mfa_required", body_override=by_password, source=next(sources))
        return r.json()[challenge_field]

    def step(name, token, code):
        return x.send("loginSecondFactor", name, source=next(sources),
                      body_override={challenge_field: token, "code": code})

    token = challenge()
    if refusals:
        x.send("loginSecondFactor", "invalid", source=next(sources))
        x.send("loginSecondFactor", "expired", source=next(sources))
        guesser = next(sources)
        for _ in range(2):
            x.send("loginSecondFactor", "wrong_code", source=guesser, body_override={
                challenge_field: token, "code": other_code(secret, start + PERIOD)})
        # Locked out: even the right code waits, and the challenge stays open.
        x.send("loginSecondFactor", "throttled", source=guesser, body_override={
            challenge_field: token, "code": code(secret, start + PERIOD)})
    signed_in = step("ok", token, code(secret, start + PERIOD))
    if refusals:
        # The challenge answered once: the same good code again finds no challenge.
        step("expired", token, code(secret, start + PERIOD))
        step("recovery_code", challenge(), recovery[0])
        assert x.send(status, "ok", auth=True).json()[left_field] == 9
        x.send(new_codes, "invalid", auth=True)
        throttled(x, new_codes, next(sources), auth=True)
        issued = x.send(new_codes, "issued", auth=True, body_override=by_password).json()
        assert not set(issued[codes_field]) & set(recovery), issued  # new ones, the old void
        recovery = issued[codes_field]
        x.send(disable, "invalid", auth=True)
        x.send(disable, "wrong_code", auth=True, source=next(sources),
               body_override={"code": other_code(secret, start + PERIOD)})
        # A code and the password are counted apart (docs/security.md, "Second factors"): the
        # wrong passwords alone lock the password out.
        throttled(x, disable, next(sources), auth=True)
        refused_cross_origin(disable, new_codes)
        x.send(disable, "disabled", auth=True, body_override={"code": recovery[0]})
        assert x.send(status, "not_enabled", auth=True).json()[left_field] == 0
        # Enrolled again: a new key, confirmed by its own code.
        secret = x.send(enroll, "enrolled", auth=True, body_override=by_password).json()["secret"]
        x.send(confirm, "confirmed", auth=True, body_override={"code": code(secret, step_start())})
    x.send(disable, "disabled_by_password", auth=True, body_override=by_password)
    return signed_in


PASSKEY_OPS = ("passkeyList", "passkeyRegisterOptions", "passkeyRegister", "passkeyDelete")


def passkeys_replayed(x, password, sources, cross_origin=None):
    """Passkeys (docs/contracts.md, "Passkeys"), with a software authenticator at the origin the
    replay sends from (RP ID localhost, as nginx names it locally): refused without a token, with
    bad bodies and wrong passwords until throttled; a credential for another origin refused and
    its ceremony spent; one registered, the same credential refused again, twenty the most; a
    sign-in, its assertion replayed, one without user verification meeting the authenticator
    app; the passkey removed and its assertions refused until the network is throttled. The
    caller is signed in (x.token) with `password`; `cross_origin(op)` sends the refused
    cross-site request."""
    by_password = {"password": password}

    def send(op, name, **kw):
        # Each from a network of its own: nginx's per-network rate on these routes is not the
        # subject here.
        kw.setdefault("source", next(sources))
        return x.send(op, name, **kw)

    key = Authenticator(f"http://127.0.0.1:{x.stack.ports[x.site]}", rp_id="localhost")

    def options():
        return send("passkeyRegisterOptions", "options", auth=True,
                      body_override=by_password).json()

    for op in PASSKEY_OPS:
        send(op, "no_token")
    send("passkeyList", "none", auth=True)
    send("passkeyRegisterOptions", "invalid", auth=True)
    throttled(x, "passkeyRegisterOptions", next(sources), auth=True)
    for op in PASSKEY_OPS[1:] if cross_origin else ():
        cross_origin(op)
    send("passkeyRegister", "invalid", auth=True)
    send("passkeyRegister", "malformed", auth=True)
    created = options()
    send("passkeyRegister", "not_verified", auth=True, body_override={
        "credential": key.create(created, origin="https://evil.example", keep=False)})
    send("passkeyRegister", "expired", auth=True,
           body_override={"credential": key.create(created, keep=False)})
    added = send("passkeyRegister", "registered", auth=True,
                   body_override={"credential": key.create(options())}).json()
    first = key.credentials[0]
    send("passkeyList", "ok", auth=True)
    send("passkeyRegister", "taken", auth=True, body_override={
        "credential": key.create(options(), credential=first, keep=False)})
    for _ in range(19):
        send("passkeyRegister", "registered", auth=True,
               body_override={"credential": key.create(options(), keep=False), "name": "More"})
    send("passkeyRegister", "too_many", auth=True,
           body_override={"credential": key.create(options(), keep=False)})

    def login_options():
        return send("passkeyLoginOptions", "options").json()

    send("passkeyLogin", "invalid", source=next(sources))
    send("passkeyLogin", "malformed", source=next(sources))
    assertion = key.get(login_options(), credential=first)
    signed_in = send("passkeyLogin", "ok", body_override={"credential": assertion},
                       source=next(sources))
    send("passkeyLogin", "expired", body_override={"credential": assertion}, source=next(sources))
    # Without user verification, for an account with an authenticator app: its second step.
    secret = send("totpEnroll", "enrolled", auth=True, body_override=by_password).json()["secret"]
    send("totpConfirm", "confirmed", auth=True, body_override={"code": code(secret, step_start())})
    send("passkeyLogin", "mfa_required", source=next(sources), body_override={
        "credential": key.get(login_options(), credential=first, uv=False)})
    send("totpDisable", "disabled_by_password", auth=True, body_override=by_password)

    send("passkeyDelete", "invalid", auth=True)
    send("passkeyDelete", "not_found", auth=True)
    send("passkeyDelete", "deleted", auth=True, body_override={"id": added["id"]})
    guesser = next(sources)
    for _ in range(3):
        send("passkeyLogin", "refused", source=guesser, body_override={
            "credential": key.get(login_options(), credential=first)})
    send("passkeyLogin", "throttled", source=guesser, body_override={
        "credential": key.get(login_options(), credential=first)})
    return signed_in


def load(contract):
    with open(os.path.join(DOCS, contract + ".json")) as f:
        return json.load(f)


def operations(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method.upper(), operation


def validator(doc, schema):
    resolver = jsonschema.RefResolver.from_schema(doc)
    return jsonschema.Draft202012Validator(schema, resolver=resolver,
                                           format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("site,contract", [(s, SITE_CONTRACT[s]) for s in SITES if SITE_CONTRACT[s] != "ops"])
def test_each_site_serves_its_document(stack, site, contract):
    r = stack.client(site).get("/api/auth/openapi.json")
    assert r.status == 200 and r.header("Content-Type").startswith("application/json")
    assert r.json() == load(contract)


def test_the_documents_describe_exactly_the_compiled_routes():
    env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
    routes = json.loads(subprocess.run([BIN, "routes", "--json"], capture_output=True, text=True,
                                       env=env, check=True).stdout)
    served = {(r["contract"], r["method"], r["path"]) for r in routes if r["contract"] in CONTRACTS}
    documented = {(c, m, p) for c in CONTRACTS for p, m, _ in operations(load(c))}
    assert documented == served - UNDOCUMENTED


def test_every_contract_has_its_document_and_no_document_is_left_over():
    documents = {name[:-len(".json")] for name in os.listdir(DOCS) if name.endswith(".json")}
    assert documents == set(CONTRACTS)


@pytest.mark.parametrize("contract", CONTRACTS)
def test_examples_match_their_schemas(contract):
    doc = load(contract)
    for path, method, op in operations(doc):
        accepted = set()
        for status, response in op["responses"].items():
            media = response.get("content", {}).get("application/json")
            assert media and media.get("examples"), f"{method} {path} {status} has no example"
            for name, example in media["examples"].items():
                errors = list(validator(doc, media["schema"]).iter_errors(example["value"]))
                assert not errors, f"{method} {path} {status} example {name}: {errors[0].message}"
                if status.startswith("2"):
                    accepted.add(name)
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        for name in (accepted & set(body["examples"]) if body else ()):
            value = body["examples"][name]["value"]
            errors = list(validator(doc, body["schema"]).iter_errors(value))
            assert not errors, f"{method} {path} request example {name}: {errors[0].message}"


class Replay:
    """Sends a document's request examples and checks the answers against the document."""

    def __init__(self, stack, contract, site=None):
        self.stack, self.doc, self.site = stack, load(contract), site or contract
        self.ops = {op["operationId"]: (path, method, op) for path, method, op in operations(self.doc)}
        self.renamed = {}  # example emails and usernames -> unique ones, the same all along
        self.reached = set()
        self.token = None
        self.cookies = {}

    def unique_values(self, value):
        if isinstance(value, dict):
            return {k: self.unique_values(v) if k not in ("email", "username") else self.rename(v)
                    for k, v in value.items()}
        return value

    def rename(self, value):
        if not isinstance(value, str):
            return value
        if value not in self.renamed:
            local, _, domain = value.partition("@")
            self.renamed[value] = unique(local or "x") + ("@" + domain if _ else "")
        return self.renamed[value]

    def expected(self, op, name):
        for status, response in op["responses"].items():
            media = response.get("content", {}).get("application/json", {})
            if name in media.get("examples", {}):
                return int(status), media["schema"]
        raise AssertionError(f"{op['operationId']}: no response example named {name}")

    def send(self, op_id, name, auth=False, query=None, body_override=None, headers=None,
             source=None):
        path, method, op = self.ops[op_id]
        status, schema = self.expected(op, name)
        body = None
        media = op.get("requestBody", {}).get("content", {}).get("application/json")
        if media:
            example = media["examples"].get(name)
            body = self.unique_values(copy.deepcopy(example["value"])) if example else {}
            if body_override:
                body.update(body_override)
        sent = dict(headers or {})
        if auth and self.token:
            sent["Authorization"] = "Bearer " + self.token
        if self.cookies and "Cookie" not in sent:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST" and "Origin" not in sent:
            sent["Origin"] = f"http://127.0.0.1:{self.stack.ports[self.site]}"
        target = path + (("?" + query) if query else "")
        r = self.stack.client(self.site).request(method, target, json_body=body, headers=sent,
                                                 source=source)
        assert r.status == status, f"{op_id} [{name}] documented {status}, got {r}"
        errors = list(validator(self.doc, schema).iter_errors(r.json()))
        assert not errors, f"{op_id} [{name}]: {errors[0].message} in {r.json()}"
        self.reached.add((op_id, str(status)))
        return r

    def assert_every_status_reached(self):
        documented = {(op["operationId"], s) for _, _, op in operations(self.doc)
                      for s in op["responses"] if s != "503"}
        assert documented - self.reached == set()


def test_fastapi_document_replayed(stack):
    x = Replay(stack, "fastapi")
    x.send("register_user", "created")
    x.send("register_user", "duplicate")
    x.send("register_user", "invalid")
    x.token = x.send("login", "ok").json()["access_token"]
    x.send("login", "wrong_password")
    x.send("login", "missing_password")
    throttled(x, "login", "127.0.0.5")
    x.send("current_user", "ok", auth=True)
    x.send("current_user", "no_token")
    x.send("change_password", "no_token")
    x.send("change_password", "invalid", auth=True)
    throttled(x, "change_password", "127.0.0.9", auth=True)
    old = x.token
    x.token = x.send("change_password", "changed", auth=True).json()["access_token"]
    x.send("current_user", "ok", auth=True)
    x.token, fresh = old, x.token
    x.send("current_user", "no_token", auth=True)  # the token the change was made with
    x.token = fresh
    x.send("logout", "ok", auth=True)
    x.send("current_user", "no_token", auth=True)  # the logged-out token
    x.send("logout", "anonymous")
    login = lambda: x.send("login", "ok", body_override={"password": CHANGED}).json()["access_token"]
    x.token = login()
    sessions_replayed(x, ("list_sessions", "revoke_session", "revoke_all_sessions"), login,
                      field="session_id")
    x.token = login()
    x.token = second_factor_replayed(x, "login", CHANGED,
                                     iter(f"127.0.6.{n}" for n in range(1, 60))).json()["access_token"]
    x.send("current_user", "ok", auth=True)  # the second step's token
    x.token = passkeys_replayed(x, CHANGED, iter(f"127.0.10.{n}" for n in range(1, 250))).json()[
        "access_token"]
    x.send("current_user", "ok", auth=True)  # the passkey's token
    email_changed(x, ("change_email", "confirm_email"), "new_email", CHANGED,
                  lambda email: x.send("register_user", "created",
                                       body_override={"email": email, "username": unique("u")}),
                  iter(f"127.0.1.{n}" for n in range(1, 40)))
    deleted_after_refusals(x, "delete_account", "127.0.0.13")
    x.send("current_user", "no_token", auth=True)  # the account is gone
    x.assert_every_status_reached()


def test_gateway_document_replayed(stack):
    x = Replay(stack, "gateway")
    x.send("register", "created")
    x.send("register", "duplicate")
    x.send("register", "invalid")
    x.token = x.send("login", "ok").json()["token"]
    x.send("login", "wrong_password")
    x.send("login", "invalid")
    throttled(x, "login", "127.0.0.6")
    x.send("me", "ok", auth=True)
    x.send("me", "no_token")
    x.send("changePassword", "no_token")
    x.send("changePassword", "invalid", auth=True)
    throttled(x, "changePassword", "127.0.0.10", auth=True)
    x.send("logout", "ok", auth=True)
    cookie_site = Replay(stack, "gateway", site="gateway-cookie")
    cookie_site.renamed = x.renamed  # the same account
    r = cookie_site.send("login", "ok")
    cookie_site.cookies = {"token": r.cookie("token")}
    cookie_site.send("logout", "cross_origin", headers={"Origin": "https://evil.example"})
    cookie_site.send("changePassword", "cross_origin", headers={"Origin": "https://evil.example"})
    r = cookie_site.send("changePassword", "changed")
    cookie_site.cookies = {"token": r.cookie("token")}
    cookie_site.send("me", "ok")
    login = lambda: x.send("login", "ok", body_override={"password": CHANGED}).json()["token"]
    for op in ("revokeSession", "revokeAllSessions"):
        cookie_site.send(op, "cross_origin", headers={"Origin": "https://evil.example"})
    x.token = login()
    sessions_replayed(x, ("listSessions", "revokeSession", "revokeAllSessions"), login)
    x.token = login()
    r = cookie_site.send("login", "ok", body_override={"password": CHANGED})  # signed out too
    cookie_site.cookies = {"token": r.cookie("token")}
    x.token = second_factor_replayed(
        x, "login", CHANGED, iter(f"127.0.5.{n}" for n in range(1, 60)),
        cross_origin=lambda op: cookie_site.send(op, "cross_origin", headers=EVIL)).json()["token"]
    x.send("me", "ok", auth=True)  # the second step's token
    x.token = passkeys_replayed(
        x, CHANGED, iter(f"127.0.11.{n}" for n in range(1, 250)),
        cross_origin=lambda op: cookie_site.send(op, "cross_origin", headers=EVIL)).json()["token"]
    x.send("me", "ok", auth=True)  # the passkey's token
    email_changed(x, ("changeEmail", "confirmEmail"), "newEmail", CHANGED,
                  lambda email: x.send("register", "created", body_override={"email": email}),
                  iter(f"127.0.2.{n}" for n in range(1, 40)),
                  cross_origin=lambda: cookie_site.send(
                      "changeEmail", "cross_origin", headers={"Origin": "https://evil.example"}))
    x.send("deleteAccount", "no_token")
    x.send("deleteAccount", "invalid", auth=True)
    throttled(x, "deleteAccount", "127.0.0.14", auth=True)
    cookie_site.send("deleteAccount", "cross_origin", headers={"Origin": "https://evil.example"})
    r = cookie_site.send("deleteAccount", "deleted", body_override={"password": CHANGED})
    assert r.cookie("token") == "", r
    x.send("me", "no_token", auth=True)
    x.reached |= cookie_site.reached
    x.assert_every_status_reached()


def test_verified_document_replayed(stack):
    x = Replay(stack, "verified")
    x.send("register", "created")
    email = x.renamed["vera@example.com"]
    x.send("register", "duplicate")
    x.send("register", "invalid")
    x.send("login", "unverified")
    link = re.search(r"https?://\S+", stack.wait_for_mail(email)[0].get_body(
        preferencelist=("plain",)).get_content()).group(0)
    x.send("verify_email", "bad_token", query="token=not-a-token")
    x.send("verify_email", "verified", query=link.split("?", 1)[1])
    x.token = x.send("login", "ok").json()["token"]
    x.send("login", "wrong_password")
    x.send("login", "invalid")
    throttled(x, "login", "127.0.0.7")
    x.send("me", "ok", auth=True)
    x.send("me", "no_token")
    x.send("change_password", "no_token")
    x.send("change_password", "invalid", auth=True)
    throttled(x, "change_password", "127.0.0.11", auth=True)
    x.token = x.send("change_password", "changed", auth=True).json()["token"]
    x.send("me", "ok", auth=True)
    x.send("resend_verification", "sent")
    x.send("resend_verification", "invalid")
    x.send("forgot_password", "sent")
    x.send("forgot_password", "invalid")
    # The reset mail, whichever order the worker sent it and the password-changed notice in.
    deadline = time.time() + 10
    while not [m for m in stack.mails() if m["To"] == email and m["Subject"] == "Reset your password"]:
        assert time.time() < deadline, "no reset mail"
        time.sleep(0.05)
    [reset_mail] = [m for m in stack.mails() if m["To"] == email and m["Subject"] == "Reset your password"]
    token = re.search(r"token=([^\s&]+)", reset_mail.get_body(preferencelist=("plain",)).get_content()).group(1)
    x.send("reset_password", "bad_token")
    x.send("reset_password", "invalid")
    x.send("reset_password", "reset", body_override={"token": token})
    # Made-up tokens from one network: the network waits, on both token routes.
    for _ in range(3):
        x.send("verify_email", "bad_token", query="token=not-a-token", source="127.0.0.8")
    x.send("verify_email", "throttled", query="token=not-a-token", source="127.0.0.8")
    x.send("reset_password", "throttled", source="127.0.0.8")
    login = lambda: x.send("login", "ok", body_override={"password": "new-correct-horse"}).json()["token"]
    x.token = login()
    sessions_replayed(x, ("list_sessions", "revoke_session", "revoke_all_sessions"), login)
    x.token = login()
    x.token = second_factor_replayed(x, "login", "new-correct-horse",
                                     iter(f"127.0.7.{n}" for n in range(1, 60))).json()["token"]
    x.send("me", "ok", auth=True)  # the second step's token
    x.token = passkeys_replayed(x, "new-correct-horse",
                                iter(f"127.0.12.{n}" for n in range(1, 250))).json()["token"]
    x.send("me", "ok", auth=True)  # the passkey's token
    email_changed(x, ("change_email", "confirm_email"), "newEmail", "new-correct-horse",
                  lambda email: x.send("register", "created", body_override={"email": email}),
                  iter(f"127.0.3.{n}" for n in range(1, 40)))
    deleted_after_refusals(x, "delete_account", "127.0.0.15", password="new-correct-horse")
    x.send("me", "no_token", auth=True)
    x.assert_every_status_reached()


def test_storefront_document_replayed(stack):
    x = Replay(stack, "storefront")
    # nginx limits logins per client address: each kind logs in from an address of its own.
    for kind, source in (("Merchant", "127.0.0.2"), ("Customer", "127.0.0.3")):
        x.send(f"register{kind}", "created")
        x.send(f"register{kind}", "duplicate")
        x.send(f"register{kind}", "invalid")
        x.send(f"login{kind}", "wrong_password", source=source)
        x.send(f"login{kind}", "invalid", source=source)
        r = x.send(f"login{kind}", "ok", source=source)
        for _ in range(5):  # nginx's burst, spent by another address
            stack.client("storefront").request("POST", f"/api/auth/{kind.lower()}/login",
                                               json_body={}, source="127.0.0.4")
        x.send(f"login{kind}", "rate_limited", source="127.0.0.4")
        if kind == "Merchant":
            # The merchant's sign-in takes the second step the customers' does.
            x.token = r.json()["accessToken"]
            merchant = second_factor_replayed(x, "loginMerchant", "correct-horse",
                                              iter(f"127.0.9.{n}" for n in range(1, 60)),
                                              refusals=False)
            assert "merchant" in merchant.json() and merchant.cookie("refreshToken"), merchant
            x.token = merchant.json()["accessToken"]
            assert x.send("me", "ok", auth=True).json()["type"] == "merchant"
    x.token = r.json()["accessToken"]
    x.send("me", "ok", auth=True)
    x.send("me", "no_token")
    x.send("changePassword", "no_token")
    x.send("changePassword", "invalid", auth=True)
    throttled(x, "changePassword", "127.0.0.12", auth=True)
    x.send("changePassword", "cross_origin", auth=True, headers={"Origin": "https://evil.example"})
    # The login's refresh family ends with the change; the caller continues in the new one.
    r = x.send("changePassword", "changed", auth=True)
    x.token = r.json()["accessToken"]
    x.send("me", "ok", auth=True)
    x.send("refresh", "no_cookie")
    x.cookies = {"refreshToken": r.cookie("refreshToken")}
    x.send("refresh", "cross_origin", headers={"Origin": "https://evil.example"})
    x.cookies = {"refreshToken": x.send("refresh", "ok").cookie("refreshToken")}
    x.send("logout", "cross_origin", headers={"Origin": "https://evil.example"})
    x.send("logout", "ok")
    sources = iter(f"127.0.0.{n}" for n in range(17, 30))
    login = lambda: x.send("loginCustomer", "ok", body_override={"password": CHANGED},
                           source=next(sources)).json()["accessToken"]
    x.token = login()
    for op in ("revokeSession", "revokeAllSessions"):
        x.send(op, "cross_origin", auth=True, headers={"Origin": "https://evil.example"})
    sessions_replayed(x, ("listSessions", "revokeSession", "revokeAllSessions"), login)
    x.token = login()
    customer = second_factor_replayed(x, "loginCustomer", CHANGED,
                                      iter(f"127.0.8.{n}" for n in range(1, 60)))
    assert "customer" in customer.json() and customer.cookie("refreshToken"), customer
    x.token = customer.json()["accessToken"]
    x.send("me", "ok", auth=True)  # the second step's token
    customer = passkeys_replayed(x, CHANGED, iter(f"127.0.13.{n}" for n in range(1, 250)))
    assert "customer" in customer.json() and customer.cookie("refreshToken"), customer
    x.token = customer.json()["accessToken"]
    x.send("me", "ok", auth=True)  # the passkey's token
    email_changed(x, ("changeEmail", "confirmEmail"), "newEmail", CHANGED,
                  lambda email: x.send("registerCustomer", "created", body_override={"email": email}),
                  iter(f"127.0.4.{n}" for n in range(1, 40)),
                  cross_origin=lambda: x.send("changeEmail", "cross_origin", auth=True,
                                              headers={"Origin": "https://evil.example"}),
                  login_op="loginCustomer")
    x.send("deleteAccount", "cross_origin", auth=True, headers={"Origin": "https://evil.example"})
    deleted_after_refusals(x, "deleteAccount", "127.0.0.16")
    x.send("me", "no_token", auth=True)
    x.assert_every_status_reached()


def test_booking_document_replayed(stack):
    x = Replay(stack, "booking")
    x.send("customersGetCustomersMe", "no_token")
    x.send("customersPostCustomersMe", "no_token")
    email = f"{unique('maria')}@example.com"
    sign_up(stack, stack.client("booking"), email)
    x.token = sign_in(stack, stack.client("booking"), email)["IdToken"]
    x.send("customersGetCustomersMe", "missing", auth=True)
    x.send("customersPostCustomersMe", "invalid", auth=True)
    created = x.send("customersPostCustomersMe", "created", auth=True).json()
    assert created["email"] == email and created["name"] == "María García"
    x.send("customersPostCustomersMe", "exists", auth=True)
    x.send("customersGetCustomersMe", "ok", auth=True)
    x.assert_every_status_reached()


@pytest.mark.parametrize("contract", CONTRACTS)
def test_redocly_lint_passes(contract):
    node = node_binary()
    cli = os.path.join(NODE_DIR, "node_modules", "@redocly", "cli", "bin", "cli.js")
    env = dict(os.environ, REDOCLY_TELEMETRY="off", REDOCLY_SUPPRESS_UPDATE_NOTICE="true")
    r = subprocess.run([node, cli, "lint", "--config", os.path.join(DOCS, "redocly.yaml"),
                        "--format", "stylish", os.path.join(DOCS, contract + ".json")],
                       capture_output=True, text=True, env=env, timeout=120)
    out = r.stdout + r.stderr
    assert r.returncode == 0 and "Your API description is valid" in out, out
    assert "warning" not in out.lower().replace("deprecation warning", ""), out


def test_hey_api_generates_working_clients(stack):
    email = f"{unique('heyapi')}@example.com"
    sign_up(stack, stack.client("booking"), email)
    id_token = sign_in(stack, stack.client("booking"), email)["IdToken"]
    run_node("openapi.test.mjs", stack, LATCHKEY_OPENAPI_DIR=DOCS, LATCHKEY_ID_TOKEN=id_token,
             LATCHKEY_EMAIL=email, LATCHKEY_OPENAPI_OUT=os.path.join(stack.dir, "generated"))
