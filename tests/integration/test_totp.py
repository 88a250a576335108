"""Authenticator apps (TOTP, RFC 6238) as a second factor on every password contract (gateway
with the token in the body and in its cookie, fastapi, verified, storefront's merchants and
customers), through nginx, with codes from an independent generator (oathtool): enrolment
confirmed by a first code, the two-step sign-in, the ±1-step window and its edges, each code
answering once, single-use recovery codes, disabling, and the refusals in each contract's shape
(docs/contracts.md, "Authenticator apps")."""
import re

import pytest

from account_support import ADAPTERS, FOREIGN, OLD, fresh_ip
from conftest import running
from totp_support import PERIOD, challenge, code, enrol, step_start, uri_parts


@pytest.fixture(scope="module")
def stack():
    yield from running()


@pytest.fixture(params=list(ADAPTERS))
def site(request, stack):
    return ADAPTERS[request.param](stack)


def test_enrol_then_sign_in_with_the_apps_code(site):
    email = site.new_account()
    session = site.sign_in(email)
    r = site.totp(session, None)
    assert r.status == 200 and r.json() == {"enabled": False, site.name("recovery_left"): 0}, r

    r = site.totp(session, "enroll", {"password": OLD})
    assert r.status == 200 and r.header("Cache-Control") == "no-store", r
    body = r.json()
    assert set(body) == {"secret", site.name("uri")}, body
    secret = body["secret"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret  # 160 bits, base32 without padding
    parsed, query = uri_parts(body[site.name("uri")])
    assert (parsed.scheme, parsed.netloc) == ("otpauth", "totp")
    assert parsed.path == f"/{site.site_name()}:{email}".replace("@", "%40")
    assert query == {"secret": secret, "issuer": site.site_name(), "algorithm": "SHA1",
                     "digits": "6", "period": "30"}
    # Not yet confirmed: signing in still needs the password only.
    assert site.totp(session, None).json()["enabled"] is False
    site.sign_in(email)

    start = step_start()
    wrong = f"{(int(code(secret, start)) + 1) % 1000000:06d}"
    r = site.totp(session, "confirm", {"code": wrong})
    assert r.status == 400 and r.json() == site.error_body(400, "Invalid code"), r
    r = site.totp(session, "confirm", {"code": code(secret, start)})
    assert r.status == 200 and r.header("Cache-Control") == "no-store", r
    body = r.json()
    assert set(body) == {"enabled", site.name("recovery_codes")} and body["enabled"] is True, body
    codes = body[site.name("recovery_codes")]
    assert len(codes) == 10 and len(set(codes)) == 10, codes
    assert all(re.fullmatch(r"[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}", c) for c in codes), codes
    r = site.totp(session, None)
    assert r.json() == {"enabled": True, site.name("recovery_left"): 10}, r
    [notice] = site.stack.wait_for_mail(email, subject="Two-step sign-in was turned on")
    assert "authenticator app was set up" in notice.get_body(("plain",)).get_content()

    # Stored: the key sealed, the recovery codes as keyed hashes; neither in clear.
    account_id = site.account_id(email)
    with site.stack.db() as db:
        [(stored, confirmed_at, last_step)] = db.execute(
            "SELECT secret, confirmed_at, last_step FROM totp_factors WHERE account_id = ?",
            (account_id,)).fetchall()
        hashes = [h for (h,) in db.execute(
            "SELECT code_hash FROM recovery_codes WHERE account_id = ?", (account_id,)).fetchall()]
    assert secret not in stored and confirmed_at is not None and last_step == start // PERIOD
    assert len(hashes) == 10 and not set(hashes) & {c.replace("-", "") for c in codes}

    # The password now only opens a challenge, which is no access token.
    token = challenge(site, email)
    assert site.me(type(session)(token, token)).status == 401
    r = site.second_factor(token, code(secret, start + PERIOD))
    assert r.status == 200, r
    assert site.me(site.session_of(r)).status == 200


def test_the_window_is_one_step_each_way_and_each_code_answers_once(site):
    email = site.new_account()
    session = site.sign_in(email)
    r = site.totp(session, "enroll", {"password": OLD})
    secret = r.json()["secret"]
    start = step_start()
    # The step before is still accepted (the edge behind): it confirms the key.
    assert site.totp(session, "confirm", {"code": code(secret, start - PERIOD)}).status == 200

    token = challenge(site, email)
    # The clock may have moved on since the confirmation: count from here, with room for the
    # seven requests below to stay in this step on a busy machine.
    now = step_start(margin=15)
    for outside in (now - 2 * PERIOD, now + 2 * PERIOD):
        r = site.second_factor(token, code(secret, outside))
        assert r.status == 401 and r.json() == site.error_body(401, "Invalid code"), r
    # The step after (the edge ahead) is accepted, on the same challenge after two wrong codes.
    r = site.second_factor(token, code(secret, now + PERIOD))
    assert r.status == 200, r
    # The same code again, or any older one in the window, is refused on a new challenge.
    token = challenge(site, email)
    for spent in (now + PERIOD, now, now - PERIOD):
        r = site.second_factor(token, code(secret, spent))
        assert r.status == 401 and r.json() == site.error_body(401, "Invalid code"), r
    # And the used challenge answers nothing, even with a good code.
    with site.stack.db() as db:
        [(last_step,)] = db.execute("SELECT last_step FROM totp_factors WHERE account_id = ?",
                                    (site.account_id(email),)).fetchall()
    assert last_step == now // PERIOD + 1


def test_a_recovery_code_signs_in_once_and_new_ones_void_the_old(site):
    email = site.new_account()
    session = site.sign_in(email)
    secret, codes, _ = enrol(site, session)
    # Typed loosely: upper case, spaces instead of the dash.
    r = site.second_factor(challenge(site, email), codes[0].upper().replace("-", " "))
    assert r.status == 200, r
    assert site.me(site.session_of(r)).status == 200
    r = site.second_factor(challenge(site, email), codes[0])
    assert r.status == 401 and r.json() == site.error_body(401, "Invalid code"), r
    assert site.totp(session, None).json()[site.name("recovery_left")] == 9
    # The owner is told a recovery code was spent (once: the refused repeat tells nothing).
    [_] = site.stack.wait_for_mail(email, subject="A recovery code was used to sign in")

    r = site.totp(session, "recovery-codes", {"password": "Wrong-password-1"})
    assert r.status == 400, r
    r = site.totp(session, "recovery-codes", {"password": OLD})
    assert r.status == 200 and r.header("Cache-Control") == "no-store", r
    fresh = r.json()[site.name("recovery_codes")]
    [_] = site.stack.wait_for_mail(email, subject="New recovery codes were made")
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    r = site.second_factor(challenge(site, email), codes[1])
    assert r.status == 401, r
    r = site.second_factor(challenge(site, email), fresh[9])
    assert r.status == 200, r
    assert site.totp(session, None).json()[site.name("recovery_left")] == 9


def test_wrong_codes_end_the_challenge(site):
    email = site.new_account()
    session = site.sign_in(email)
    secret, _, start = enrol(site, session)
    token = challenge(site, email)
    good = code(secret, start + PERIOD)
    wrong = f"{(int(good) + 7) % 1000000:06d}"
    for _ in range(5):
        r = site.second_factor(token, wrong)
        assert r.status == 401 and r.json() == site.error_body(401, "Invalid code"), r
    r = site.second_factor(token, good)
    assert r.status == 401, r
    assert r.json() == site.error_body(401, "Invalid or expired sign-in challenge"), r
    # A fresh challenge takes the same good code: the closed one spent nothing.
    assert site.second_factor(challenge(site, email), good).status == 200


def test_disable_needs_a_code_or_the_password(site):
    email = site.new_account()
    session = site.sign_in(email)
    secret, codes, start = enrol(site, session)
    r = site.totp(session, "enroll", {"password": OLD})
    assert r.status == 409 and r.json() == site.error_body(
        409, "Two-factor authentication is already enabled"), r
    r = site.totp(session, "disable", {})
    assert r.status in (400, 422), r
    r = site.totp(session, "disable", {"code": "000000" if code(secret, start) != "000000"
                                      else "111111"})
    assert r.status == 400 and r.json() == site.error_body(400, "Invalid code"), r
    r = site.totp(session, "disable", {"password": "Wrong-password-1"})
    assert r.status == 400, r
    r = site.totp(session, "disable", {"code": codes[3]})  # a recovery code will do
    assert r.status == 200 and r.json() == {"message": "Two-factor authentication disabled"}, r
    site.stack.wait_for_mail(email, subject="Two-step sign-in was turned off")
    with site.stack.db() as db:
        for table in ("totp_factors", "recovery_codes"):
            assert db.execute(f"SELECT COUNT(*) FROM {table} WHERE account_id = ?",
                              (site.account_id(email),)).fetchone()[0] == 0
    # Signing in is the password alone again; disabling twice says there is nothing to disable.
    assert site.sign_in(email) is not None
    r = site.totp(session, "disable", {"password": OLD})
    assert r.status == 400 and r.json() == site.error_body(
        400, "Two-factor authentication is not enabled"), r
    r = site.totp(session, "recovery-codes", {"password": OLD})
    assert r.status == 400 and r.json() == site.error_body(
        400, "Two-factor authentication is not enabled"), r
    r = site.totp(session, "confirm", {"code": "123456"})
    assert r.status == 400 and r.json() == site.error_body(
        400, "No authenticator enrolment to confirm"), r
    # Enrolled again by password: a new key, the old one's codes worth nothing.
    secret2, _, start2 = enrol(site, session)
    assert secret2 != secret
    r = site.second_factor(challenge(site, email), code(secret, start2 + PERIOD))
    assert r.status == 401, r


def test_every_route_needs_the_caller_and_its_password(site):
    email = site.new_account()
    session = site.sign_in(email)
    for action in ("enroll", "confirm", "disable", "recovery-codes"):
        r = site.totp(None, action, {"password": OLD, "code": "123456"})
        assert r.status == 401, (action, r)
    assert site.totp(None, None).status == 401
    r = site.totp(session, "enroll", {"password": "Wrong-password-1"})
    assert r.status == 400, r
    with site.stack.db() as db:
        assert db.execute("SELECT COUNT(*) FROM totp_factors WHERE account_id = ?",
                          (site.account_id(email),)).fetchone()[0] == 0
    r = site.second_factor("not-a-challenge", "123456")
    assert r.status == 401 and r.json() == site.error_body(
        401, "Invalid or expired sign-in challenge"), r
    r = site.second_factor(None, None, body={})
    assert r.status in (400, 422), r


def test_the_cookie_site_refuses_changes_from_a_foreign_origin(stack):
    site = ADAPTERS["gateway-cookie"](stack)
    email = site.new_account()
    session = site.sign_in(email)
    foreign = {"Origin": FOREIGN}
    r = site.totp(session, "enroll", {"password": OLD}, headers=foreign)
    assert r.status == 403, r
    secret, codes, _ = enrol(site, session)
    for action, body in (("disable", {"password": OLD}), ("recovery-codes", {"password": OLD})):
        r = site.totp(session, action, body, headers=foreign)
        assert r.status == 403, (action, r)
    assert site.totp(session, None).json() == {"enabled": True, "recoveryCodesLeft": 10}
