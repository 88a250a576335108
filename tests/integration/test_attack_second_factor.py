"""Attacks on the second factor (authenticator apps), on every password contract, through nginx:
a sign-in challenge replayed, taken to another site or answered with another account's code, one
code raced on two challenges, and codes guessed by whoever has the password, which the guess
throttle must bound like passwords without letting a right password launder the wrong codes
(docs/security.md, "Second factors")."""
import threading

import pytest

from account_support import ADAPTERS, OLD, fresh_ip
from conftest import running
from totp_support import PERIOD, challenge, code, enrol, step_start


@pytest.fixture(scope="module")
def stack():
    # Locks of a minute from the first (the default's first lock is a second, which a slow
    # neighbour could outlast between two requests).
    yield from running({"throttle_first_lock": "60"})


@pytest.fixture(params=list(ADAPTERS))
def site(request, stack):
    return ADAPTERS[request.param](stack)


def enrolled(site):
    email = site.new_account()
    secret, codes, start = enrol(site, site.sign_in(email))
    return email, secret, codes, start


def wrong_code(secret, start):
    """A six-digit code that is none of the window's."""
    window = {code(secret, start + k * PERIOD) for k in (-1, 0, 1, 2)}
    return next(c for c in (f"{n:06d}" for n in range(1000000)) if c not in window)


def test_a_used_challenge_answers_nothing_again(site):
    email, secret, _, start = enrolled(site)
    token = challenge(site, email)
    assert site.second_factor(token, code(secret, start + PERIOD)).status == 200
    r = site.second_factor(token, code(secret, start + PERIOD))
    assert r.status == 401 and r.json() == site.error_body(
        401, "Invalid or expired sign-in challenge"), r


def test_a_challenge_of_another_site_is_refused(stack):
    gateway, fastapi, verified = (ADAPTERS[s](stack) for s in ("gateway", "fastapi", "verified"))
    email, secret, _, start = enrolled(gateway)
    token = challenge(gateway, email)
    for other in (fastapi, verified):
        r = other.second_factor(token, code(secret, start + PERIOD))
        assert r.status == 401 and r.json() == other.error_body(
            401, "Invalid or expired sign-in challenge"), r
    # Still good where it was issued: the foreign attempts spent neither it nor the code.
    assert gateway.second_factor(token, code(secret, start + PERIOD)).status == 200


def test_a_challenge_is_answered_only_by_its_own_accounts_code(site):
    victim, victim_secret, _, start = enrolled(site)
    attacker, attacker_secret, attacker_codes, _ = enrolled(site)
    stolen = challenge(site, victim)  # the attacker has the victim's password, not the app
    for own in (code(attacker_secret, start + PERIOD), attacker_codes[0]):
        r = site.second_factor(stolen, own)
        assert r.status == 401 and r.json() == site.error_body(401, "Invalid code"), r
    # The attacker's own code and recovery code were not spent on the victim's challenge.
    assert site.second_factor(challenge(site, attacker), attacker_codes[0]).status == 200
    assert site.second_factor(stolen, code(victim_secret, start + PERIOD)).status == 200


def test_one_code_raced_on_two_challenges_signs_in_once(site):
    email, secret, _, start = enrolled(site)
    tokens = [challenge(site, email) for _ in range(2)]
    good = code(secret, start + PERIOD)
    statuses = []
    barrier = threading.Barrier(2)

    def answer(token):
        barrier.wait()
        statuses.append(site.second_factor(token, good).status)

    threads = [threading.Thread(target=answer, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 401], statuses


def test_wrong_codes_lock_like_passwords_and_a_right_password_does_not_launder_them(site):
    email, secret, _, start = enrolled(site)
    guesser = fresh_ip()
    bad = wrong_code(secret, start)
    # Five wrong codes from one network (the pair's free allowance) close the challenge...
    token = challenge(site, email, source=guesser)
    for _ in range(5):
        assert site.second_factor(token, bad, source=guesser).status == 401
    # ...and the password, right again from the same network, buys no new guesses there.
    token = challenge(site, email, source=guesser)
    r = site.second_factor(token, code(secret, start + PERIOD), source=guesser)
    assert r.status == 429 and r.header("Retry-After"), r
    # The owner, elsewhere, is not locked out by it.
    assert site.second_factor(challenge(site, email), code(secret, start + PERIOD)).status == 200


def test_codes_guessed_from_many_networks_lock_the_account_but_not_its_owners_network(site):
    email, secret, codes, start = enrolled(site)
    home = fresh_ip()
    # The owner signs in once from home: that network is proven for the account's codes.
    token = challenge(site, email, source=home)
    assert site.second_factor(token, code(secret, start + PERIOD), source=home).status == 200
    bad = wrong_code(secret, start)
    # Ten wrong codes, each from a network of its own (two challenges, five each)...
    for _ in range(2):
        token = challenge(site, email)
        for _ in range(5):
            assert site.second_factor(token, bad).status == 401
    # ...and the eleventh stranger is held off, whatever network it comes from, even with a
    # right recovery code...
    r = site.second_factor(challenge(site, email), codes[0])
    assert r.status == 429, r
    # ...while the owner at home still signs in (a recovery code: the app's next code is 30 s away).
    r = site.second_factor(challenge(site, email, source=home), codes[0], source=home)
    assert r.status == 200, r


def test_a_challenge_opened_with_the_old_password_ends_with_it(site):
    email, secret, _, start = enrolled(site)
    stolen = challenge(site, email)  # opened by whoever had the old password
    session = site.sign_in_with_code(email, code(secret, start + PERIOD))
    r = site.change(session)
    assert r.status == 200, r
    r = site.second_factor(stolen, code(secret, start + 2 * PERIOD))
    assert r.status == 401 and r.json() == site.error_body(
        401, "Invalid or expired sign-in challenge"), r


def test_racing_new_recovery_codes_leave_one_set(site):
    email = site.new_account()
    session = site.sign_in(email)
    enrol(site, session)
    # Two at once: as many password hashes as the test service runs side by side (more would be
    # refused 503 by the hash queue before any reached the codes).
    barrier = threading.Barrier(2)
    answers = []

    def renew():
        barrier.wait()
        r = site.totp(session, "recovery-codes", {"password": OLD})
        answers.append((r.status, r.json()[site.name("recovery_codes")] if r.status == 200 else r))

    threads = [threading.Thread(target=renew) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(status == 200 for status, _ in answers), answers
    with site.stack.db() as db:
        left = db.execute("SELECT COUNT(*) FROM recovery_codes WHERE account_id = ? AND used_at IS "
                          "NULL", (site.account_id(email),)).fetchone()[0]
    assert left == 10, left


def test_confirming_nothing_is_no_guess(site):
    email = site.new_account()
    session = site.sign_in(email)
    prober = fresh_ip()
    for _ in range(8):  # more than the pair's free allowance: none of them is counted
        r = site.totp(session, "confirm", {"code": "123456"}, source=prober)
        assert r.status == 400 and r.json() == site.error_body(
            400, "No authenticator enrolment to confirm"), r
    r = site.totp(session, "enroll", {"password": OLD})
    secret = r.json()["secret"]
    r = site.totp(session, "confirm", {"code": code(secret, step_start())}, source=prober)
    assert r.status == 200, r
