"""Attacks on a signed-in account's own endpoints (issue 21), on every password contract through
nginx: aiming a change at another account, racing changes with one token, replaying the token a
change ended, cross-site forms against the cookie sites, and deleting an account without its
password, someone else's, or twice at once; ending another account's session with its id, a
session id presented as a token, and cross-site forms ending sessions. Each refusal changes
nothing; no case sees a 5xx. The guessing of a current password is test_change_password.py's."""
import concurrent.futures

import pytest

from account_support import (ADAPTERS, DELETE_PATH, NEW, OLD, PATH, REVOKE_ALL_PATH, REVOKE_PATH,
                             fresh_ip)
from conftest import running


@pytest.fixture(scope="module")
def stack():
    # Room in the hash queue for every racing change (two hashes each): the race is the subject,
    # not the service's load shedding.
    yield from running({"hash_queue_max": "16", "hash_queue_ms": "12000"})


@pytest.fixture(params=list(ADAPTERS))
def site(request, stack):
    return ADAPTERS[request.param](stack)


def test_the_change_takes_no_account_to_aim_at(site):
    """The route names no account: whatever the body says, the caller's own password changes."""
    victim, attacker = site.new_account(), site.new_account()
    victim_id = site.account_id(victim)
    body = dict(site.change_body(OLD, NEW), email=victim, userId=victim_id, user_id=victim_id,
                id=victim_id, username=victim)
    r = site.change(site.sign_in(attacker), body=body)
    assert r.status == 200, r
    assert site.login(victim, OLD).status == 200
    assert site.login(victim, NEW).status == site.login_unauthorized
    assert site.login(attacker, NEW).status == 200


def test_a_token_the_change_ended_changes_nothing(site):
    """A stolen token, used after its owner changed the password, is refused."""
    email = site.new_account()
    stolen = site.sign_in(email)
    assert site.change(site.sign_in(email)).status == 200
    r = site.change(stolen, current=NEW, new="Attacker-choice-1")
    assert r.status == 401 and site.error_key in r.json(), r
    assert site.login(email, NEW).status == 200


def test_racing_changes_with_one_token_leave_one_password(site):
    """Changes sent at once with one token: one wins; the rest are refused, none half-applied."""
    email = site.new_account()
    caller = site.sign_in(email)
    news = [f"Racing-password-{i}" for i in range(4)]
    with concurrent.futures.ThreadPoolExecutor(len(news)) as pool:
        replies = list(pool.map(lambda new: site.change(caller, new=new, source=fresh_ip()), news))
    statuses = [r.status for r in replies]
    assert statuses.count(200) == 1, replies
    # The losers were refused as the caller whose session ended (401), or as a current password
    # that no longer is one (400), depending on where the winner's commit found them.
    assert set(statuses) <= {200, 400, 401}, replies
    winner = news[statuses.index(200)]
    assert site.login(email, winner).status == 200
    for loser in set(news) - {winner}:
        assert site.login(email, loser).status == site.login_unauthorized
    assert site.me(site.session_after(replies[statuses.index(200)])).status == 200


@pytest.mark.parametrize("kind", ["gateway-cookie", "merchant", "customer"])
@pytest.mark.parametrize("media", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"])
def test_a_cross_site_form_cannot_change_the_password(stack, kind, media):
    """What an HTML form on another site can send (no JSON, no custom header) with the cookie."""
    site = ADAPTERS[kind](stack)
    email = site.new_account()
    caller = site.sign_in(email)
    headers = dict(site.auth_headers(caller), **{"Content-Type": media})
    if kind != "gateway-cookie":  # storefront: the refresh cookie is the ambient credential
        headers = {"Cookie": "refreshToken=" + caller.cookie, "Content-Type": media}
    r = site.client.request("POST", PATH, body=f"currentPassword={OLD}&newPassword={NEW}",
                            headers=headers)
    assert r.status in (401, 403, 415), r
    assert site.error_key in r.json(), r
    assert site.login(email, OLD).status == 200


def test_a_merchant_token_changes_only_the_merchant(stack):
    """One email may be a merchant and a customer: two accounts, two passwords."""
    merchant, customer = ADAPTERS["merchant"](stack), ADAPTERS["customer"](stack)
    email = merchant.new_account()
    customer.register(email)
    assert merchant.change(merchant.sign_in(email)).status == 200
    assert customer.login(email, OLD).status == 200
    assert merchant.login(email, NEW).status == 200


def test_a_change_on_the_gateway_body_site_ends_the_cookie_sites_session(stack):
    """The two gateway sites share accounts: the change ends the sessions of both."""
    body, cookie = ADAPTERS["gateway"](stack), ADAPTERS["gateway-cookie"](stack)
    email = body.new_account()
    elsewhere = cookie.sign_in(email)
    assert body.change(body.sign_in(email)).status == 200
    assert cookie.me(elsewhere).status == 401


# --- delete account ------------------------------------------------------------------------------

def accounts_with_id(stack, account_id, public_id):
    with stack.db() as db:
        return db.execute("SELECT COUNT(*) FROM accounts WHERE id = ? AND public_id = ?",
                          (account_id, public_id)).fetchone()[0]


def public_id_of(stack, site, email):
    with stack.db() as db:
        return db.execute("SELECT public_id FROM accounts WHERE site = ? AND kind = ? AND "
                          "email_key = ?", (site.site_name(), site.kind, email)).fetchone()[0]


@pytest.mark.parametrize("body", [{}, {"password": ""}, {"password": None}, {"password": ["x"]},
                                  {"confirm": True}, {"currentPassword": OLD}])
def test_a_delete_without_the_password_deletes_nothing(stack, site, body):
    """A token alone (stolen, or a forgotten open tab) does not delete the account."""
    email = site.new_account()
    caller = site.sign_in(email)
    r = site.delete(caller, body=body)
    assert r.status in (400, 422) and site.error_key in r.json(), r
    assert site.me(caller).status == 200
    assert site.login(email, OLD).status == 200


def test_a_delete_takes_no_account_to_aim_at(stack, site):
    """Whatever the body names, only the caller's own account goes."""
    victim, attacker = site.new_account(), site.new_account()
    victim_id, victim_public = site.account_id(victim), public_id_of(stack, site, victim)
    body = dict(site.delete_body(OLD), email=victim, userId=victim_id, user_id=victim_id,
                id=victim_id, username=victim)
    assert site.delete(site.sign_in(attacker), body=body).status == 200
    assert accounts_with_id(stack, victim_id, victim_public) == 1
    assert site.login(victim, OLD).status == 200
    assert site.login(attacker, OLD).status == site.login_unauthorized


def test_racing_deletes_with_one_token_delete_once(stack, site):
    """Deletes sent at once with one token: one 200, the rest refused, none a 5xx."""
    email = site.new_account()
    caller = site.sign_in(email)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda _: site.delete(caller, source=fresh_ip()), range(4)))
    statuses = [r.status for r in replies]
    assert statuses.count(200) == 1 and set(statuses) <= {200, 401}, replies
    assert site.me(caller).status == 401


@pytest.mark.parametrize("kind", ["gateway-cookie", "merchant", "customer"])
def test_a_cross_site_form_cannot_delete_the_account(stack, kind):
    site = ADAPTERS[kind](stack)
    email = site.new_account()
    caller = site.sign_in(email)
    headers = dict(site.auth_headers(caller), **{"Content-Type": "application/x-www-form-urlencoded"})
    if kind != "gateway-cookie":
        headers = {"Cookie": "refreshToken=" + caller.cookie,
                   "Content-Type": "application/x-www-form-urlencoded"}
    r = site.client.request("POST", DELETE_PATH, body=f"password={OLD}", headers=headers)
    assert r.status in (401, 403, 415) and site.error_key in r.json(), r
    assert site.login(email, OLD).status == 200


# --- change email --------------------------------------------------------------------------------

LINK_SUBJECT = "Confirm your new email address"


def link_token(stack, email):
    import time
    from conftest import mailed_token
    deadline = time.time() + 10
    while not stack.mails_to(email, LINK_SUBJECT):
        assert time.time() < deadline, f"no change-email link to {email}"
        time.sleep(0.05)
    return mailed_token(stack.mails_to(email, LINK_SUBJECT)[-1])


def pending_email_changes(stack, account_id):
    with stack.db() as db:
        return db.execute("SELECT COUNT(*) FROM one_time_tokens WHERE account_id = ? AND purpose = "
                          "'change_email' AND used_at IS NULL AND expires_at > 0",
                          (account_id,)).fetchone()[0]


def test_an_email_change_to_a_taken_address_tells_the_asker_nothing(stack, site):
    """Enumeration: the answer for an address another account has is the answer for a free one
    (status, body, headers that matter), and the taken address gets no link to follow."""
    mine, theirs = site.new_account(), site.new_account()
    caller = site.sign_in(mine)
    free = f"free-{mine}"
    to_free = site.change_email(caller, free, source=fresh_ip())
    to_taken = site.change_email(caller, theirs, source=fresh_ip())
    assert to_free.status == to_taken.status == 202, (to_free, to_taken)
    assert to_free.json() == to_taken.json()
    assert to_free.headers_named("Set-Cookie") == to_taken.headers_named("Set-Cookie") == []
    link_token(stack, free)
    with stack.db() as db:
        kinds = [r[0] for r in db.execute("SELECT kind FROM outbox WHERE lower(recipient) = ?",
                                          (theirs.lower(),)).fetchall()]
    assert "change_email" not in kinds, kinds
    assert pending_email_changes(stack, site.account_id(mine)) == 0  # the taken one superseded it
    assert site.login(theirs, OLD).status == 200 and site.login(mine, OLD).status == 200


def test_an_email_change_takes_no_account_to_aim_at(stack, site):
    """Whatever the body names, the pending change is the caller's own."""
    victim, attacker = site.new_account(), site.new_account()
    victim_id = site.account_id(victim)
    new = f"aimed-{attacker}"
    body = dict(site.email_body(OLD, new), email=victim, userId=victim_id, user_id=victim_id,
                id=victim_id, username=victim)
    assert site.change_email(site.sign_in(attacker), None, body=body).status == 202
    assert site.confirm_email(link_token(stack, new)).status == 200
    assert site.login(victim, OLD).status == 200
    assert site.login(new, OLD).status == 200 and site.login(attacker, OLD).status == \
        site.login_unauthorized


def test_a_password_change_ends_a_pending_email_change(stack, site):
    """Someone with the password asks to move the account to their address; the owner changes
    the password: the link in the intruder's mailbox no longer moves the account."""
    mine = site.new_account()
    intruder = site.sign_in(mine)
    theirs = f"intruder-{mine}"
    assert site.change_email(intruder, theirs).status == 202
    token = link_token(stack, theirs)
    assert site.change(site.sign_in(mine)).status == 200
    r = site.confirm_email(token)
    assert r.status == 400 and r.json() == site.confirm_invalid_body, r
    assert site.login(mine, NEW).status == 200 and site.login(theirs, NEW).status == \
        site.login_unauthorized


def test_a_stolen_token_without_the_password_moves_nothing(stack, site):
    mine = site.new_account()
    caller = site.sign_in(mine)
    for body in ({}, {"password": ""}, {"password": None},
                 {site.new_email_field: f"thief-{mine}"},
                 {"password": "guess-1", site.new_email_field: f"thief-{mine}"}):
        r = site.change_email(caller, None, body=body)
        assert r.status in (400, 422) and site.error_key in r.json(), (body, r)
    assert pending_email_changes(stack, site.account_id(mine)) == 0


@pytest.mark.parametrize("kind", ["gateway-cookie", "merchant", "customer"])
@pytest.mark.parametrize("media", ["application/x-www-form-urlencoded", "text/plain"])
def test_a_cross_site_form_cannot_change_the_email(stack, kind, media):
    """CSRF: what an HTML form on another site can send, with the site's cookie."""
    site = ADAPTERS[kind](stack)
    mine = site.new_account()
    caller = site.sign_in(mine)
    headers = dict(site.auth_headers(caller), **{"Content-Type": media})
    if kind != "gateway-cookie":
        headers = {"Cookie": "refreshToken=" + caller.cookie, "Content-Type": media}
    r = site.client.request("POST", "/api/auth/change-email",
                            body=f"password={OLD}&newEmail=csrf-{mine}", headers=headers)
    assert r.status in (401, 403, 415) and site.error_key in r.json(), r
    r = site.change_email(caller, f"csrf-{mine}", headers={"Origin": "https://evil.example"})
    assert r.status == 403, r
    assert pending_email_changes(stack, site.account_id(mine)) == 0


def test_racing_confirmations_of_one_link_move_the_account_once(stack, site):
    mine = site.new_account()
    new = f"race-{mine}"
    assert site.change_email(site.sign_in(mine), new).status == 202
    token = link_token(stack, new)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda _: site.confirm_email(token), range(4)))
    statuses = sorted(r.status for r in replies)
    assert statuses == [200, 400, 400, 400], replies
    assert site.login(new, OLD).status == 200


# --- sessions ------------------------------------------------------------------------------------

def current_session_id(site, session):
    [mine] = [s["id"] for s in site.session_list(session) if s["current"]]
    return mine


def live_sessions(stack, site, email):
    with stack.db() as db:
        return db.execute(
            "SELECT COUNT(*) FROM refresh_families f JOIN accounts a ON a.id = f.account_id "
            "WHERE a.site = ? AND a.kind = ? AND a.email_key = ? AND f.revoked_at IS NULL",
            (site.site_name(), site.kind, email)).fetchone()[0]


def test_another_accounts_session_id_revokes_nothing(stack, site):
    """A session id that leaked (a screenshot, a support ticket) is no handle on its account: the
    attacker's revoke answers as for an id that never was, and the victim stays signed in."""
    victim, attacker = site.new_account(), site.new_account()
    victim_session = site.sign_in(victim)
    leaked = current_session_id(site, victim_session)
    before = live_sessions(stack, site, victim)
    r = site.revoke(site.sign_in(attacker), leaked)
    assert r.status == 404 and r.json() == site.session_not_found_body, r
    assert live_sessions(stack, site, victim) == before
    assert site.me(victim_session).status == 200


def test_a_session_id_is_not_a_credential(stack, site):
    """The id the list shows cannot stand in for the token it names."""
    caller = site.sign_in(site.new_account())
    session_id = current_session_id(site, caller)
    r = site.client.request("GET", "/api/auth/sessions",
                            headers={"Authorization": "Bearer " + session_id})
    assert r.status == 401 and site.error_key in r.json(), r


@pytest.mark.parametrize("kind", ["gateway-cookie", "merchant", "customer"])
@pytest.mark.parametrize("media", ["application/x-www-form-urlencoded", "text/plain"])
def test_a_cross_site_form_cannot_end_sessions(stack, kind, media):
    """What an HTML form on another site can send with the cookie ends no session: neither one
    (`revoke`) nor all (`revoke-all`)."""
    site = ADAPTERS[kind](stack)
    email = site.new_account()
    caller, other = site.sign_in(email), site.sign_in(email)
    other_id = current_session_id(site, other)
    headers = dict(site.auth_headers(caller), **{"Content-Type": media})
    if kind != "gateway-cookie":  # storefront: the refresh cookie is the ambient credential
        headers = {"Cookie": "refreshToken=" + caller.cookie, "Content-Type": media}
    for path in (REVOKE_PATH, REVOKE_ALL_PATH):
        r = site.client.request("POST", path, body=f"sessionId={other_id}", headers=headers)
        assert r.status in (401, 403, 415) and site.error_key in r.json(), (path, r)
    assert site.me(other).status == 200 and site.me(caller).status == 200
