"""Delete account on every password contract (gateway with the token in the body and in its
cookie, fastapi, verified, storefront's merchants and customers), through nginx: the password
proven, then the account and every row that referenced it gone in one transaction, its unsent mail
dropped but the "account deleted" notice sent, an audit tombstone without personal data, the
address free to register again, and a wrong password counted by the guess throttle
(docs/contracts.md, each contract's "Delete account")."""
import time

import pytest

from account_support import ADAPTERS, DELETE_PATH, FOREIGN, FREE, OLD, fresh_ip, password_throttle
from conftest import running

SUBJECT = "Your account was deleted"
# Every table with a column that references accounts(id) (sql/): all cascade.
REFERENCING = ("one_time_tokens", "refresh_families", "auth_challenges", "customers",
               "known_networks", "known_devices")


@pytest.fixture(scope="module")
def stack():
    yield from running(password_throttle())


@pytest.fixture(params=list(ADAPTERS))
def site(request, stack):
    return ADAPTERS[request.param](stack)


def rows_of(stack, account_id):
    with stack.db() as db:
        counts = {t: db.execute(f"SELECT COUNT(*) FROM {t} WHERE account_id = ?",
                                (account_id,)).fetchone()[0] for t in REFERENCING}
        counts["accounts"] = db.execute("SELECT COUNT(*) FROM accounts WHERE id = ?",
                                        (account_id,)).fetchone()[0]
        counts["refresh_tokens"] = db.execute(
            "SELECT COUNT(*) FROM refresh_tokens WHERE family_id IN "
            "(SELECT id FROM refresh_families WHERE account_id = ?)", (account_id,)).fetchone()[0]
    return counts


def audit_mark(stack):
    with stack.db() as db:
        return db.execute("SELECT COALESCE(MAX(id), 0) FROM audit_events").fetchone()[0]


def audit_of(stack, account_id, since):
    """The account's events recorded after `since`."""
    with stack.db() as db:
        return [tuple(r) for r in db.execute(
            "SELECT event, email, ip, user_agent, detail FROM audit_events WHERE account_id = ? "
            "AND id > ? ORDER BY id", (account_id, since)).fetchall()]


def public_id(stack, site, email):
    with stack.db() as db:
        return db.execute("SELECT public_id FROM accounts WHERE site = ? AND kind = ? AND "
                          "email_key = ?", (site.site_name(), site.kind, email)).fetchone()[0]


def queue_pending_mail(stack, site, email):
    """An unsent message to the address, as the worker has not yet taken it."""
    with stack.db(writable=True) as db:
        db.execute("INSERT INTO outbox(site, kind, recipient, sealed_message, next_attempt_at, "
                   "created_at) VALUES (?, 'verify_email', ?, NULL, ?, ?)",
                   (site.site_name(), email, int(time.time()) + 3600, int(time.time())))


def outbox_to(stack, site, email):
    with stack.db() as db:
        return [tuple(r) for r in db.execute(
            "SELECT kind, status FROM outbox WHERE site = ? AND lower(recipient) = ? ORDER BY id",
            (site.site_name(), email)).fetchall()]


# --- success -------------------------------------------------------------------------------------

def test_a_delete_removes_the_account_and_everything_that_referenced_it(stack, site):
    mark = audit_mark(stack)
    email = site.new_account()
    account_id = site.account_id(email)
    old_public_id = public_id(stack, site, email)
    caller, other = site.sign_in(email), site.sign_in(email)
    assert rows_of(stack, account_id)["accounts"] == 1
    queue_pending_mail(stack, site, email)

    r = site.delete(caller, source="127.0.0.9")
    assert r.status == 200 and r.json() == site.deleted_body, r
    if site.deleted_cookie():
        [cleared] = [v for v in r.headers_named("Set-Cookie")
                     if v.startswith(site.deleted_cookie())]
        assert cleared.startswith(site.deleted_cookie() + ";"), cleared
    assert rows_of(stack, account_id) == {t: 0 for t in (*REFERENCING, "accounts", "refresh_tokens")}

    # The tombstone is the last event; no event of the account names a person any more.
    events = audit_of(stack, account_id, mark)
    assert events[-1] == ("account.delete", None, None, None, site.kind), events
    assert all(e[1:4] == (None, None, None) for e in events), events
    # Read before the refused login below, which is a new event about whoever tried.
    with stack.db() as db:
        named = db.execute("SELECT COUNT(*) FROM audit_events WHERE lower(email) = ?",
                           (email,)).fetchone()[0]
    assert named == 0

    for token in (caller, other):
        assert site.me(token).status == 401
    assert site.login(email, OLD).status == site.login_unauthorized
    if site.deleted_cookie() == "refreshToken=":
        assert site.refresh(other).status == 401


    # The unsent mail went with the account; the notice is the one mail that still goes.
    notice = stack.wait_for_mail(email, subject=SUBJECT)[0]
    text = notice.get_body(preferencelist=("plain",)).get_content()
    assert "From: 127.0.0.9" in text and "was deleted" in text
    assert [k for k, _ in outbox_to(stack, site, email)].count("verify_email") == 0 or \
        site.site == "verified"  # verified's own verification mail was sent before the delete
    assert ("verify_email", "pending") not in outbox_to(stack, site, email)

    # The address registers again at once, as a new account.
    site.register(email)
    assert public_id(stack, site, email) != old_public_id


def test_racing_deletes_with_one_token_delete_once(stack, site):
    from concurrent.futures import ThreadPoolExecutor
    email = site.new_account()
    caller = site.sign_in(email)
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda _: site.delete(caller, source=fresh_ip()), range(4)))
    statuses = sorted(r.status for r in replies)
    # The others are refused: the account is gone (401), or the password hashing queue was full
    # (the service's own 503 with Retry-After); never a 500.
    assert statuses.count(200) == 1 and all(s in (401, 503) for s in statuses[1:]), statuses
    assert len(stack.mails_to(email, SUBJECT)) <= 1
    stack.wait_for_mail(email, subject=SUBJECT)[0]
    time.sleep(0.3)
    assert len(stack.mails_to(email, SUBJECT)) == 1


# --- a wrong password -----------------------------------------------------------------------------

def test_a_wrong_password_is_refused_and_counted_until_the_throttle_holds(stack, site):
    mark = audit_mark(stack)
    email = site.new_account()
    account_id = site.account_id(email)
    caller = site.sign_in(email)
    source = fresh_ip()
    for _ in range(FREE):
        r = site.delete(caller, password="not-the-password", source=source)
        assert r.status == 400 and r.json() == site.delete_refused_body, r
    r = site.delete(caller, password="not-the-password", source=source)
    assert r.status == 429 and r.json() == site.throttled_body, r
    r = site.delete(caller, source=source)  # locked: even the right password waits
    assert r.status == 429, r
    assert site.me(caller).status == 200 and rows_of(stack, account_id)["accounts"] == 1
    assert site.login(email, OLD, source=source).status == 429
    failures = [e for e in audit_of(stack, account_id, mark)
                if e[0] == "account.delete.failure"]
    assert len(failures) == FREE and {f[2] for f in failures} == {source}
    assert site.delete(caller, source=fresh_ip()).status == 200


def test_missing_password_is_the_contracts_validation_answer(stack, site):
    email = site.new_account()
    caller = site.sign_in(email)
    r = site.delete(caller, body={"unrelated": "x"})
    assert r.status in (400, 422) and site.error_key in r.json(), r
    assert site.me(caller).status == 200


# --- who may call ---------------------------------------------------------------------------------

def test_no_caller_is_the_contracts_401(site):
    r = site.delete(None)
    assert r.status == 401 and r.json() == site.unauthenticated_body, r
    r = site.delete(None, headers={"Authorization": "Bearer not.a.token"})
    assert r.status == 401 and site.error_key in r.json(), r


@pytest.mark.parametrize("kind", ["gateway-cookie", "merchant", "customer"])
@pytest.mark.parametrize("headers", [{"Origin": FOREIGN}, {"Sec-Fetch-Site": "cross-site"}])
def test_a_cookie_site_refuses_a_cross_origin_delete(stack, kind, headers):
    site = ADAPTERS[kind](stack)
    mark = audit_mark(stack)
    email = site.new_account()
    caller = site.sign_in(email)
    for _ in range(FREE + 1):  # refused before any guess is counted
        r = site.delete(caller, password="not-the-password", headers=headers)
        assert r.status == 403 and r.json() == {site.error_key: "Cross-origin request refused"}, r
    assert not r.headers_named("Set-Cookie")
    assert site.me(caller).status == 200
    assert not [e for e in audit_of(stack, site.account_id(email), mark)
                if e[0] == "account.delete.failure"]


# --- the notice switch ----------------------------------------------------------------------------

def test_the_notice_switch_off_sends_nothing():
    for s in running(password_throttle(notify_account_deleted="0")):
        for kind in ADAPTERS:
            site = ADAPTERS[kind](s)
            email = site.new_account()
            account_id = site.account_id(email)
            assert site.delete(site.sign_in(email)).status == 200
            assert rows_of(s, account_id)["accounts"] == 0
            time.sleep(0.3)
            assert s.mails_to(email, SUBJECT) == []
            assert outbox_to(s, site, email) in ([], [("verify_email", "sent")])


def test_the_notice_speaks_the_accounts_language(stack):
    from conftest import unique, verify_call
    c = stack.client("verified")
    email = f"{unique('borrar')}@example.com"
    r = c.post("/api/auth/register", json={"email": email, "password": OLD, "confirmPassword": OLD},
               headers={"Accept-Language": "es-MX,es;q=0.9"}, source=fresh_ip())
    assert r.status == 201, r
    [mail] = stack.wait_for_mail(email)
    assert c.get(verify_call(mail)).status == 200
    site = ADAPTERS["verified"](stack)
    r = site.delete(site.sign_in(email), headers={"User-Agent": "Mozilla/5.0 (X11; Linux) Firefox/128"},
                    source="127.0.0.9")
    assert r.status == 200, r
    [notice] = stack.wait_for_mail(email, subject="Tu cuenta ha sido eliminada")
    text = notice.get_body(preferencelist=("plain",)).get_content()
    assert "Desde: 127.0.0.9" in text and "Con: Firefox on Linux" in text, text
