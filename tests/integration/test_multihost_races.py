"""Races across two Latchkey hosts on one PostgreSQL, and which writes wait for which
(docs/design/postgresql-write-locks.md, sections 5.6 and 6.2).

Host A is the Stack's `latchkey serve`, host B a second one on the same database (test_multihost's
`second_host`); requests go straight to each host's socket, alternating A and B, released together
by a barrier. Each rule's race has one exact outcome: one account for one email, one successor for
one refresh token, exactly the free allowance of wrong passwords heard, one password reset per
link. The races run with `database_write_lock` left at its default, set to `narrow`, set to
`global` (the one cluster-wide lock of earlier releases), and mixed (host A global, host B narrow:
the middle of a rolling switch from one to the other), so every path stays covered.

Then the locks themselves, held from a connection of the test's own: while one account's row (or
one refresh family's row) is locked, a request for that account (family) waits database_busy_ms and
answers 503 with Retry-After, having changed nothing, and succeeds once the lock is gone; requests
for other accounts and families, a login and a registration, meanwhile answer at once, even while
the stalled request is still waiting. Last, the old constant key: a host of an earlier release (or a
global-mode host, or a migration) takes it exclusively for every write; while it is held, global
writers wait for it and narrow writers, which take no constant key, go on at once.

The elapsed-time checks are bounds, not measurements: a request that waited for the held lock would
take database_busy_ms (2 s here) and answer 503; each of the others must answer its success in
under half of that. Password hashing is made cheap on these stacks so that bound holds beside busy
neighbours. PostgreSQL pass only."""
import concurrent.futures
import contextlib
import itertools
import json
import math
import os
import subprocess
import threading
import time

import pytest

from conftest import BIN, Stack, mailed_token, postgresql_only, unique
from postgres_support import database, held, wait_until_a_request_waits_on_a_lock
from test_multihost import call, refresh_cookie, second_host

pytestmark = postgresql_only

PASSWORD = "correct horse battery"
NEW_PASSWORD = "staple battery horse correct"
WRONG = "not the password at all"
CROWD = 12  # concurrent requests per race, half on each host
FREE = 3  # wrong passwords heard per (account, client network) before the lock
FIRST_LOCK = 60
OLD_KEY = 7809644229187373  # the one advisory key every write of an earlier release takes
PUBLIC_URL = {"LATCHKEY_PUBLIC_URL": "https://verified.example.com"}  # what nginx passes verified

CHEAP_HASHES = {"argon2_memlimit_kib": "1024", "argon2_opslimit": "1"}
RACE_SETTINGS = {
    **CHEAP_HASHES,
    # Well inside the grace, every presentation of one token gets the one successor: all 200.
    "refresh_reuse_grace": "60",
    "throttle_pair_free": str(FREE), "throttle_first_lock": str(FIRST_LOCK),
    "throttle_max_lock": "600", "throttle_network_free": "100000",
    "throttle_account_free": "1000",
}
BUSY_MS = 6000  # long enough that a busy machine answers the others well inside QUICK
QUICK = BUSY_MS / 1000 / 2  # seconds: an answer that waited for a held lock takes BUSY_MS
BUSY_SETTINGS = {
    **CHEAP_HASHES,
    "database_busy_ms": str(BUSY_MS), "refresh_reuse_grace": "60",
    "throttle_pair_free": "100", "throttle_network_free": "100000",
    "throttle_account_free": "1000",
}
BUSY_BODY = {"message": "Service temporarily unavailable, try again shortly"}

_networks = (f"10.62.{a}.{b}" for a, b in itertools.product(range(1, 255), range(1, 255)))


def fresh_network():
    """A client network of its own (an IPv4 address is one): no test's guesses meet another's."""
    return next(_networks)


# --- requests ------------------------------------------------------------------------------------

def register(socket_path, email, password=PASSWORD):
    return call(socket_path, "storefront", "POST", "/api/auth/customer/register",
               {"email": email, "password": password, "firstName": "Ann", "lastName": "Race"},
               remote_addr=fresh_network())


def login(socket_path, email, password, remote_addr):
    return call(socket_path, "storefront", "POST", "/api/auth/customer/login",
               {"email": email, "password": password}, remote_addr=remote_addr)


def refresh(socket_path, token):
    return call(socket_path, "storefront", "POST", "/api/auth/refresh",
                headers={"Cookie": f"refreshToken={token}"})


def change_password(socket_path, access, current, new):
    return call(socket_path, "storefront", "POST", "/api/auth/change-password",
                {"currentPassword": current, "newPassword": new},
                headers={"Authorization": "Bearer " + access})


def race(calls):
    """Every call at once (a barrier releases them together); their answers, in order."""
    barrier = threading.Barrier(len(calls))

    def run(f):
        barrier.wait(timeout=60)
        return f()

    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def timed_race(calls):
    """race(), each answer with the seconds it took from the barrier's release."""
    def timed(f):
        def run():
            started = time.monotonic()
            answer = f()
            return answer, time.monotonic() - started
        return run

    return race([timed(f) for f in calls])


def sockets(a, b, n):
    """n sockets, alternating host A and host B."""
    return [(a.socket, b.socket)[i % 2] for i in range(n)]


# --- stored state ----------------------------------------------------------------------------------

def rows(stack, sql, params=()):
    db = stack.db()
    try:
        return [tuple(r) for r in db.execute(sql, params).fetchall()]
    finally:
        db.close()


def scalar(stack, sql, params=()):
    [(value,)] = rows(stack, sql, params)
    return value


class Customer:
    """A storefront customer registered on host A: its account id, access token, refresh token
    and refresh family."""

    def __init__(self, stack, password=PASSWORD):
        self.email = f"{unique('racer')}@example.com"
        status, head, body = register(stack.socket, self.email, password)
        assert status == 201, (status, body)
        self.access = body["accessToken"]
        self.refresh = refresh_cookie(head)
        self.id = scalar(stack, "SELECT id FROM accounts WHERE site = 'storefront' AND "
                                "kind = 'customer' AND email_key = ?", (self.email,))
        [(self.family,)] = rows(stack, "SELECT id FROM refresh_families WHERE account_id = ?",
                                (self.id,))


def account_state(stack, account_id):
    """What a password change writes: the hash, the session version, the live families."""
    return rows(stack, "SELECT password_hash, session_version FROM accounts WHERE id = ?",
                (account_id,)) + rows(
        stack, "SELECT id FROM refresh_families WHERE account_id = ? AND revoked_at IS NULL "
               "ORDER BY id", (account_id,))


def family_state(stack, family):
    """What a rotation writes: the family's row and its tokens."""
    return rows(stack, "SELECT revoked_at, last_used_at FROM refresh_families WHERE id = ?",
                (family,)) + rows(
        stack, "SELECT token_hash, rotated_at, successor IS NULL FROM refresh_tokens "
               "WHERE family_id = ? ORDER BY token_hash", (family,))


# --- the stacks ------------------------------------------------------------------------------------

def started(stack):
    """stack with its `latchkey serve` started; one that refused to start (its exit already
    reported) is not also stopped."""
    try:
        stack.start_latchkey()
    except RuntimeError:
        if stack.proc.poll() is None:  # alive, but without its socket
            stack.proc.kill()
            stack.proc.wait()
        stack.proc = None
        stack.log.close()
        stack.cleanup()
        raise
    return stack


@contextlib.contextmanager
def two_hosts(settings, b_overrides=None):
    """Host A (a Stack, without nginx) and host B on A's database, with `b_overrides`."""
    a = started(Stack(settings))
    try:
        b = second_host(a, b_overrides)
        try:
            yield a, b
        finally:
            b.stop_latchkey()
            b.cleanup()
    finally:
        a.stop()
        a.cleanup()


def with_write_lock(settings, mode):
    return dict(settings, database_write_lock=mode) if mode else dict(settings)


@pytest.fixture(scope="module", params=[None, "narrow", "global", "mixed"],
                ids=["default", "narrow", "global", "mixed"])
def hosts(request):
    """database_write_lock unset (the default), narrow, global, and host A global beside host B
    narrow (a global writer also takes every narrow lock, so the two may share a database)."""
    if request.param == "mixed":
        pair = two_hosts(with_write_lock(RACE_SETTINGS, "global"), {"database_write_lock": "narrow"})
    else:
        pair = two_hosts(with_write_lock(RACE_SETTINGS, request.param))
    with pair as (a, b):
        yield a, b


@pytest.fixture(scope="module")
def busy_hosts():
    """The default write lock; a held lock ends a wait after BUSY_MS."""
    with two_hosts(BUSY_SETTINGS) as pair:
        yield pair


# --- 1. one email, one account -----------------------------------------------------------------

def test_one_email_registered_at_once_on_both_hosts_is_one_account(hosts):
    a, b = hosts
    email = f"{unique('crowd')}@example.com"
    spellings = [email.upper() if i % 3 == 0 else email for i in range(CROWD)]
    answers = race([lambda s=s, e=e: register(s, e)
                    for s, e in zip(sockets(a, b, CROWD), spellings)])
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [201] + [409] * (CROWD - 1), statuses
    for status, _, body in answers:
        if status == 409:
            assert body == {"message": "Email already exists"}, body
    [account] = rows(a, "SELECT id FROM accounts WHERE site = 'storefront' AND kind = 'customer' "
                        "AND email_key = ?", (email,))
    assert scalar(a, "SELECT count(*) FROM account_claims WHERE email_key = ?", (email,)) == 0
    assert scalar(a, "SELECT count(*) FROM refresh_families WHERE account_id = ?", account) == 1
    # The one account is real, on either host.
    assert login(b.socket, email, PASSWORD, fresh_network())[0] == 200
    assert login(a.socket, email, PASSWORD, fresh_network())[0] == 200


# --- 2. one refresh token, one successor -----------------------------------------------------------

def test_one_refresh_token_presented_at_once_on_both_hosts_has_one_successor(hosts):
    """Inside the reuse grace every presentation is answered, all with the one successor: the
    family holds exactly two tokens, one of them live (test_attack_refresh.py's two tabs)."""
    a, b = hosts
    x = Customer(a)
    answers = race([lambda s=s: refresh(s, x.refresh) for s in sockets(a, b, CROWD)])
    assert [status for status, _, _ in answers] == [200] * CROWD, answers
    successors = {refresh_cookie(head) for _, head, _ in answers}
    assert len(successors) == 1, "one successor for every holder, never a sibling"
    [successor] = successors
    assert successor != x.refresh
    assert scalar(a, "SELECT count(*) FROM refresh_tokens WHERE family_id = ?", (x.family,)) == 2
    assert scalar(a, "SELECT count(*) FROM refresh_tokens WHERE family_id = ? AND "
                     "rotated_at IS NULL", (x.family,)) == 1
    assert scalar(a, "SELECT revoked_at FROM refresh_families WHERE id = ?", (x.family,)) is None
    status, head, _ = refresh(b.socket, successor)  # the shared successor rotates on
    assert status == 200 and refresh_cookie(head) not in (x.refresh, successor)


# --- 3. wrong passwords: exactly the free allowance is heard -----------------------------------

def test_wrong_passwords_guessed_at_once_on_both_hosts_are_heard_exactly_the_free_allowance(hosts):
    a, b = hosts
    x = Customer(a)
    buckets_before = {key for key, in rows(a, "SELECT bucket_key FROM guess_buckets")}
    network = fresh_network()
    started = time.monotonic()
    answers = race([lambda s=s: login(s, x.email, WRONG, network) for s in sockets(a, b, CROWD)])
    # Each request reads the clock (whole seconds) once: a refusal may be timed up to this many
    # seconds before the guess that set the lock, so its Retry-After may exceed the lock by as much.
    skew = math.ceil(time.monotonic() - started)
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [401] * FREE + [429] * (CROWD - FREE), statuses
    for status, head, body in answers:
        if status == 401:
            assert body == {"message": "Invalid credentials"}, body
        else:
            assert body == {"message": "Too many login attempts, try again later"}, body
            assert 0 < int(head["retry-after"]) <= FIRST_LOCK + skew, (head, skew)
    # The guess's three buckets (network, account on this network, account anywhere), each
    # counting exactly the guesses heard; the pair's count started its lock.
    counted = sorted((failures, locked_until > 0) for key, failures, locked_until in rows(
        a, "SELECT bucket_key, failures, locked_until FROM guess_buckets")
        if key not in buckets_before)
    assert counted == [(FREE, False), (FREE, False), (FREE, True)], counted
    for s in (a.socket, b.socket):  # the lock is real on both hosts, even for the password
        assert login(s, x.email, PASSWORD, network)[0] == 429
    assert login(b.socket, x.email, PASSWORD, fresh_network())[0] == 200  # elsewhere: the owner


# --- 4. one reset link, one reset ------------------------------------------------------------------

def mail_to(hosts, to, subject, timeout=15):
    """The one mail to `to` with `subject`, whichever host's mail worker sent it (each writes to its
    own data directory)."""
    deadline = time.time() + timeout
    while True:
        found = [m for h in hosts for m in h.mails_to(to, subject)]
        if found:
            assert len(found) == 1, [m["Subject"] for m in found]
            return found[0]
        assert time.time() < deadline, f"no {subject!r} mail to {to} within {timeout} s"
        time.sleep(0.05)


def test_one_reset_link_redeemed_at_once_on_both_hosts_resets_once(hosts):
    """Each redeemer sets a password of its own: only the one answered 200 signs in afterwards."""
    a, b = hosts
    email = f"{unique('reset')}@example.com"
    status, _, body = call(a.socket, "verified", "POST", "/api/auth/register",
                          {"email": email, "password": PASSWORD, "confirmPassword": PASSWORD},
                          remote_addr=fresh_network(), params=PUBLIC_URL)
    assert status == 201, body
    status, _, body = call(b.socket, "verified", "POST", "/api/auth/forgot", {"email": email},
                          remote_addr=fresh_network(), params=PUBLIC_URL)
    assert status == 200, body
    token = mailed_token(mail_to((a, b), email, "Reset your password"))
    passwords = [f"reset {i} battery staple" for i in range(CROWD)]
    answers = race([lambda s=s, p=p: call(s, "verified", "POST", "/api/auth/reset",
                                         {"token": token, "password": p, "confirmPassword": p},
                                         remote_addr=fresh_network(), params=PUBLIC_URL)
                    for s, p in zip(sockets(a, b, CROWD), passwords)])
    statuses = [status for status, _, _ in answers]
    assert sorted(statuses) == [200] + [400] * (CROWD - 1), statuses
    for status, _, body in answers:
        expected = ({"message": "Password has been reset"} if status == 200
                    else {"message": "Invalid or expired reset token"})
        assert body == expected, body
    winner = statuses.index(200)
    for i, (s, p) in enumerate(zip(sockets(a, b, CROWD), passwords)):
        status, _, body = call(s, "verified", "POST", "/api/auth/login",
                              {"email": email, "password": p}, remote_addr=fresh_network())
        assert status == (200 if i == winner else 401), (i, winner, status, body)
    status, _, _ = call(a.socket, "verified", "POST", "/api/auth/login",
                       {"email": email, "password": PASSWORD}, remote_addr=fresh_network())
    assert status == 401


# --- 5. a held row stalls its own account or family, never another -------------------------------

def other_accounts_work(a, b):
    """A refresh of another family, a login of another account, a registration of a new email and
    a password change of another account (prepared now), each with the status it must answer."""
    y1, y2, y3 = Customer(a), Customer(a), Customer(a)
    newcomer = f"{unique('newcomer')}@example.com"
    return [("refresh", 200, lambda: refresh(b.socket, y1.refresh)),
            ("login", 200, lambda: login(a.socket, y2.email, PASSWORD, fresh_network())),
            ("register", 201, lambda: register(b.socket, newcomer)),
            ("change password", 200,
             lambda: change_password(a.socket, y3.access, PASSWORD, NEW_PASSWORD))]


def assert_others_answer_at_once(work):
    answers = timed_race([f for _, _, f in work])
    seen = [(name, status, round(elapsed, 2), body if status != expected else None)
            for (name, expected, _), ((status, _, body), elapsed) in zip(work, answers)]
    assert [status for _, status, _, _ in seen] == [expected for _, expected, _ in work], seen
    # Under QUICK: none of them waited for the held lock or for the stalled request.
    assert all(elapsed < QUICK for _, _, elapsed, _ in seen), seen


def assert_busy(answer, elapsed):
    status, head, body = answer
    assert status == 503, (status, body)
    assert body == BUSY_BODY, body
    assert int(head["retry-after"]) > 0, head
    assert elapsed >= BUSY_MS / 1000 * 0.95, f"503 after {elapsed:.2f} s, not after the wait"


def stalled_while_others_run(stack, stalled, work):
    """Starts `stalled`, lets it reach the held lock, runs `work` at once meanwhile; the stalled
    request's answer and how long it took."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        pending = pool.submit(lambda: (stalled(), time.monotonic() - started))
        wait_until_a_request_waits_on_a_lock(stack, pending)
        try:
            assert_others_answer_at_once(work)
        finally:
            answer, elapsed = pending.result()
    return answer, elapsed


def test_an_account_row_held_stalls_that_account_only(busy_hosts):
    a, b = busy_hosts
    x = Customer(a)
    work = other_accounts_work(a, b)
    before = account_state(a, x.id)
    with held(a, "SELECT 1 FROM accounts WHERE id = %s FOR NO KEY UPDATE", (x.id,)):
        answer, elapsed = stalled_while_others_run(
            a, lambda: change_password(a.socket, x.access, PASSWORD, NEW_PASSWORD), work)
        assert_busy(answer, elapsed)
        assert account_state(a, x.id) == before, "the refused change wrote nothing"
    status, _, body = change_password(b.socket, x.access, PASSWORD, NEW_PASSWORD)
    assert status == 200, body
    assert account_state(a, x.id)[0] != before[0]
    assert login(a.socket, x.email, NEW_PASSWORD, fresh_network())[0] == 200


def test_a_refresh_family_row_held_stalls_that_family_only(busy_hosts):
    a, b = busy_hosts
    x = Customer(a)
    work = other_accounts_work(a, b)
    before = family_state(a, x.family)
    with held(a, "SELECT 1 FROM refresh_families WHERE id = %s FOR NO KEY UPDATE", (x.family,)):
        answer, elapsed = stalled_while_others_run(a, lambda: refresh(b.socket, x.refresh), work)
        assert_busy(answer, elapsed)
        assert family_state(a, x.family) == before, "the refused rotation wrote nothing"
    status, head, body = refresh(a.socket, x.refresh)
    assert status == 200, body
    assert refresh_cookie(head) != x.refresh
    assert scalar(a, "SELECT count(*) FROM refresh_tokens WHERE family_id = ?", (x.family,)) == 2


# --- 6. the old constant key: a host of an earlier release beside this one ------------------------

@pytest.fixture(scope="module", params=[None, "global"], ids=["default", "global"])
def old_key_host(request):
    """One host, the write lock at its default (narrow) or global; a wait ends after BUSY_MS."""
    s = started(Stack(with_write_lock(BUSY_SETTINGS, request.param)))
    s.mode = request.param or "narrow"
    try:
        yield s
    finally:
        s.stop()
        s.cleanup()


@contextlib.contextmanager
def old_key(stack):
    """The old constant key held at session level, as an older host's write holds it."""
    conn = database(stack)
    conn.autocommit = True
    try:
        with conn.cursor() as c:
            c.execute("SELECT pg_advisory_lock(%s)", (OLD_KEY,))
        yield
    finally:
        conn.close()  # ends the session, and its lock


def registered(stack, email):
    """The account rows and live claims of `email` on storefront."""
    return (scalar(stack, "SELECT count(*) FROM accounts WHERE email_key = ?", (email,)),
            scalar(stack, "SELECT count(*) FROM account_claims WHERE email_key = ?", (email,)))


def test_the_old_key_keeps_global_writers_out_and_narrow_ones_never_wait(old_key_host):
    """A host still on an earlier release takes the key exclusively for each write. A global-mode
    writer waits for it as one of those hosts would (so a cluster may roll from such a release to
    this one with every host global); a narrow-mode writer takes no constant key and goes on."""
    s = old_key_host
    email = f"{unique('upgrade')}@example.com"
    x = Customer(s)
    with old_key(s):
        started = time.monotonic()
        answer = register(s.socket, email)
        elapsed = time.monotonic() - started
        started = time.monotonic()
        rotated = refresh(s.socket, x.refresh)
        rotation_elapsed = time.monotonic() - started
        if s.mode == "narrow":
            assert answer[0] == 201, answer
            assert elapsed < QUICK, f"the registration took {elapsed:.2f} s: it waited"
            assert registered(s, email) == (1, 0)
            assert rotated[0] == 200, rotated
            assert rotation_elapsed < QUICK, f"the rotation took {rotation_elapsed:.2f} s"
        else:
            assert_busy(answer, elapsed)
            assert_busy(rotated, rotation_elapsed)
            assert registered(s, email) == (0, 0), "the refused registration wrote nothing"
    if s.mode == "global":
        status, _, body = register(s.socket, email)
        assert status == 201, body
        assert registered(s, email) == (1, 0)
        status, _, body = refresh(s.socket, x.refresh)
        assert status == 200, body
    assert scalar(s, "SELECT count(*) FROM refresh_tokens WHERE family_id = ?", (x.family,)) == 2


# --- 7. an import beside registrations of its addresses ------------------------------------------

IMPORTED = 300  # accounts in the file
IMPORT_BATCH = 50  # a short batch: a registration of one of its addresses waits for one batch


def test_an_import_beside_registrations_of_its_addresses_leaves_each_address_one_account():
    """`latchkey import` takes its batch's address keys at once, in the one sorted order, and
    nothing else: registrations on both hosts of addresses in the file race it (each address ends
    with exactly one account: the import's or the registration's, never both, never neither) and
    registrations of other addresses go on beside it."""
    with two_hosts(RACE_SETTINGS) as (a, b):
        prefix = unique("imp")
        emails = [f"{prefix}.{i}@example.com" for i in range(IMPORTED)]
        path = f"{a.dir}/import.jsonl"
        with open(path, "w") as f:
            for email in emails:
                f.write(json.dumps({"email": email, "firstName": "Imp", "lastName": "Orted"}) + "\n")
        contested = emails[IMPORTED // 2::IMPORTED // 24]  # over the later batches
        others = [f"{unique('beside')}@example.com" for _ in range(6)]
        command = [BIN, "import", path, "--site", "storefront", "--kind", "customer",
                   "--batch", str(IMPORT_BATCH), "--json", "--data-dir", a.data, *a.setting_args()]
        env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
        importer = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, env=env)
        try:
            deadline = time.monotonic() + 60
            while scalar(a, "SELECT count(*) FROM accounts WHERE email_key LIKE ?",
                         (prefix + ".%",)) == 0:  # its first batch is in: the race is on
                assert importer.poll() is None and time.monotonic() < deadline, importer.poll()
                time.sleep(0.005)
            answers = race([lambda s=s, e=e: register(s, e)
                            for s, e in zip(sockets(a, b, len(contested + others)),
                                            contested + others)])
            out, err = importer.communicate(timeout=120)
        finally:
            if importer.poll() is None:
                importer.kill()
                importer.wait()
        assert importer.returncode == 0, (out, err)
        summary = json.loads(out)
        won = {e for e, (status, _, _) in zip(contested, answers) if status == 201}
        for e, (status, _, body) in zip(contested + others, answers):
            assert status in ((201, 409) if e in contested else (201,)), (e, status, body)
        assert summary["read"] == IMPORTED
        assert summary["imported"] == IMPORTED - len(won), summary
        assert summary["skipped"] == len(won), summary
        assert set(summary["reasons"]) <= {"email taken"}, summary
        counts = dict(rows(a, "SELECT email_key, count(*) FROM accounts WHERE site = 'storefront' "
                              "AND email_key LIKE ? GROUP BY email_key", (prefix + ".%",)))
        assert counts == {e: 1 for e in emails}, "each address of the file: one account"
        assert scalar(a, "SELECT count(*) FROM account_claims WHERE email_key LIKE ?",
                      (prefix + ".%",)) == 0
