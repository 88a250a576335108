"""A signed-in account's sessions on every password contract (gateway with the token in the body
and in its cookie, fastapi, verified, storefront's merchants and customers), through nginx: each
sign-in listed with where it began and which one is the caller's, one ended by id (its token
refused at once, the others untouched), every one ended at once, and the refusals in each
contract's shape (docs/contracts.md, each contract's "Sessions")."""
import re
import time

import pytest

from account_support import ADAPTERS, FOREIGN, fresh_ip
from conftest import running

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
PHONE = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"


@pytest.fixture(scope="module")
def stack():
    yield from running()


@pytest.fixture(params=list(ADAPTERS))
def site(request, stack):
    return ADAPTERS[request.param](stack)


def iso_seconds(text):
    assert ISO.match(text), text
    return time.mktime(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone


def current_id(site, session):
    """The id of the session `session` belongs to, as the list marks it."""
    [mine] = [s["id"] for s in site.session_list(session) if s["current"]]
    return mine


def families(site, email):
    with site.stack.db() as db:
        return db.execute(
            "SELECT id, revoked_at, revoked_reason, user_agent, address FROM refresh_families "
            "WHERE account_id = ? ORDER BY created_at", (site.account_id(email),)).fetchall()


def test_each_sign_in_is_listed_with_where_it_began(site):
    email = site.new_account()
    laptop_ip, phone_ip = fresh_ip(), fresh_ip()
    before = time.time()
    laptop = site.sign_in(email, user_agent=FIREFOX, source=laptop_ip)
    time.sleep(1.1)  # times are whole seconds: the newer sign-in must be later to list first
    phone = site.sign_in(email, user_agent=PHONE, source=phone_ip)
    # storefront's registration signed in too: that session is listed, oldest, without an agent
    listed = [s for s in site.session_list(laptop) if s["userAgent"]]
    assert [s["userAgent"] for s in listed] == [PHONE, FIREFOX]  # newest first
    assert [s["ipAddress"] for s in listed] == [phone_ip, laptop_ip]
    assert [s["current"] for s in listed] == [False, True]
    for s in listed:
        assert re.fullmatch(r"[0-9a-f]{32}", s["id"]), s
        created = iso_seconds(s["createdAt"])
        assert before - 2 <= created <= time.time() + 2
        assert iso_seconds(s["lastUsedAt"]) >= created
        assert iso_seconds(s["expiresAt"]) > created
    assert current_id(site, phone) == listed[0]["id"]
    # The rows hold what the owner is shown, and nothing of another account's.
    everything = site.session_list(laptop)
    assert sorted(r[0] for r in families(site, email)) == sorted(s["id"] for s in everything)
    other = site.new_account()
    site.sign_in(other)
    assert len(site.session_list(laptop)) == len(everything)


def test_revoking_one_session_ends_its_token_at_once(site):
    email = site.new_account()
    mine, other = site.sign_in(email), site.sign_in(email)
    other_id = current_id(site, other)
    r = site.revoke(mine, other_id)
    assert r.status == 200 and r.json() == {"message": "Session revoked"}, r
    assert r.header("Set-Cookie") is None  # the caller's own session goes on
    assert site.me(other).status == 401
    assert site.me(mine).status == 200
    assert other_id not in [s["id"] for s in site.session_list(mine)]
    [revoked] = [row for row in families(site, email) if row[0] == other_id]
    assert revoked[1] is not None and revoked[2] == "revoke"
    if hasattr(site, "refresh"):  # storefront: the revoked session's refresh token is dead too
        assert site.refresh(other).status == 401
        assert site.refresh(mine).status == 200


def test_revoking_the_callers_own_session_signs_it_out(site):
    email = site.new_account()
    mine, other = site.sign_in(email), site.sign_in(email)
    r = site.revoke(mine, current_id(site, mine))
    assert r.status == 200 and r.json() == {"message": "Session revoked"}, r
    cleared = site.signed_out_cookie()
    if cleared:
        [set_cookie] = r.headers_named("Set-Cookie")
        assert set_cookie.startswith(cleared) and "Max-Age=0" in set_cookie, set_cookie
    assert site.me(mine).status == 401
    assert site.me(other).status == 200


def test_what_is_not_a_live_session_of_the_caller_is_not_found(site):
    email, stranger = site.new_account(), site.new_account()
    mine = site.sign_in(email)
    theirs = site.sign_in(stranger)
    their_id = current_id(site, theirs)
    ended = current_id(site, site.sign_in(email))
    assert site.revoke(mine, ended).status == 200
    for target in (their_id, ended, "0" * 32, "not-a-session", "x" * 64):
        r = site.revoke(mine, target)
        assert r.status == 404 and r.json() == site.session_not_found_body, (target, r)
    assert site.me(theirs).status == 200  # another account's session is untouched
    assert site.me(mine).status == 200


def test_revoke_without_an_id_is_a_validation_error(site):
    mine = site.sign_in(site.new_account())
    for body in ({}, {site.session_id_field: ""}, {site.session_id_field: "x" * 65}):
        r = site.revoke(mine, None, body=body)
        assert r.status in (400, 422), (body, r)
        assert site.error_key in r.json() or "details" in r.json() or "errors" in r.json(), r
    assert site.me(mine).status == 200


def test_sign_out_everywhere_ends_every_session_the_callers_too(site):
    email = site.new_account()
    mine, laptop, phone = site.sign_in(email), site.sign_in(email), site.sign_in(email)
    r = site.revoke_all(mine)
    assert r.status == 200 and r.json() == {"message": "Signed out everywhere"}, r
    cleared = site.signed_out_cookie()
    if cleared:
        [set_cookie] = r.headers_named("Set-Cookie")
        assert set_cookie.startswith(cleared), set_cookie
    for session in (mine, laptop, phone):
        assert site.me(session).status == 401
    assert all(row[1] is not None for row in families(site, email))
    if hasattr(site, "refresh"):
        assert site.refresh(laptop).status == 401
    again = site.sign_in(email)
    assert [s["current"] for s in site.session_list(again)] == [True]


def test_every_session_route_wants_a_caller(site):
    for reply in (site.sessions(None), site.revoke(None, "0" * 32), site.revoke_all(None)):
        assert reply.status == 401 and reply.json() == site.unauthenticated_body, reply


def test_a_changed_password_leaves_the_caller_one_new_session(site):
    email = site.new_account()
    mine, other = site.sign_in(email), site.sign_in(email)
    r = site.change(mine)
    assert r.status == 200, r
    fresh = site.session_after(r)
    listed = site.session_list(fresh)
    assert [s["current"] for s in listed] == [True], listed
    assert site.me(other).status == 401


@pytest.mark.parametrize("kind", ["gateway", "fastapi"])
def test_logout_ends_the_session(stack, kind):
    site = ADAPTERS[kind](stack)
    email = site.new_account()
    mine, leaving = site.sign_in(email), site.sign_in(email)
    leaving_id = current_id(site, leaving)
    r = site.client.request("POST", "/api/auth/logout", headers=site.auth_headers(leaving))
    assert r.status == 200, r
    assert leaving_id not in [s["id"] for s in site.session_list(mine)]


def test_what_a_client_sent_is_kept_printable_and_bounded(site):
    email = site.new_account()
    mine = site.sign_in(email, user_agent="Agent\u00e9\u2603 ".encode() + b"\x01" + b"A" * 600)
    [agent] = [s["userAgent"] for s in site.session_list(mine) if s["current"]]
    assert len(agent) == 256 and all(0x20 <= ord(ch) < 0x7F for ch in agent), agent
    assert agent.startswith("Agent"), agent


@pytest.mark.parametrize("kind", ["gateway-cookie", "merchant", "customer"])
def test_the_cookie_sites_refuse_a_foreign_origin(stack, kind):
    site = ADAPTERS[kind](stack)
    email = site.new_account()
    mine, other = site.sign_in(email), site.sign_in(email)
    other_id = current_id(site, other)
    foreign = {"Origin": FOREIGN}
    assert site.revoke(mine, other_id, headers=foreign).status == 403
    assert site.revoke_all(mine, headers=foreign).status == 403
    assert site.me(other).status == 200 and site.me(mine).status == 200
