"""Change password on every password contract (gateway with the token in the body and in its
cookie, fastapi, verified, storefront's merchants and customers), through nginx: the current
password proven, the new one held to the contract's register rule, every other session and token
ended, the caller continuing with a fresh token, a wrong current password counted by the guess
throttle at the caller's own account, cross-origin calls on cookie sites refused, and the audit
rows (docs/contracts.md, each contract's "Change password")."""
import time

import pytest

from account_support import ADAPTERS, FOREIGN, FREE, NEW, OLD, PATH, Storefront, fresh_ip, password_throttle
from conftest import mailed_token, running



@pytest.fixture(scope="module")
def stack():
    yield from running(password_throttle())


@pytest.fixture(params=list(ADAPTERS))
def site(request, stack):
    return ADAPTERS[request.param](stack)


def mail_with_subject(stack, email, subject, timeout=10):
    """The first mail to `email` with `subject`, once the worker has sent it."""
    deadline = time.time() + timeout
    while True:
        found = [m for m in stack.mails() if m["To"].lower() == email and m["Subject"] == subject]
        if found:
            return found[0]
        assert time.time() < deadline, f"no {subject!r} mail to {email}"
        time.sleep(0.05)


def audit_rows(stack, account_id, event):
    with stack.db() as db:
        return db.execute("SELECT event, email, ip, detail FROM audit_events WHERE account_id = ? "
                          "AND event = ? ORDER BY id", (account_id, event)).fetchall()


def session_version(stack, account_id):
    with stack.db() as db:
        return db.execute("SELECT session_version FROM accounts WHERE id = ?",
                          (account_id,)).fetchone()[0]


# --- success -------------------------------------------------------------------------------------

def test_a_change_ends_every_other_session_and_the_caller_continues(stack, site):
    email = site.new_account()
    account_id = site.account_id(email)
    caller, other = site.sign_in(email), site.sign_in(email)  # this device, and another one
    assert site.me(caller).status == 200 and site.me(other).status == 200
    version = session_version(stack, account_id)

    r = site.change(caller, source="127.0.0.9")
    assert r.status == 200, r
    assert site.changed_body(r) == site.changed_message
    fresh = site.session_after(r)

    assert site.me(caller).status == 401  # the token the change was made with
    assert site.me(other).status == 401
    me = site.me(fresh)
    assert me.status == 200, me
    assert session_version(stack, account_id) == version + 1
    assert site.login(email, OLD).status == site.login_unauthorized
    assert site.login(email, NEW).status == 200

    [row] = audit_rows(stack, account_id, "password.change")
    assert tuple(row) == ("password.change", email, "127.0.0.9", site.kind)
    notice = mail_with_subject(stack, email, "Your password was changed")
    text = notice.get_body(preferencelist=("plain",)).get_content()
    assert "From: 127.0.0.9" in text and "every other session was signed out" in text


def test_storefront_ends_every_refresh_family_and_starts_one_for_the_caller(stack):
    for kind in ("merchant", "customer"):
        site = ADAPTERS[kind](stack)
        email = site.new_account()
        account_id = site.account_id(email)
        caller, other = site.sign_in(email), site.sign_in(email)
        r = site.change(caller)
        assert r.status == 200, r
        fresh = site.session_after(r)
        for old in (caller, other):
            refused = site.refresh(old)
            assert refused.status == 401 and refused.json() == {
                "message": "Invalid or expired refresh token"}, refused
        with stack.db() as db:
            families = db.execute("SELECT revoked_reason FROM refresh_families WHERE account_id = ? "
                                  "ORDER BY created_at, id", (account_id,)).fetchall()
        # register's, the two logins', and the caller's new one, which alone is alive
        assert sorted(str(f[0]) for f in families) == ["None", "password", "password", "password"]
        renewed = site.refresh(fresh)
        assert renewed.status == 200, renewed
        assert site.me(site.session_of(renewed)).status == 200


def test_the_new_password_may_be_changed_again_with_the_fresh_token(site):
    email = site.new_account()
    fresh = site.session_after(site.change(site.sign_in(email)))
    again = site.change(fresh, current=NEW, new=OLD + "x")
    assert again.status == 200, again
    assert site.login(email, OLD + "x").status == 200


def test_verified_voids_the_reset_links_sent_before(stack):
    site = ADAPTERS["verified"](stack)
    email = site.new_account()
    assert site.client.post("/api/auth/forgot", json={"email": email}).status == 200
    link = mailed_token(stack.wait_for_mail(email, count=2)[-1])
    assert site.change(site.sign_in(email)).status == 200
    r = site.client.post("/api/auth/reset", json={"token": link, "password": "Third-pass-123",
                                                  "confirmPassword": "Third-pass-123"})
    assert r.status == 400 and r.json() == {"message": "Invalid or expired reset token"}, r
    assert site.login(email, NEW).status == 200


# --- a wrong current password ---------------------------------------------------------------------

def test_a_wrong_current_password_is_refused_and_counted_until_the_throttle_holds(stack, site):
    email = site.new_account()
    account_id = site.account_id(email)
    caller = site.sign_in(email)
    source = fresh_ip()
    for _ in range(FREE):
        r = site.change(caller, current="not-the-password", source=source)
        assert r.status == 400 and r.json() == site.refused_body, r
    r = site.change(caller, current="not-the-password", source=source)
    assert r.status == 429 and r.json() == site.throttled_body, r
    assert 1 <= int(r.header("Retry-After")) <= 60
    # While locked even the right password waits, and nothing has changed.
    r = site.change(caller, source=source)
    assert r.status == 429 and r.json() == site.throttled_body, r
    assert site.me(caller).status == 200
    # The guesses were at the caller's own account, where its login counts: the login waits too.
    assert site.login(email, OLD, source=source).status == 429
    # The lock is this account's from this network: another account signs in from it.
    assert site.login(site.new_account(), OLD, source=source).status == 200
    failures = audit_rows(stack, account_id, "password.change.failure")
    assert len(failures) == FREE and {tuple(f)[2] for f in failures} == {source}
    assert audit_rows(stack, account_id, "password.change") == []
    # The owner, from elsewhere, still changes it.
    assert site.change(caller, source=fresh_ip()).status == 200


# --- the new password ------------------------------------------------------------------------------

def test_a_weak_new_password_is_the_contracts_validation_answer(stack, site):
    email = site.new_account()
    caller = site.sign_in(email)
    site.weak_refusal(site.change(caller, new=site.weak))
    assert site.me(caller).status == 200
    assert site.login(email, OLD).status == 200
    assert audit_rows(stack, site.account_id(email), "password.change.failure") == []


def test_missing_fields_are_the_contracts_validation_answer(site):
    caller = site.sign_in(site.new_account())
    r = site.change(caller, body={"unrelated": "x"})
    assert r.status in (400, 422), r
    assert site.error_key in r.json(), r


def test_verified_needs_the_confirmation_to_match(stack):
    site = ADAPTERS["verified"](stack)
    email = site.new_account()
    r = site.change(site.sign_in(email), body=site.change_body(OLD, NEW, confirm=NEW + "!"))
    assert r.status == 400, r
    assert r.json()["details"] == {"confirmPassword": "Passwords do not match"}, r
    assert site.login(email, OLD).status == 200


# --- who may call ---------------------------------------------------------------------------------

def test_no_caller_is_the_contracts_401(site):
    r = site.change(None)
    assert r.status == 401 and r.json() == site.unauthenticated_body, r
    if site.site == "fastapi":
        assert r.header("WWW-Authenticate") == "Bearer"
    r = site.change(None, headers={"Authorization": "Bearer not.a.token"})
    assert r.status == 401 and site.error_key in r.json(), r


@pytest.mark.parametrize("kind", ["gateway-cookie", "merchant", "customer"])
@pytest.mark.parametrize("headers", [{"Origin": FOREIGN}, {"Sec-Fetch-Site": "cross-site"}])
def test_a_cookie_site_refuses_a_cross_origin_change(stack, kind, headers):
    site = ADAPTERS[kind](stack)
    email = site.new_account()
    caller = site.sign_in(email)
    r = site.change(caller, headers=headers)
    assert r.status == 403 and r.json() == {site.error_key: "Cross-origin request refused"}, r
    assert not r.headers_named("Set-Cookie")
    assert site.me(caller).status == 200
    assert site.login(email, OLD).status == 200
    assert audit_rows(stack, site.account_id(email), "password.change.failure") == []


def test_the_gateway_cookie_site_takes_the_trusted_frontend_origin(stack):
    from conftest import FRONTEND_ORIGIN
    site = ADAPTERS["gateway-cookie"](stack)
    r = site.change(site.sign_in(site.new_account()), headers={"Origin": FRONTEND_ORIGIN})
    assert r.status == 200, r


def test_storefront_refuses_a_refresh_token_as_the_caller(stack):
    site = ADAPTERS["customer"](stack)
    caller = site.sign_in(site.new_account())
    r = site.client.request("POST", PATH, json_body=site.change_body(OLD, NEW),
                            headers={"Authorization": "Bearer " + caller.cookie})
    assert r.status == 401 and r.json() == Storefront.unauthenticated_body, r
