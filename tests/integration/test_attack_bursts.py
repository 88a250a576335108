"""Bursts answered as overload (issue 18, finding 6): a crowd registering one email at once is an
ordinary burst, not saturation. Each registration claims the email in a short transaction before
hashing (core/auth/accounts.cpp, account_claims), so exactly one of the crowd hashes and every other
gets the contract's duplicate answer at once: never 503, on the default configuration."""
import time

import pytest

from booking_support import cognito
from conftest import Stack, refusals, unique
from test_attack_catalogue import PASSWORD_CONTRACTS, Fastapi, Gateway, Storefront, Verified, _race, fresh_ip

CROWD = 200


@pytest.fixture(scope="module")
def stack():
    s = Stack().start()  # the default configuration: hash queue, threads, everything
    try:
        yield s
    finally:
        s.stop()
        s.cleanup()


class StorefrontMerchant(Storefront):
    register_path = "/api/auth/merchant/register"

    def register_body(self, email, password=None):
        body = super().register_body(email)
        del body["firstName"], body["lastName"]
        body["storeName"] = "Crowd Store"
        return body


def _statuses(replies):
    return sorted(set(r.status for r in replies))


@pytest.mark.parametrize("kind", PASSWORD_CONTRACTS + [StorefrontMerchant],
                         ids=lambda k: "storefront-merchant" if k is StorefrontMerchant
                         else {"storefront": "storefront-customer"}.get(k.name, k.name))
def test_a_burst_of_registrations_of_one_email_is_one_success_and_duplicates_never_503(stack, kind):
    contract = kind(stack)
    email = f"{unique('burst')}@example.com"
    replies = _race([lambda i=i: contract.register(email.upper() if i % 2 else email)
                     for i in range(CROWD)], workers=CROWD)
    statuses = [r.status for r in replies]
    assert statuses.count(503) == 0, (_statuses(replies), refusals(stack))
    assert statuses.count(201) == 1, _statuses(replies)
    assert statuses.count(contract.duplicate_status) == CROWD - 1, _statuses(replies)
    for r in replies:
        assert r.header("Content-Type").startswith("application/json"), r
    kind_of = "merchant" if kind is StorefrontMerchant else ("customer" if kind is Storefront else "user")
    with stack.db() as db:
        assert db.execute("SELECT COUNT(*) FROM accounts WHERE site = ? AND kind = ? AND email_key = ?",
                          (contract.site, kind_of, email.lower())).fetchone()[0] == 1
        assert db.execute("SELECT COUNT(*) FROM account_claims WHERE email_key = ?",
                          (email.lower(),)).fetchone()[0] == 0  # the claim became the account
        if contract.site == "verified":
            assert db.execute("SELECT COUNT(*) FROM outbox WHERE lower(recipient) = ?",
                              (email.lower(),)).fetchone()[0] == 1
    # The one account is real: it signs in (verified first needs its mail, which is not the point).
    if kind in (Fastapi, Gateway):
        assert contract.login(email).status == 200


def test_a_burst_of_cognito_sign_ups_of_one_email_is_one_success_and_never_503(stack):
    c = stack.client("booking")
    email = f"{unique('burst')}@example.com"
    replies = _race([lambda: cognito(c, "SignUp", {"ClientId": "demo", "Username": email,
                                                   "UserAttributes": [{"Name": "email", "Value": email}]})
                     for _ in range(CROWD)], workers=CROWD)
    statuses = [r.status for r in replies]
    assert statuses.count(200) == 1, (_statuses(replies), refusals(stack))
    losers = [r.json().get("__type", "") for r in replies if r.status != 200]
    assert all(t.endswith("UsernameExistsException") for t in losers), set(losers)
    with stack.db() as db:
        assert db.execute("SELECT COUNT(*) FROM accounts WHERE site = 'booking' AND email_key = ?",
                          (email.lower(),)).fetchone()[0] == 1


def _claim(stack, site, kind, email, expires_at):
    with stack.db(writable=True) as db:
        db.execute("INSERT INTO account_claims(site, kind, email_key, expires_at) VALUES (?, ?, ?, ?)",
                   (site, kind, email.lower(), expires_at))
        db.commit()


def test_a_claim_left_by_a_crash_mid_hash_lapses_and_the_email_registers(stack):
    """A process killed while hashing leaves its claim behind: once it has lapsed, the address
    registers as if it had never been claimed, and the stale claim is gone."""
    contract = Gateway(stack)
    email = f"{unique('crashed')}@example.com"
    _claim(stack, "gateway", "user", email, int(time.time()) - 1)
    r = contract.register(email)
    assert r.status == 201, r
    with stack.db() as db:
        assert db.execute("SELECT COUNT(*) FROM account_claims WHERE email_key = ?",
                          (email.lower(),)).fetchone()[0] == 0
    assert contract.login(email).status == 200


def test_a_live_claim_is_the_duplicate_answer_and_not_an_account(stack):
    """While a registration hashes, its address is taken for other registrations, and for
    everything else it does not exist: no login, no reset mail, no account row."""
    contract = Gateway(stack)
    email = f"{unique('claimed')}@example.com"
    _claim(stack, "gateway", "user", email, int(time.time()) + 600)
    r = contract.register(email)
    assert r.status == 409, r
    assert contract.login(email).status == 401
    verified = Verified(stack)
    v_email = f"{unique('claimed')}@example.com"
    _claim(stack, "verified", "user", v_email, int(time.time()) + 600)
    assert verified.register(v_email).status == 409
    r = verified.client.post("/api/auth/forgot", json={"email": v_email}, source=fresh_ip())
    assert r.status < 500, r
    with stack.db() as db:
        assert db.execute("SELECT COUNT(*) FROM accounts WHERE email_key IN (?, ?)",
                          (email.lower(), v_email.lower())).fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM outbox WHERE lower(recipient) = ?",
                          (v_email.lower(),)).fetchone()[0] == 0


def test_a_registration_refused_as_busy_leaves_no_claim():
    """Real saturation is still 503, and a registration whose hash was refused releases its claim
    at once: the same address registers on the next try. One hashing thread and no queue make
    distinct registrations sent together overflow."""
    s = Stack({"hash_concurrency": "1", "hash_queue_max": "1", "hash_queue_ms": "0"}).start()
    try:
        contract = Gateway(s)
        emails = [f"{unique('busy')}@example.com" for _ in range(40)]
        replies = _race([lambda e=e: contract.register(e) for e in emails], workers=40)
        refused = [e for e, r in zip(emails, replies) if r.status == 503]
        assert refused, _statuses(replies)  # the configuration does saturate
        assert all(r.status in (201, 503) for r in replies), _statuses(replies)
        assert all(r.header("Retry-After") for r in replies if r.status == 503)
        with s.db() as db:
            assert db.execute("SELECT COUNT(*) FROM account_claims").fetchone()[0] == 0
        assert contract.register(refused[0]).status == 201
    finally:
        s.stop()
        s.cleanup()
