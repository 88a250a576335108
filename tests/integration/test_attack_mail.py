"""Mail as a weapon (issue 18, finding 5): every endpoint that mails is bounded per address, per
(address, client network) and per network; a limited request answers exactly as any other and
sends nothing; a stranger's request neither voids the owner's reset link or code nor spends the
owner's own allowance; names reach mail only as bounded data (docs/security.md, "Mail as a
weapon"; the limits are in docs/mail.md). Every test sends from its own loopback networks.
"""
import itertools
import json
import re
import time

import pytest

from booking_support import AMZ_JSON, code_in
from conftest import PER_NETWORK_MAIL_UNLIMITED, Stack, mailed_token, running, unique

PASSWORD = "uncommon-pass-123"
# The defaults (docs/mail.md): links per kind, codes.
LINK_PER_PAIR, LINK_PER_ADDRESS, LINK_PER_DAY, LINK_PER_NETWORK = 3, 10, 20, 30
CODE_PER_PAIR, CODE_PER_ADDRESS, CODE_PER_DAY = 5, 10, 20

_networks = (f"127.{a}.{b}.{c}" for a, b, c in itertools.product(range(40, 60), range(1, 250), range(2, 250)))


def network():
    """A loopback source address no other request of this module uses: a client network."""
    return next(_networks)


def defaults():
    """The shipped per-network ceilings (the harness lifts them for the other suites)."""
    return {key: str(LINK_PER_NETWORK) for key in PER_NETWORK_MAIL_UNLIMITED}


@pytest.fixture(scope="module")
def stack():
    yield from running(defaults())


def queued(stack, email, kind):
    """Messages of `kind` queued for `email`: exact at once, since mail is queued in the request's
    own transaction."""
    with stack.db() as db:
        return db.execute("SELECT count(*) FROM outbox WHERE recipient = ? AND kind = ?",
                          (email, kind)).fetchone()[0]


def register(client, email, source, **extra):
    body = {"email": email, "password": PASSWORD, "confirmPassword": PASSWORD}
    body.update(extra)
    return client.post("/api/auth/register", json=body, source=source)


def verified_owner(stack, client):
    """A verified account whose owner followed the link from their own network (which it proves)."""
    email, home = f"{unique('owner')}@example.com", network()
    assert register(client, email, home, firstName="Ana").status == 201
    [mail] = stack.wait_for_mail(email)
    assert client.get("/api/auth/verify?token=" + mailed_token(mail), source=home).status == 200
    return email, home


def ask(client, path, email, source):
    r = client.post(path, json={"email": email}, source=source)
    return r.status, r.body, r.header("Content-Type")


def reset(client, token, password, source=None):
    return client.post("/api/auth/reset", json={"token": token, "password": password,
                                                "confirmPassword": password}, source=source)


# --- verified: forgot and resend -----------------------------------------------------------------

def test_a_forgot_loop_for_one_address_sends_at_most_the_limit_and_answers_as_for_no_account(stack, verified):
    email, _ = verified_owner(stack, verified)
    attacker = network()
    answers = {ask(verified, "/api/auth/forgot", email, attacker) for _ in range(12)}
    nobody = ask(verified, "/api/auth/forgot", f"{unique('ghost')}@example.com", network())
    assert answers == {nobody} and nobody[0] == 200
    assert queued(stack, email, "reset_password") == LINK_PER_PAIR
    stack.wait_for_mail(email, count=1 + LINK_PER_PAIR)
    time.sleep(0.5)
    assert len(stack.mails_to(email, "Reset your password")) == LINK_PER_PAIR


def test_a_resend_loop_for_one_address_sends_at_most_the_limit_and_answers_as_for_no_account(stack, verified):
    email = f"{unique('unverified')}@example.com"
    assert register(verified, email, network()).status == 201
    attacker = network()
    answers = {ask(verified, "/api/auth/verify/resend", email, attacker) for _ in range(12)}
    nobody = ask(verified, "/api/auth/verify/resend", f"{unique('ghost')}@example.com", network())
    assert answers == {nobody} and nobody[0] == 200
    assert queued(stack, email, "verify_email") == 1 + LINK_PER_PAIR  # the registration's, and 3
    stack.wait_for_mail(email, count=1 + LINK_PER_PAIR)
    time.sleep(0.5)
    assert len(stack.mails_to(email, "Confirm your email address")) == 1 + LINK_PER_PAIR


def test_requests_from_many_networks_for_one_victim_are_bounded_per_address(stack, verified):
    email, home = verified_owner(stack, verified)
    answers = {ask(verified, "/api/auth/forgot", email, net)
               for net in [network() for _ in range(15)] for _ in range(LINK_PER_PAIR)}
    assert len(answers) == 1 and next(iter(answers))[0] == 200
    # The ceiling (10, reached by the fourth network) and then one for each of the 11 further
    # networks: the first send of the day from a network is never refused by the ceiling.
    assert queued(stack, email, "reset_password") == LINK_PER_ADDRESS + 11
    # The strangers spent their ceiling, not the owner's: from the network the owner proved, a
    # reset link still goes out...
    assert ask(verified, "/api/auth/forgot", email, home)[0] == 200
    assert queued(stack, email, "reset_password") == LINK_PER_ADDRESS + 12
    # ...and from a network nobody used for this address today, one does.
    fresh = network()
    for _ in range(LINK_PER_PAIR):
        assert ask(verified, "/api/auth/forgot", email, fresh)[0] == 200
    assert queued(stack, email, "reset_password") == LINK_PER_ADDRESS + 13


def test_one_network_mailing_many_addresses_is_bounded_per_network(stack, verified):
    victims = [f"{unique('many')}@example.com" for _ in range(LINK_PER_NETWORK + 4)]
    for email in victims:
        assert register(verified, email, network()).status == 201
    attacker = network()
    answers = {ask(verified, "/api/auth/verify/resend", email, attacker) for email in victims}
    assert len(answers) == 1
    resent = sum(queued(stack, email, "verify_email") - 1 for email in victims)
    assert resent == LINK_PER_NETWORK


def test_a_day_of_strangers_mails_one_address_at_most_the_daily_ceiling():
    """Measured with one-second windows, so that a day's worth of windows passes in seconds: the
    per-address daily ceiling is what bounds the mail a victim receives from strangers on up to 20
    networks; each further network adds its first send of the day, and that one only. The owner on
    a network nobody used for the address today still gets a link."""
    s = Stack(dict(defaults(), mail_window="1")).start()
    try:
        c = s.client("verified")
        email, _ = verified_owner(s, c)
        strangers = [network() for _ in range(LINK_PER_ADDRESS + 2)]
        for _ in range(3):  # each round in a window of its own: two reach the ceiling
            for net in strangers:
                ask(c, "/api/auth/forgot", email, net)
            time.sleep(1.1)
        assert queued(s, email, "reset_password") == LINK_PER_DAY
        owner = network()
        for _ in range(2):
            assert ask(c, "/api/auth/forgot", email, owner)[0] == 200
            time.sleep(1.1)  # a new window: only the daily ceiling is left to refuse
        assert queued(s, email, "reset_password") == LINK_PER_DAY + 1
        token = mailed_token(s.wait_for_mail(email, count=1 + LINK_PER_DAY + 1)[-1])
        assert reset(c, token, "owners-new-pass", source=owner).status == 200
    finally:
        s.stop()
        s.cleanup()


def test_strangers_asking_for_an_address_before_it_is_registered_spend_nothing_of_its_account(stack, verified):
    email = f"{unique('early')}@example.com"
    strangers = [network() for _ in range(4)]
    for net in strangers:
        for _ in range(LINK_PER_PAIR):
            assert ask(verified, "/api/auth/forgot", email, net)[0] == 200
            assert ask(verified, "/api/auth/verify/resend", email, net)[0] == 200
    assert queued(stack, email, "verify_email") == 0 and queued(stack, email, "reset_password") == 0
    # The owner registers: the verification mail goes out, and so do their own resends and resets.
    home = network()
    assert register(verified, email, home).status == 201
    assert queued(stack, email, "verify_email") == 1
    for _ in range(2):
        assert ask(verified, "/api/auth/verify/resend", email, home)[0] == 200
        assert ask(verified, "/api/auth/forgot", email, home)[0] == 200
    assert queued(stack, email, "verify_email") == 3
    assert queued(stack, email, "reset_password") == 2
    # The strangers' own networks are still held to their own allowance for it, as for anyone.
    assert ask(verified, "/api/auth/verify/resend", email, strangers[0])[0] == 200
    assert queued(stack, email, "verify_email") == 4


# --- verified: outstanding reset links -----------------------------------------------------------

def test_the_first_of_several_outstanding_reset_links_still_resets_and_using_one_ends_the_others(stack, verified):
    email, _ = verified_owner(stack, verified)
    owner, stranger = network(), network()
    verified.post("/api/auth/forgot", json={"email": email}, source=owner)
    first = mailed_token(stack.wait_for_mail(email, count=2)[-1])
    for _ in range(2):  # a stranger asks again, twice
        verified.post("/api/auth/forgot", json={"email": email}, source=stranger)
    later = [mailed_token(m) for m in stack.wait_for_mail(email, count=4)[-2:]]
    r = reset(verified, first, "brand-new-pass", source=owner)
    assert r.status == 200 and r.json() == {"message": "Password has been reset"}
    for token in later:
        r = reset(verified, token, "attackers-pass")
        assert r.status == 400 and r.json() == {"message": "Invalid or expired reset token"}
    assert verified.post("/api/auth/login", json={"email": email, "password": "brand-new-pass"}).status == 200
    with stack.db() as db:
        live = db.execute("SELECT count(*) FROM one_time_tokens t JOIN accounts a ON a.id = t.account_id "
                          "WHERE a.email = ? AND t.purpose = 'reset_password' AND t.used_at IS NULL "
                          "AND t.expires_at > ?", (email, int(time.time()))).fetchone()[0]
    assert live == 0


# --- verified: names in mail ---------------------------------------------------------------------

def test_a_ten_thousand_character_name_is_refused_and_mails_nothing(stack, verified):
    email = f"{unique('long')}@example.com"
    r = register(verified, email, network(), firstName="A" * 10000)
    assert r.status == 400 and r.json()["details"] == {"firstName": "First name must be at most 50 characters"}
    assert queued(stack, email, "verify_email") == 0


@pytest.mark.parametrize("name", [
    '<a href="https://evil.example/x">Win</a>',
    "Ana: visit www.evil.example/claim now",
    "Ana\u3002evil\uff0eexample\u2215claim <b>",
    "Ana @ evil.example & 'quotes' \"here\"",
])
def test_a_registration_name_reaches_mail_only_as_bounded_data(stack, verified, name):
    email = f"{unique('name')}@example.com"
    assert register(verified, email, network(), firstName=name).status == 201
    [mail] = stack.wait_for_mail(email)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    greeting = re.match(r"Hello (.*),\n", text).group(1)
    assert 0 < len(greeting) <= 40 and re.fullmatch(r"[\w '\-]+", greeting), greeting
    assert "evil" not in text.replace(greeting, "") and "example/" not in text
    assert re.findall(r"https?://\S+", text) == [re.search(r"https?://\S+verify-email\S+", text).group(0)]
    assert html.count("href=") == 1 and "<b>" not in html and "evil.example" not in html
    assert "<p>Hello " + greeting.replace("'", "&#39;") + ",</p>" in html  # escaped as data
    assert mail["Subject"] == "Confirm your email address" and mail["Bcc"] is None


def test_a_name_is_cut_to_forty_characters_in_mail(stack, verified):
    email = f"{unique('cut')}@example.com"
    assert register(verified, email, network(), firstName="Maximiliana" + "x" * 39).status == 201
    [mail] = stack.wait_for_mail(email)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Hello Maximiliana" + "x" * 29 + ",\n")


# --- booking: codes ------------------------------------------------------------------------------

def call(client, op, body, source):
    return client.request("POST", "/cognito", body=json.dumps(body), source=source,
                          headers={"Content-Type": AMZ_JSON,
                                   "X-Amz-Target": "AWSCognitoIdentityProviderService." + op})


def otp_start(client, email, source):
    return call(client, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "USER_AUTH", "AuthParameters": {
        "USERNAME": email, "PREFERRED_CHALLENGE": "EMAIL_OTP"}}, source)


def otp_answer(client, email, session, code, source):
    return call(client, "RespondToAuthChallenge", {
        "ClientId": "demo", "ChallengeName": "EMAIL_OTP", "Session": session,
        "ChallengeResponses": {"USERNAME": email, "EMAIL_OTP_CODE": code}}, source)


def booking_owner(stack, client):
    """An account that signed up, confirmed and signed in from its owner's network."""
    email, home = f"{unique('bk')}@example.com", network()
    assert call(client, "SignUp", {"ClientId": "demo", "Username": email}, home).status == 200
    [mail] = stack.wait_for_mail(email)
    r = call(client, "ConfirmSignUp", {"ClientId": "demo", "Username": email,
                                       "ConfirmationCode": code_in(mail)}, home)
    assert r.status == 200, r
    r = call(client, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "USER_AUTH", "Session": r.json()["Session"],
                                      "AuthParameters": {"USERNAME": email}}, home)
    assert r.status == 200 and "AuthenticationResult" in r.json(), r
    return email, home


def code_mail_count(stack, email):
    return queued(stack, email, "sign_in_code")


def test_a_stranger_asking_codes_from_other_networks_does_not_stop_the_owner_signing_in(stack, booking):
    email, home = booking_owner(stack, booking)
    # The owner starts signing in; the code is in their mailbox.
    r = otp_start(booking, email, home)
    assert r.status == 200, r
    owner_session = r.json()["Session"]
    owner_code = code_in(stack.wait_for_mail(email, count=2)[-1])
    before = code_mail_count(stack, email)
    # Strangers, from twelve networks, ask for codes for the owner's address until refused.
    answers = [otp_start(booking, email, net) for net in [network() for _ in range(12)]
               for _ in range(CODE_PER_PAIR + 1)]
    types = {a.json().get("__type", a.json().get("ChallengeName")) for a in answers}
    assert types == {"EMAIL_OTP", "LimitExceededException"}, types
    # The ceiling counts every code sent from a network the account had not proven (the sign-up's
    # code was one of them), and is reached within the second network; each of the ten further
    # networks gets its first code of the day, and no more.
    assert code_mail_count(stack, email) - before == CODE_PER_ADDRESS - 1 + 10
    # The owner's open challenge still takes the owner's code...
    r = otp_answer(booking, email, owner_session, owner_code, home)
    assert r.status == 200 and "AuthenticationResult" in r.json(), r
    # ...and from the owner's network a new code still goes out and signs in.
    r = otp_start(booking, email, home)
    assert r.status == 200 and r.json()["ChallengeName"] == "EMAIL_OTP", r
    code = code_in(stack.wait_for_mail(email, count=before + CODE_PER_ADDRESS + 10)[-1])
    r = otp_answer(booking, email, r.json()["Session"], code, home)
    assert r.status == 200 and "AuthenticationResult" in r.json(), r
    # The documented bound: a network the account never proved gets its first code of the day at
    # once, and then waits out the window.
    fresh = network()
    r = otp_start(booking, email, fresh)
    assert r.status == 200 and r.json()["ChallengeName"] == "EMAIL_OTP", r
    r = otp_start(booking, email, fresh)
    assert r.status == 400 and r.json()["__type"] == "LimitExceededException", r


def test_one_stranger_network_spends_only_its_own_allowance(stack, booking):
    email, _ = booking_owner(stack, booking)
    stranger = network()
    refused = [otp_start(booking, email, stranger) for _ in range(CODE_PER_PAIR + 2)][CODE_PER_PAIR:]
    assert all(r.json()["__type"] == "LimitExceededException" for r in refused)
    # The owner, even from a network the account never used, still gets a code.
    r = otp_start(booking, email, network())
    assert r.status == 200 and r.json()["ChallengeName"] == "EMAIL_OTP", r


def test_a_day_of_strangers_sends_one_address_at_most_the_daily_code_ceiling():
    """As for links, with one-second windows: strangers on up to 20 networks get at most
    otp_per_day codes a day sent to one address (the sign-up's code, from a network the account
    had not proven yet, was one of them), each further network its first code of the day only;
    and the owner, on a network nobody used for the address today, still gets a code and signs
    in (codes are the only way in: the ceiling must not keep them out day after day)."""
    s = Stack(dict(defaults(), otp_window="1")).start()
    try:
        c = s.client("booking")
        email, _ = booking_owner(s, c)
        before = code_mail_count(s, email)
        strangers = [network() for _ in range(CODE_PER_ADDRESS + 2)]
        for _ in range(3):  # each round in a window of its own: two reach the ceiling
            for net in strangers:
                otp_start(c, email, net)
            time.sleep(1.1)
        assert code_mail_count(s, email) - before == CODE_PER_DAY - 1
        late = network()
        assert otp_start(c, email, late).status == 200
        time.sleep(1.1)  # a new window: only the daily ceiling is left to refuse
        assert otp_start(c, email, late).json()["__type"] == "LimitExceededException"
        owner = network()
        r = otp_start(c, email, owner)
        assert r.status == 200 and r.json()["ChallengeName"] == "EMAIL_OTP", r
        assert code_mail_count(s, email) - before == CODE_PER_DAY + 1
        code = code_in(s.wait_for_mail(email, count=before + CODE_PER_DAY + 1)[-1])
        r = otp_answer(c, email, r.json()["Session"], code, owner)
        assert r.status == 200 and "AuthenticationResult" in r.json(), r
    finally:
        s.stop()
        s.cleanup()


def test_a_strangers_initiate_auth_does_not_end_the_owners_open_challenges(stack, booking):
    email, home = booking_owner(stack, booking)
    # SELECT_CHALLENGE (no preference given), as Amplify starts it.
    r = call(booking, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "USER_AUTH",
                                       "AuthParameters": {"USERNAME": email}}, home)
    assert r.json()["ChallengeName"] == "SELECT_CHALLENGE"
    select_session = r.json()["Session"]
    stranger = network()
    call(booking, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "USER_AUTH",
                                   "AuthParameters": {"USERNAME": email}}, stranger)
    otp_start(booking, email, stranger)
    r = call(booking, "RespondToAuthChallenge", {
        "ClientId": "demo", "ChallengeName": "SELECT_CHALLENGE", "Session": select_session,
        "ChallengeResponses": {"USERNAME": email, "ANSWER": "EMAIL_OTP"}}, home)
    assert r.status == 200 and r.json()["ChallengeName"] == "EMAIL_OTP", r
    session = r.json()["Session"]
    count = code_mail_count(stack, email)
    code = code_in(stack.wait_for_mail(email, count=count)[-1])
    otp_start(booking, email, stranger)  # and once more while the owner types the code
    r = otp_answer(booking, email, session, code, home)
    assert r.status == 200 and "AuthenticationResult" in r.json(), r


def test_a_strangers_resend_does_not_void_the_owners_confirmation_code(stack, booking):
    email, home = f"{unique('conf')}@example.com", network()
    assert call(booking, "SignUp", {"ClientId": "demo", "Username": email}, home).status == 200
    owner_code = code_in(stack.wait_for_mail(email)[0])
    stranger = network()
    for _ in range(3):
        r = call(booking, "ResendConfirmationCode", {"ClientId": "demo", "Username": email}, stranger)
        assert r.status == 200, r
    r = call(booking, "ConfirmSignUp", {"ClientId": "demo", "Username": email,
                                        "ConfirmationCode": owner_code}, home)
    assert r.status == 200 and "Session" in r.json(), r


def wrong(code):
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


def test_a_strangers_wrong_confirmation_codes_do_not_close_the_owners_code(stack, booking):
    """ConfirmSignUp needs only the username: wrong codes from anyone must not end the code the
    owner was sent (the guess throttle bounds guessing, per account and network)."""
    email, home = f"{unique('conf')}@example.com", network()
    assert call(booking, "SignUp", {"ClientId": "demo", "Username": email}, home).status == 200
    owner_code = code_in(stack.wait_for_mail(email)[0])
    stranger = network()
    for _ in range(4):  # within the guess throttle's allowance for one network
        r = call(booking, "ConfirmSignUp", {"ClientId": "demo", "Username": email,
                                            "ConfirmationCode": wrong(owner_code)}, stranger)
        assert r.status == 400 and r.json()["__type"] == "CodeMismatchException", r
    with stack.db() as db:
        open_steps = db.execute(
            "SELECT count(*) FROM auth_challenges c JOIN accounts a ON a.id = c.account_id "
            "WHERE a.email = ? AND c.purpose = 'confirm_sign_up' AND c.closed_at IS NULL",
            (email,)).fetchone()[0]
    assert open_steps == 1
    r = call(booking, "ConfirmSignUp", {"ClientId": "demo", "Username": email,
                                        "ConfirmationCode": owner_code}, home)
    assert r.status == 200 and "Session" in r.json(), r
    with stack.db() as db:
        assert db.execute("SELECT email_verified FROM accounts WHERE email = ?", (email,)).fetchone()[0] == 1


def test_a_stranger_cannot_touch_the_owners_sign_in_session(stack, booking):
    """RespondToAuthChallenge is bound to the session, which only the requester holds: a stranger
    answering for the owner's username, with wrong codes or the owner's code, with made-up or their
    own sessions, ends nothing of the owner's."""
    email, home = booking_owner(stack, booking)
    r = otp_start(booking, email, home)
    owner_session = r.json()["Session"]
    owner_code = code_in(stack.wait_for_mail(email, count=code_mail_count(stack, email))[-1])
    stranger = network()
    theirs = otp_start(booking, email, stranger).json()["Session"]
    for session in ("x" * 44, theirs, theirs, theirs):
        r = otp_answer(booking, email, session, wrong(owner_code), stranger)
        assert r.status == 400 and r.json()["__type"] in ("CodeMismatchException", "NotAuthorizedException"), r
    r = otp_answer(booking, email, theirs, owner_code, stranger)  # the owner's code fits no other step
    assert r.status == 400, r
    r = otp_answer(booking, email, owner_session, owner_code, home)
    assert r.status == 200 and "AuthenticationResult" in r.json(), r
