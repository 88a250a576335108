"""Authenticator apps as the tests drive them: codes from an independent generator (oathtool,
Debian's OATH toolkit), never from the service's own code, and the enrolment and the two-step
sign-in every password contract shares (docs/contracts.md, "Authenticator apps")."""
import subprocess
import time
import urllib.parse

from account_support import OLD, fresh_ip

PERIOD = 30


def code(secret, at):
    """The six-digit code of base32 `secret` at Unix time `at`, as oathtool computes it."""
    out = subprocess.run(["oathtool", "--totp", "--base32", f"--now=@{int(at)}", secret],
                         check=True, capture_output=True, text=True).stdout.strip()
    assert len(out) == 6 and out.isdigit(), out
    return out


def step_start(margin=8):
    """The start of the current 30-second step, waiting for the next one when fewer than `margin`
    seconds of it are left (and for the first second of a step to pass), so that the service's
    clock stays in the same step as ours for the requests that follow, even on a busy machine."""
    while True:
        now = time.time()
        into = now % PERIOD
        if 1 <= into <= PERIOD - margin:
            return int(now - into)
        time.sleep(PERIOD - into + 1 if into > PERIOD - margin else 1 - into)


def enrol(site, session, password=OLD):
    """Enrols and confirms an authenticator for the caller: (secret, recovery codes, the step the
    confirming code spent)."""
    r = site.totp(session, "enroll", {"password": password})
    assert r.status == 200, r
    secret = r.json()["secret"]
    start = step_start()
    r = site.totp(session, "confirm", {"code": code(secret, start)})
    assert r.status == 200, r
    return secret, r.json()[site.name("recovery_codes")], start


def challenge(site, email, password=OLD, source=None):
    """The login answer for an account with an authenticator: its challenge token."""
    r = site.login(email, password, source=source or fresh_ip())
    assert r.status == 200, r
    body = r.json()
    assert body == {site.name("required"): True, site.name("challenge"): body[site.name("challenge")],
                    "methods": ["totp", "recovery_code"], site.name("expires_in"): 300}, body
    return body[site.name("challenge")]


def uri_parts(uri):
    parsed = urllib.parse.urlparse(uri)
    return parsed, dict(urllib.parse.parse_qsl(parsed.query))
