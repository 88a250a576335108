"""Attacks on the booking user's own account over the Cognito API (issue 21): changing the email to
an address another user holds (answered exactly as a free one: no enumeration, nothing mailed to
its holder), guessing the emailed code (three wrong codes end a change, and the guess throttle
bounds guessing across new requests), mail bombing an address with change codes (the sending
limits, the same for a taken address), and deleting a user without a valid access token. Each
refusal changes nothing; no case sees a 5xx."""
import concurrent.futures
import json

import pytest

from account_support import fresh_ip
from booking_support import AMZ_JSON, code_in
from conftest import running, unique

# Three free guesses per (account, network) and long locks: a lock is seen at the fourth guess.
STRICT = {"throttle_pair_free": "3", "throttle_first_lock": "30", "throttle_max_lock": "60",
          "throttle_account_free": "100", "throttle_network_free": "100000"}


@pytest.fixture(scope="module")
def stack():
    yield from running(STRICT)


def call(stack, op, body, ip):
    return stack.client("booking").request(
        "POST", "/cognito", body=json.dumps(body), source=ip,
        headers={"Content-Type": AMZ_JSON, "X-Amz-Target": "AWSCognitoIdentityProviderService." + op})


def aws_error(r, status, kind):
    assert r.status == status, r
    assert r.json()["__type"] == kind, r.json()


def new_user(stack, ip=None):
    """A confirmed, signed-in user: (email, AuthenticationResult)."""
    ip = ip or fresh_ip()
    email = f"{unique('atk')}@example.com"
    r = call(stack, "SignUp", {"ClientId": "demo", "Username": email,
                               "UserAttributes": [{"Name": "email", "Value": email}]}, ip)
    assert r.status == 200, r
    r = call(stack, "ConfirmSignUp", {"ClientId": "demo", "Username": email,
                                      "ConfirmationCode": code_in(stack.wait_for_mail(email)[0])}, ip)
    assert r.status == 200, r
    r = call(stack, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "USER_AUTH",
                                     "AuthParameters": {"USERNAME": email,
                                                        "PREFERRED_CHALLENGE": "EMAIL_OTP"}}, ip)
    assert r.status == 200, r
    session = r.json()["Session"]
    code = code_in(stack.wait_for_mail(email, count=2)[1])
    r = call(stack, "RespondToAuthChallenge", {
        "ClientId": "demo", "ChallengeName": "EMAIL_OTP", "Session": session,
        "ChallengeResponses": {"USERNAME": email, "EMAIL_OTP_CODE": code}}, ip)
    assert r.status == 200, r
    return email, r.json()["AuthenticationResult"]


def update(stack, tokens, email, ip):
    return call(stack, "UpdateUserAttributes", {
        "AccessToken": tokens["AccessToken"], "UserAttributes": [{"Name": "email", "Value": email}]}, ip)


def verify(stack, tokens, code, ip):
    return call(stack, "VerifyUserAttribute", {
        "AccessToken": tokens["AccessToken"], "AttributeName": "email", "Code": code}, ip)


def email_of(stack, tokens, ip):
    r = call(stack, "GetUser", {"AccessToken": tokens["AccessToken"]}, ip)
    assert r.status == 200, r
    return {a["Name"]: a["Value"] for a in r.json()["UserAttributes"]}["email"]


# --- email change to a taken address -----------------------------------------------------------


def test_a_taken_address_is_answered_as_a_free_one_and_its_holder_gets_nothing(stack):
    ip = fresh_ip()
    holder, _ = new_user(stack)
    held_before = len(stack.wait_for_mail(holder, count=2))
    email, tokens = new_user(stack, ip)
    # The holder's address in another case: the lookup is case-insensitive, the answer the same.
    taken = update(stack, tokens, holder.upper(), ip)
    free_address = f"{unique('free')}@example.com"
    free = update(stack, tokens, free_address, ip)
    assert taken.status == free.status == 200
    assert set(taken.json()) == set(free.json()) == {"CodeDeliveryDetailsList"}
    [t], [f] = taken.json()["CodeDeliveryDetailsList"], free.json()["CodeDeliveryDetailsList"]
    assert set(t) == set(f) and t["DeliveryMedium"] == f["DeliveryMedium"] == "EMAIL"
    # The free address's code arrives; by then the holder's mail (queued first) would have too.
    stack.wait_for_mail(free_address)
    assert len(stack.mails_to(holder)) == held_before
    assert len(stack.mails_to(holder.upper())) == 0
    assert email_of(stack, tokens, ip) == email


def test_guessing_the_code_of_a_taken_address_reads_as_guessing_any_code(stack):
    """Wrong codes for a taken and a free address get the same answers, to the end of the step."""
    holder, _ = new_user(stack)
    answers = {}
    for target in (holder, f"{unique('free')}@example.com"):
        ip = fresh_ip()
        email, tokens = new_user(stack, ip)
        assert update(stack, tokens, target, ip).status == 200
        replies = [verify(stack, tokens, "00000000", ip) for _ in range(3)]
        answers[target == holder] = [(r.status, r.json()["__type"]) for r in replies]
        assert email_of(stack, tokens, ip) == email
    assert answers[True] == answers[False]
    assert answers[True][:2] == [(400, "CodeMismatchException")] * 2


def test_an_address_taken_after_the_code_went_out_is_alias_exists_after_the_code(stack):
    ip = fresh_ip()
    email, tokens = new_user(stack, ip)
    wanted = f"{unique('race')}@example.com"
    assert update(stack, tokens, wanted, ip).status == 200
    code = code_in(stack.wait_for_mail(wanted)[0])
    # Someone registers the address meanwhile.
    r = call(stack, "SignUp", {"ClientId": "demo", "Username": wanted,
                               "UserAttributes": [{"Name": "email", "Value": wanted}]}, fresh_ip())
    assert r.status == 200, r
    # A wrong code learns nothing of it ...
    wrong = f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"
    aws_error(verify(stack, tokens, wrong, ip), 400, "CodeMismatchException")
    # ... the right one (only the new address's reader has it) is told, and nothing changes.
    aws_error(verify(stack, tokens, code, ip), 400, "AliasExistsException")
    assert email_of(stack, tokens, ip) == email
    aws_error(verify(stack, tokens, code, ip), 400, "ExpiredCodeException")
    with stack.db() as db:
        owners = db.execute("SELECT COUNT(*) FROM accounts WHERE lower(email) = lower(?)",
                            (wanted,)).fetchone()[0]
    assert owners == 1


# --- guessing the code -------------------------------------------------------------------------


def test_new_requests_do_not_buy_new_guesses(stack):
    """Three wrong codes end a change; asking again opens a new one, but the fourth guess from
    that network is throttled, even with the right code, and the right code works from elsewhere."""
    ip = fresh_ip()
    email, tokens = new_user(stack, ip)
    wanted = f"{unique('guess')}@example.com"
    assert update(stack, tokens, wanted, ip).status == 200
    for _ in range(3):
        aws_error(verify(stack, tokens, "00000000", ip), 400, "CodeMismatchException")
    assert update(stack, tokens, wanted, ip).status == 200
    code = code_in(stack.wait_for_mail(wanted, count=2)[1])
    refused = verify(stack, tokens, code, ip)
    aws_error(refused, 429, "TooManyRequestsException")
    assert int(refused.header("Retry-After")) > 0
    assert email_of(stack, tokens, ip) == email
    assert verify(stack, tokens, code, fresh_ip()).status == 200
    assert email_of(stack, tokens, fresh_ip()) == wanted


# --- mail bombing --------------------------------------------------------------------------------


def test_change_codes_to_one_address_hit_the_sending_limit_taken_or_not(stack):
    """One network asking for change codes to one address is refused after the same number of
    sends whether or not another user holds the address, and the victim gets no more mail."""
    holder, _ = new_user(stack)
    held_before = len(stack.wait_for_mail(holder, count=2))
    ip = fresh_ip()
    _, tokens = new_user(stack, ip)
    free_victim = f"{unique('victim')}@example.com"
    counts = {}
    for victim in (holder, free_victim):
        replies = [update(stack, tokens, victim, ip).status for _ in range(8)]
        assert set(replies) == {200, 400}, replies
        assert replies == sorted(replies), replies  # every refusal after every success
        counts[victim] = replies.count(200)
        aws_error(update(stack, tokens, victim, ip), 400, "LimitExceededException")
    assert counts[holder] == counts[free_victim]
    # The free victim got exactly its allowance; the holder nothing (its mail, queued first, would
    # have arrived before the victim's last).
    assert len(stack.wait_for_mail(free_victim, count=counts[free_victim])) == counts[free_victim]
    assert len(stack.mails_to(holder)) == held_before


# --- deletion ------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "x.y.z", "id", "refresh", "after-global-sign-out",
                                   "after-sign-out", "other-site"])
def test_delete_user_without_a_valid_access_token_deletes_nothing(stack, token):
    ip = fresh_ip()
    email, tokens = new_user(stack, ip)
    if token == "id":
        token = tokens["IdToken"]
    elif token == "refresh":
        token = tokens["RefreshToken"]
    elif token == "after-global-sign-out":
        second = new_user_sign_in(stack, email, ip)
        assert call(stack, "GlobalSignOut", {"AccessToken": second["AccessToken"]}, ip).status == 200
        token = tokens["AccessToken"]
    elif token == "after-sign-out":
        r = call(stack, "RevokeToken", {"ClientId": "demo", "Token": tokens["RefreshToken"]}, ip)
        assert r.status == 200, r
        token = tokens["AccessToken"]
    elif token == "other-site":
        token = other_site_token(stack)
    body = {} if token is None else {"AccessToken": token}
    aws_error(call(stack, "DeleteUser", body, ip), 400, "NotAuthorizedException")
    with stack.db() as db:
        assert db.execute("SELECT COUNT(*) FROM accounts WHERE email = ?", (email,)).fetchone()[0] == 1


def new_user_sign_in(stack, email, ip):
    before = len(stack.wait_for_mail(email, count=2))
    r = call(stack, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "USER_AUTH",
                                     "AuthParameters": {"USERNAME": email,
                                                        "PREFERRED_CHALLENGE": "EMAIL_OTP"}}, ip)
    assert r.status == 200, r
    code = code_in(stack.wait_for_mail(email, count=before + 1)[before])
    r = call(stack, "RespondToAuthChallenge", {
        "ClientId": "demo", "ChallengeName": "EMAIL_OTP", "Session": r.json()["Session"],
        "ChallengeResponses": {"USERNAME": email, "EMAIL_OTP_CODE": code}}, ip)
    assert r.status == 200, r
    return r.json()["AuthenticationResult"]


def other_site_token(stack):
    """An access token of a password contract (fastapi) for an account of its own."""
    fastapi = stack.client("fastapi")
    name = unique("fa")
    body = {"username": name, "email": f"{name}@example.com", "password": "uncommon-pass-123"}
    assert fastapi.post("/api/auth/register", json=body).status == 201
    r = fastapi.post("/api/auth/token", json={"email": body["email"], "password": body["password"]})
    assert r.status == 200, r
    return r.json()["access_token"]


def test_racing_deletes_with_one_token_delete_once(stack):
    ip = fresh_ip()
    email, tokens = new_user(stack, ip)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda _: call(stack, "DeleteUser",
                                               {"AccessToken": tokens["AccessToken"]}, ip), range(4)))
    statuses = [r.status for r in replies]
    assert statuses.count(200) == 1 and set(statuses) <= {200, 400}, replies
    assert all(r.json()["__type"] == "NotAuthorizedException" for r in replies if r.status == 400)
    with stack.db() as db:
        assert db.execute("SELECT COUNT(*) FROM accounts WHERE email = ?", (email,)).fetchone()[0] == 0


@pytest.mark.parametrize("media", ["application/x-www-form-urlencoded", "text/plain",
                                   "multipart/form-data; boundary=x"])
@pytest.mark.parametrize("op", ["DeleteUser", "UpdateUserAttributes"])
def test_a_cross_site_form_cannot_reach_the_account(stack, media, op):
    """A form on another site can send only these media types (and no X-Amz-Target header
    without a preflight); even with the token in its body the endpoint refuses them."""
    ip = fresh_ip()
    email, tokens = new_user(stack, ip)
    body = json.dumps({"AccessToken": tokens["AccessToken"],
                       "UserAttributes": [{"Name": "email", "Value": f"{unique('csrf')}@example.com"}]})
    r = stack.client("booking").request(
        "POST", "/cognito", body=body, source=ip,
        headers={"Content-Type": media, "Origin": "https://evil.example",
                 "X-Amz-Target": "AWSCognitoIdentityProviderService." + op})
    aws_error(r, 400, "SerializationException")
    assert email_of(stack, tokens, ip) == email
    with stack.db() as db:
        assert db.execute("SELECT COUNT(*) FROM pending_emails p JOIN accounts a ON "
                          "a.id = p.account_id WHERE a.email = ?", (email,)).fetchone()[0] == 0
