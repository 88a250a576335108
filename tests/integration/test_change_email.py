"""Change email on every password contract (gateway with the token in the body and in its cookie,
fastapi, verified, storefront's merchants and customers), through nginx: the password proven, a
link mailed to the new address (the old one keeps working until it is followed), the change made
by following it, the old address told; a taken address answered the same and notified instead;
a newer request superseding the older link; a wrong password counted by the guess throttle
(docs/contracts.md, each contract's "Change email")."""

import pytest

from account_support import ADAPTERS, FOREIGN, FREE, OLD, fresh_ip, password_throttle
from conftest import mailed_link, mailed_token, postgresql_only, running, unique
from postgres_support import held

LINK_SUBJECT = "Confirm your new email address"
CHANGED_SUBJECT = "Your email address was changed"
ATTEMPT_SUBJECT = "Someone tried to use your email address"


@pytest.fixture(scope="module")
def stack():
    yield from running(password_throttle())


@pytest.fixture(params=list(ADAPTERS))
def site(request, stack):
    return ADAPTERS[request.param](stack)


def new_address():
    return f"{unique('moved')}@example.com"


def text_of(mail):
    return mail.get_body(preferencelist=("plain",)).get_content()


def outbox_kinds(stack, email):
    """The kinds of every message queued to `email` (written in the request's own transaction, so
    what is not there was never going to be sent)."""
    with stack.db() as db:
        return [r[0] for r in db.execute("SELECT kind FROM outbox WHERE lower(recipient) = ? "
                                         "ORDER BY id", (email.lower(),)).fetchall()]


def pending_changes(stack, account_id):
    with stack.db() as db:
        return db.execute("SELECT COUNT(*) FROM one_time_tokens WHERE account_id = ? AND "
                          "purpose = 'change_email' AND used_at IS NULL",
                          (account_id,)).fetchone()[0]


def email_of(stack, account_id):
    with stack.db() as db:
        return tuple(db.execute("SELECT email, email_verified FROM accounts WHERE id = ?",
                                (account_id,)).fetchone())


def guess_counts(stack):
    with stack.db() as db:
        return dict(db.execute("SELECT bucket_key, failures FROM guess_buckets").fetchall())


def audit_mark(stack):
    with stack.db() as db:
        return db.execute("SELECT COALESCE(MAX(id), 0) FROM audit_events").fetchone()[0]


def events_of(stack, account_id, since):
    with stack.db() as db:
        return [r[0] for r in db.execute("SELECT event FROM audit_events WHERE account_id = ? "
                                         "AND id > ? ORDER BY id", (account_id, since)).fetchall()]


def request_change(site, caller, new, **kwargs):
    r = site.change_email(caller, new, **kwargs)
    assert r.status == 202 and r.json() == site.email_sent_body(), r
    return r


# --- the change ------------------------------------------------------------------------------------

def test_a_followed_link_moves_the_account_and_tells_the_old_address(stack, site):
    mark = audit_mark(stack)
    old = site.new_account()
    account_id = site.account_id(old)
    caller, other = site.sign_in(old), site.sign_in(old)
    new = new_address()
    request_change(site, caller, new)

    [link_mail] = stack.wait_for_mail(new, subject=LINK_SUBJECT)
    link = mailed_link(link_mail)
    assert "/confirm-email?token=" in link and link.startswith("http://127.0.0.1:"), link
    # Until the link is followed, nothing changed.
    assert email_of(stack, account_id)[0] == old
    assert site.login(old, OLD).status == 200
    assert site.login(new, OLD).status == site.login_unauthorized
    assert "notice_email_changed" not in outbox_kinds(stack, old)

    r = site.confirm_email(mailed_token(link_mail), source="127.0.0.9")
    assert r.status == 200 and r.json() == site.email_changed_body, r
    assert email_of(stack, account_id) == (new, 1)
    assert site.login(new, OLD).status == 200
    assert site.login(old, OLD).status == site.login_unauthorized
    # The password did not change: the account's sessions go on.
    assert site.me(caller).status == 200 and site.me(other).status == 200

    [notice] = stack.wait_for_mail(old, subject=CHANGED_SUBJECT)
    text = text_of(notice)
    assert new in text and "From: 127.0.0.9" in text and "When: " in text, text
    assert "someone could act as you there" in " ".join(text.split()), text
    events = [e for e in events_of(stack, account_id, mark) if e.startswith("email.")]
    assert events == ["email.change.request", "email.change"], events

    # The link works once.
    r = site.confirm_email(mailed_token(link_mail))
    assert r.status == 400 and r.json() == site.confirm_invalid_body, r


def test_a_taken_address_gets_the_same_answer_a_notice_and_no_change(stack, site):
    mine, theirs = site.new_account(), site.new_account()
    account_id = site.account_id(mine)
    caller = site.sign_in(mine)
    request_change(site, caller, theirs)
    [notice] = stack.wait_for_mail(theirs, subject=ATTEMPT_SUBJECT)
    assert "Nothing was changed" in text_of(notice) and "http" not in text_of(notice)
    assert "change_email" not in outbox_kinds(stack, theirs)
    assert pending_changes(stack, account_id) == 0
    assert email_of(stack, account_id)[0] == mine
    assert site.login(mine, OLD).status == 200 and site.login(theirs, OLD).status == 200


def test_an_address_taken_after_the_request_is_the_contracts_409(stack, site):
    mine = site.new_account()
    account_id = site.account_id(mine)
    new = new_address()
    request_change(site, site.sign_in(mine), new)
    [link_mail] = stack.wait_for_mail(new, subject=LINK_SUBJECT)
    site.register(new)  # someone registers the address meanwhile
    before = guess_counts(stack)
    r = site.confirm_email(mailed_token(link_mail))
    assert r.status == 409 and r.json() == site.email_taken_body, r
    # The right token is not a wrong guess: nothing it counted stays counted.
    after = guess_counts(stack)
    assert {k: f for k, f in after.items() if f > 0 and before.get(k) != f} == {}, after
    assert email_of(stack, account_id)[0] == mine
    assert site.login(mine, OLD).status == 200


def test_a_newer_request_supersedes_the_pending_link(stack, site):
    mine = site.new_account()
    account_id = site.account_id(mine)
    caller = site.sign_in(mine)
    first, second = new_address(), new_address()
    request_change(site, caller, first)
    request_change(site, caller, second)
    [first_mail] = stack.wait_for_mail(first, subject=LINK_SUBJECT)
    [second_mail] = stack.wait_for_mail(second, subject=LINK_SUBJECT)
    assert pending_changes(stack, account_id) == 1
    r = site.confirm_email(mailed_token(first_mail))
    assert r.status == 400 and r.json() == site.confirm_invalid_body, r
    assert email_of(stack, account_id)[0] == mine
    assert site.confirm_email(mailed_token(second_mail)).status == 200
    assert email_of(stack, account_id)[0] == second


def test_a_change_of_case_only_goes_through_the_link_too(stack, site):
    mine = site.new_account()
    account_id = site.account_id(mine)
    upper = mine.upper()
    request_change(site, site.sign_in(mine), upper)
    [link_mail] = stack.wait_for_mail(upper, subject=LINK_SUBJECT)
    assert site.confirm_email(mailed_token(link_mail)).status == 200
    assert email_of(stack, account_id)[0] == upper


# --- refusals ------------------------------------------------------------------------------------

def test_a_wrong_password_is_refused_and_counted_until_the_throttle_holds(stack, site):
    mark = audit_mark(stack)
    mine = site.new_account()
    account_id = site.account_id(mine)
    caller = site.sign_in(mine)
    source = fresh_ip()
    new = new_address()
    for _ in range(FREE):
        r = site.change_email(caller, new, password="not-the-password", source=source)
        assert r.status == 400 and r.json() == site.email_refused_body, r
    r = site.change_email(caller, new, password="not-the-password", source=source)
    assert r.status == 429 and r.json() == site.throttled_body, r
    r = site.change_email(caller, new, source=source)  # locked: even the right password waits
    assert r.status == 429, r
    assert site.login(mine, OLD, source=source).status == 429  # the login's own buckets
    assert pending_changes(stack, account_id) == 0
    failures = [e for e in events_of(stack, account_id, mark) if e == "email.change.failure"]
    assert len(failures) == FREE
    assert outbox_kinds(stack, new) == []
    request_change(site, caller, new, source=fresh_ip())


def test_bad_bodies_are_the_contracts_validation_answers_and_change_nothing(stack, site):
    mine = site.new_account()
    account_id = site.account_id(mine)
    caller = site.sign_in(mine)
    site.unchanged_refusal(site.change_email(caller, mine))
    for body in ({"password": OLD}, {site.new_email_field: new_address()},
                 {"password": OLD, site.new_email_field: "not-an-address"},
                 {"password": OLD, site.new_email_field: 42}, {}):
        r = site.change_email(caller, None, body=body)
        assert r.status in (400, 422) and site.error_key in r.json(), (body, r)
    for body in ({}, {"token": 7}, {"token": ""}):
        r = site.confirm_email(None, body=body)
        assert r.status in (400, 422) and site.error_key in r.json(), (body, r)
    for token in ("x" * 43, "x" * 500):
        r = site.confirm_email(token)
        assert r.status == 400 and r.json() == site.confirm_invalid_body, r
    assert pending_changes(stack, account_id) == 0
    assert email_of(stack, account_id)[0] == mine


def test_no_caller_is_the_contracts_401(site):
    r = site.change_email(None, new_address())
    assert r.status == 401 and r.json() == site.unauthenticated_body, r
    r = site.change_email(None, new_address(), headers={"Authorization": "Bearer not.a.token"})
    assert r.status == 401 and site.error_key in r.json(), r


@pytest.mark.parametrize("kind", ["gateway-cookie", "merchant", "customer"])
@pytest.mark.parametrize("headers", [{"Origin": FOREIGN}, {"Sec-Fetch-Site": "cross-site"}])
def test_a_cookie_site_refuses_a_cross_origin_change(stack, kind, headers):
    site = ADAPTERS[kind](stack)
    mark = audit_mark(stack)
    mine = site.new_account()
    account_id = site.account_id(mine)
    caller = site.sign_in(mine)
    for _ in range(FREE + 1):  # refused before any guess is counted
        r = site.change_email(caller, new_address(), password="not-the-password", headers=headers)
        assert r.status == 403 and r.json() == {site.error_key: "Cross-origin request refused"}, r
    r = site.change_email(caller, new_address(), headers=headers)
    assert r.status == 403, r
    assert pending_changes(stack, account_id) == 0
    assert "email.change.failure" not in events_of(stack, account_id, mark)


# --- namespaces, languages, switches --------------------------------------------------------------

def test_merchants_and_customers_change_within_their_own_namespace(stack):
    merchant, customer = ADAPTERS["merchant"](stack), ADAPTERS["customer"](stack)
    shared = customer.new_account()  # a customer has it; no merchant does
    mine = merchant.new_account()
    request_change(merchant, merchant.sign_in(mine), shared)
    [link_mail] = stack.wait_for_mail(shared, subject=LINK_SUBJECT)
    assert merchant.confirm_email(mailed_token(link_mail)).status == 200
    assert merchant.login(shared, OLD).status == 200 and customer.login(shared, OLD).status == 200


def test_the_mails_speak_the_accounts_language(stack):
    from conftest import verify_call
    c = stack.client("verified")
    mine = f"{unique('cambio')}@example.com"
    r = c.post("/api/auth/register", json={"email": mine, "password": OLD, "confirmPassword": OLD},
               headers={"Accept-Language": "es-ES,es;q=0.9"}, source=fresh_ip())
    assert r.status == 201, r
    [mail] = stack.wait_for_mail(mine)
    assert c.get(verify_call(mail)).status == 200
    site = ADAPTERS["verified"](stack)
    new = new_address()
    request_change(site, site.sign_in(mine), new)
    [link_mail] = stack.wait_for_mail(new, subject="Confirma tu nueva dirección de correo")
    r = site.confirm_email(mailed_token(link_mail), source="127.0.0.9")
    assert r.status == 200, r
    [notice] = stack.wait_for_mail(mine, subject="Tu dirección de correo ha cambiado")
    text = text_of(notice)
    assert new in text and "Desde: 127.0.0.9" in text, text


def test_a_confirmed_change_ends_the_reset_links_mailed_to_the_old_address(stack):
    site = ADAPTERS["verified"](stack)
    mine = site.new_account()
    r = site.client.post("/api/auth/forgot", json={"email": mine}, source=fresh_ip())
    assert r.status == 200, r
    [reset_mail] = stack.wait_for_mail(mine, subject="Reset your password")
    new = new_address()
    request_change(site, site.sign_in(mine), new)
    [link_mail] = stack.wait_for_mail(new, subject=LINK_SUBJECT)
    assert site.confirm_email(mailed_token(link_mail)).status == 200
    r = site.client.post("/api/auth/reset", json={"token": mailed_token(reset_mail),
                                                  "password": "Attacker-choice-7",
                                                  "confirmPassword": "Attacker-choice-7"},
                         source=fresh_ip())
    assert r.status == 400, r
    assert site.login(new, OLD).status == 200


def test_the_notice_switches_off_send_no_notices():
    for s in running(password_throttle(notify_email_changed="0", notify_email_change_attempt="0")):
        site = ADAPTERS["gateway"](s)
        mine, theirs = site.new_account(), site.new_account()
        caller = site.sign_in(mine)
        request_change(site, caller, theirs)
        new = new_address()
        request_change(site, caller, new)
        [link_mail] = s.wait_for_mail(new, subject=LINK_SUBJECT)
        assert site.confirm_email(mailed_token(link_mail)).status == 200
        assert site.login(new, OLD).status == 200  # the change itself went through
        assert "notice_email_change_attempt" not in outbox_kinds(s, theirs)
        assert "notice_email_changed" not in outbox_kinds(s, mine)


@postgresql_only
def test_a_link_that_meets_a_busy_database_is_not_a_guess_and_still_works():
    """The account's row held by another transaction: the change waits database_busy_ms, then the
    contract's 503. That is not a guess heard, so the token throttle's count is taken back (after
    the change's transaction has ended, which would otherwise undo that too), and the link, still
    unused, works once the row is free."""
    for s in running(password_throttle(database_busy_ms="300")):
        site = ADAPTERS["fastapi"](s)
        mine = site.new_account()
        account_id = site.account_id(mine)
        new = new_address()
        request_change(site, site.sign_in(mine), new)
        token = mailed_token(s.wait_for_mail(new, subject=LINK_SUBJECT)[0])
        counts = guess_counts(s)
        with held(s, "SELECT 1 FROM accounts WHERE id = %s FOR UPDATE", (account_id,)):
            r = site.confirm_email(token)
        assert r.status == 503 and r.header("Retry-After") == "1", r
        assert guess_counts(s) == counts
        assert email_of(s, account_id)[0] == mine and pending_changes(s, account_id) == 1
        r = site.confirm_email(token)
        assert r.status == 200 and r.json() == site.email_changed_body, r
        assert email_of(s, account_id) == (new, 1)
