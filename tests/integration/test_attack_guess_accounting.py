"""Turning the guess throttle against its own users (issue 18, the guess throttle's review): a
sign-in that re-locks a busy NAT, guesses counted that were never checked, a code lock that costs a
whole network every Cognito operation, refusals that each write to the database, a guess at one
account's sign-in step charged to another, and a garbage reset token that costs a password hash.

Each stack here has its own small policy; every address is its own loopback address, so nginx's
per-address ceilings and the other suites never interfere."""
import concurrent.futures
import itertools
import re
import threading
import time

import pytest

from booking_support import sign_in, sign_up
from conftest import mailed_token, running, unique
from test_attack_guessing import _answer, _cognito, _confirmed_user, _otp_session

PASSWORD = "Password123!"
WRONG = "not-the-password-1"
_addresses = (f"127.4.{a}.{b}" for a, b in itertools.product(range(1, 250), range(2, 250)))


def fresh_ip():
    return next(_addresses)


@pytest.fixture(scope="module")
def nat():
    """A network locks after 3 failures, first for 20 s (long enough that the lock is still on
    when the next request arrives, however slow a hash is beside other suites); accounts never
    lock."""
    yield from running({"throttle_network_free": "3", "throttle_first_lock": "20",
                        "throttle_max_lock": "900", "throttle_pair_free": "1000",
                        "throttle_account_free": "1000"})


@pytest.fixture(scope="module")
def locking():
    """A network locks for a minute after 2 failures."""
    yield from running({"throttle_network_free": "2", "throttle_first_lock": "60",
                        "throttle_max_lock": "60", "throttle_pair_free": "1000",
                        "throttle_account_free": "1000"})


@pytest.fixture(scope="module")
def slow_hash():
    """One hashing thread, slow hashes, no queue: a few requests at once fill it and the rest get
    503 at once; 3 failures lock a pair for a minute."""
    yield from running({"hash_concurrency": "1", "hash_queue_ms": "0", "hash_queue_max": "1",
                        "argon2_opslimit": "12", "throttle_pair_free": "3",
                        "throttle_first_lock": "60", "throttle_max_lock": "60",
                        "throttle_network_free": "100000", "throttle_account_free": "1000"})


def register(stack, email):
    r = stack.client("fastapi").post("/api/auth/register", source=fresh_ip(),
                                     json={"username": unique("u"), "email": email, "password": PASSWORD})
    assert r.status == 201, r


def login(stack, email, password, source):
    return stack.client("fastapi").post("/api/auth/token", json={"email": email, "password": password},
                                        source=source)


def lockout_rows(stack, ip):
    with stack.db() as db:
        return db.execute("SELECT COUNT(*) FROM audit_events WHERE event = 'lockout' AND ip = ?",
                          (ip,)).fetchone()[0]


def test_a_sign_in_after_a_nat_lock_does_not_lock_the_nat_again(nat):
    """Wrong guesses from a shared address lock it; once the lock ends, its users' real sign-ins
    are neither counted as failures nor restart the lock."""
    owners = [f"{unique('nat')}@example.com" for _ in range(3)]
    for owner in owners:
        register(nat, owner)
    ip = fresh_ip()
    for _ in range(3):
        assert login(nat, f"{unique('ghost')}@example.com", WRONG, ip).status == 401
    refused = login(nat, owners[0], PASSWORD, ip)
    assert refused.status == 429, refused
    time.sleep(int(refused.header("Retry-After")) + 0.5)
    for owner in owners * 2:
        r = login(nat, owner, PASSWORD, ip)
        assert r.status == 200, (owner, r)


def test_a_full_hash_queue_counts_no_guess_against_the_owner(slow_hash):
    """A flood keeps the only hashing thread busy; the owner's retries of the right password get
    503, and none of them is counted: once the flood ends the owner signs in at once."""
    owner = f"{unique('busy')}@example.com"
    register(slow_hash, owner)
    home = fresh_ip()
    flooding = threading.Event()
    flooding.set()

    def flood():
        ip = fresh_ip()
        while flooding.is_set():
            r = login(slow_hash, f"{unique('flood')}@example.com", WRONG, ip)
            if r.status != 401:
                time.sleep(0.05)  # turned away at once: no need to spin

    unheard = 0
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        floods = [pool.submit(flood) for _ in range(4)]
        try:
            for _ in range(300):
                r = login(slow_hash, owner, PASSWORD, home)
                assert r.status in (200, 503), r
                unheard = unheard + 1 if r.status == 503 else 0  # a 200 starts over
                if unheard >= 6:
                    break
                time.sleep(0.05)
        finally:
            flooding.clear()
            for f in floods:
                f.result()
    assert unheard >= 6, "the flood never filled the hash queue"
    # Six counted guesses would have locked the pair for a minute (3 free).
    r = login(slow_hash, owner, PASSWORD, home)
    assert r.status == 200, r


def test_a_network_locked_for_codes_keeps_every_cognito_operation_that_guesses_nothing(locking):
    """Two wrong codes from a carrier NAT lock it for codes; everyone behind it still refreshes,
    reads their user, signs up and out. Only answers to codes are refused."""
    ip = fresh_ip()
    email = f"{unique('carrier')}@example.com"
    booking = locking.client("booking")
    sign_up(locking, booking, email)
    tokens = sign_in(locking, booking, email)
    victim = _confirmed_user(locking)
    session, code = _otp_session(locking, victim, fresh_ip())
    wrong = f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"
    for _ in range(2):
        r = _answer(locking, victim, session, wrong, ip)
        assert r.status == 400 and r.json()["__type"] == "CodeMismatchException", r
    refused = _answer(locking, victim, session, code, ip)
    assert refused.status == 429 and refused.json()["__type"] == "TooManyRequestsException", refused
    before = lockout_rows(locking, ip)

    r = _cognito(locking, "GetUser", {"AccessToken": tokens["AccessToken"]}, ip)
    assert r.status == 200 and r.json()["Username"], r
    r = _cognito(locking, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "REFRESH_TOKEN_AUTH",
                                           "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}}, ip)
    assert r.status == 200 and r.json()["AuthenticationResult"]["AccessToken"], r
    newcomer = f"{unique('newcomer')}@example.com"
    r = _cognito(locking, "SignUp", {"ClientId": "demo", "Username": newcomer,
                                     "UserAttributes": [{"Name": "email", "Value": newcomer}]}, ip)
    assert r.status == 200, r
    r = _cognito(locking, "GlobalSignOut", {"AccessToken": tokens["AccessToken"]}, ip)
    assert r.status == 200, r
    # The guessing operations stay refused, and refusing them writes nothing.
    refused = _cognito(locking, "ConfirmSignUp", {"ClientId": "demo", "Username": newcomer,
                                                  "ConfirmationCode": "000000"}, ip)
    assert refused.status == 429 and refused.json()["__type"] == "TooManyRequestsException", refused
    assert lockout_rows(locking, ip) == before


def test_a_locked_network_that_keeps_sending_writes_one_audit_row(locking):
    """The lock is audited when it begins; the refusals after it are counted in the metric and
    write nothing (a locked client cannot turn its retries into database writes)."""
    ip = fresh_ip()
    metrics = locking.client("ops")

    def refusals():
        text = metrics.get("/_latchkey/metrics").body.decode()
        m = re.search(r'^latchkey_lockout_refusals_total\{site="fastapi"\} (\S+)$', text, re.M)
        return float(m.group(1)) if m else 0.0

    for _ in range(2):
        assert login(locking, f"{unique('ghost')}@example.com", WRONG, ip).status == 401
    assert lockout_rows(locking, ip) == 1
    counted = refusals()
    agent = {"User-Agent": "x" * 4000}
    for _ in range(20):
        r = locking.client("fastapi").request(
            "POST", "/api/auth/token", body=f'{{"email": "{unique("g")}@example.com", "password": "x"}}',
            headers={"Content-Type": "application/json", **agent}, source=ip)
        assert r.status == 429, r
    assert lockout_rows(locking, ip) == 1
    assert refusals() - counted == 20


def test_a_guess_at_another_accounts_sign_in_step_is_charged_to_that_account(locking):
    """Naming yourself as USERNAME with a victim's session reaches nothing: the step is the
    victim's, so the guess neither uses up the victim's attempts nor is charged to the attacker."""
    attacker, victim = _confirmed_user(locking), _confirmed_user(locking)
    session, code = _otp_session(locking, victim, fresh_ip())
    wrong = f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"
    for _ in range(3):  # otp_max_attempts wrong codes end a step
        r = _answer(locking, attacker, session, wrong, fresh_ip())
        assert r.status == 400 and r.json()["__type"] == "NotAuthorizedException", r
    with locking.db() as db:
        attempts = db.execute("SELECT MAX(attempts) FROM auth_challenges WHERE account_id = "
                              "(SELECT id FROM accounts WHERE email = ? AND site = 'booking')",
                              (victim,)).fetchone()[0]
    assert attempts == 0
    r = _answer(locking, victim, session, code, fresh_ip())
    assert r.status == 200 and "AuthenticationResult" in r.json(), r


def test_a_garbage_reset_token_costs_no_password_hash(locking):
    c = locking.client("verified")
    ops = locking.client("ops")

    def hashes():
        text = ops.get("/_latchkey/metrics").body.decode()
        m = re.search(r"^latchkey_password_hash_seconds_count (\S+)$", text, re.M)
        return float(m.group(1)) if m else 0.0

    email = f"{unique('reset')}@example.com"
    r = c.post("/api/auth/register", json={"email": email, "password": PASSWORD,
                                           "confirmPassword": PASSWORD}, source=fresh_ip())
    assert r.status == 201, r
    locking.wait_for_mail(email)
    assert c.post("/api/auth/forgot", json={"email": email}, source=fresh_ip()).status == 200
    token = mailed_token(locking.wait_for_mail(email, count=2)[-1])
    before = hashes()
    r = c.post("/api/auth/reset", json={"token": "garbage" + "x" * 40, "password": "NewPassword1!",
                                        "confirmPassword": "NewPassword1!"}, source=fresh_ip())
    assert r.status == 400 and r.json() == {"message": "Invalid or expired reset token"}, r
    assert hashes() == before
    r = c.post("/api/auth/reset", json={"token": token, "password": "NewPassword1!",
                                        "confirmPassword": "NewPassword1!"}, source=fresh_ip())
    assert r.status == 200, r
    assert hashes() == before + 1
    r = c.post("/api/auth/reset", json={"token": token, "password": "NewPassword2!",
                                        "confirmPassword": "NewPassword2!"}, source=fresh_ip())
    assert r.status == 400, r  # spent: no hash either
    assert hashes() == before + 1
