"""The booking user's own account over the Cognito API (issue 21), spoken by hand through nginx:
UpdateUserAttributes (email) with VerifyUserAttribute and GetUserAttributeVerificationCode, the
customer profile following the change, and DeleteUser taking the profile with it. The attacks on
these (a taken address, guessing codes, deleting without a valid access token) are in
test_attack_booking_account.py; the real Amplify and SDK clients in tests/node/booking.test.mjs."""

import pytest

from booking_support import cognito, code_in, sign_in
from conftest import unique
from test_booking import assert_aws_error, bearer, claims, fresh_user

CHANGE_SUBJECTS = ("Confirm your new email address", "Confirma tu nueva dirección de correo")
DELETED_SUBJECTS = {"en": "Your account was deleted", "es": "Tu cuenta ha sido eliminada"}
CHANGED_SUBJECTS = {"en": "Your email address was changed", "es": "Tu dirección de correo ha cambiado"}


@pytest.fixture(scope="module")
def user(stack, booking):
    """One signed-in user for the tests that change nothing."""
    return fresh_user(stack, booking)


def new_address(tag="new"):
    return f"{unique(tag)}@example.com"


def attributes(booking, tokens):
    r = cognito(booking, "GetUser", {"AccessToken": tokens["AccessToken"]})
    assert r.status == 200, r
    return {a["Name"]: a["Value"] for a in r.json()["UserAttributes"]}


def update_email(booking, tokens, email):
    return cognito(booking, "UpdateUserAttributes", {
        "AccessToken": tokens["AccessToken"], "UserAttributes": [{"Name": "email", "Value": email}]})


def verify(booking, tokens, code):
    return cognito(booking, "VerifyUserAttribute", {
        "AccessToken": tokens["AccessToken"], "AttributeName": "email", "Code": code})


def change_code(stack, address, count=1):
    message = stack.wait_for_mail(address, count=count)[count - 1]
    assert message["Subject"] in CHANGE_SUBJECTS
    return code_in(message)


def wrong(code):
    return "".join("1" if ch != "1" else "2" for ch in code)


def pending_of(stack, email):
    """How many changes of email wait for the account that has `email`."""
    with stack.db() as db:
        return db.execute("SELECT COUNT(*) FROM pending_emails p JOIN accounts a ON "
                          "a.id = p.account_id WHERE a.email = ?", (email,)).fetchone()[0]


def test_a_change_of_email_waits_for_the_code_then_follows_everywhere(stack, booking):
    email, tokens = fresh_user(stack, booking)
    headers = bearer(tokens["IdToken"])
    assert booking.post("/api/customers/me", json={"name": "Ana"}, headers=headers).status == 201
    address = new_address()
    r = update_email(booking, tokens, address)
    assert r.status == 200, r
    [details] = r.json()["CodeDeliveryDetailsList"]
    assert details == {"AttributeName": "email", "DeliveryMedium": "EMAIL",
                       "Destination": address[0] + "***@e***"}
    # The original address stays active until the code is answered.
    assert attributes(booking, tokens)["email"] == email
    code = change_code(stack, address)
    assert booking.get("/api/customers/me", headers=headers).json()["email"] == email

    r = verify(booking, tokens, code)
    assert r.status == 200, r
    assert r.json() == {}
    got = attributes(booking, tokens)
    assert got["email"] == address and got["email_verified"] == "true"
    # The profile follows; the sessions stay (the same tokens still work).
    profile = booking.get("/api/customers/me", headers=headers)
    assert profile.status == 200, profile
    assert profile.json()["email"] == address and profile.json()["email_verified"] is True
    assert pending_of(stack, address) == 0
    # The old address is told where the account went.
    [notice] = stack.wait_for_mail(email, subject=CHANGED_SUBJECTS["en"])
    assert address in notice.get_body(preferencelist=("plain",)).get_content(), notice
    # The new address signs in; the old one names no user any more, and can sign up again.
    sign_in(stack, booking, address)
    r = cognito(booking, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "USER_AUTH",
                                          "AuthParameters": {"USERNAME": email,
                                                             "PREFERRED_CHALLENGE": "EMAIL_OTP"}})
    assert_aws_error(r, 400, "UserNotFoundException")
    r = cognito(booking, "SignUp", {"ClientId": "demo", "Username": email})
    assert r.status == 200, r
    assert r.json()["UserSub"] != claims(tokens["IdToken"])["sub"]
    # A refreshed id token carries the new address.
    r = cognito(booking, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "REFRESH_TOKEN_AUTH",
                                          "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}})
    assert r.status == 200, r
    assert claims(r.json()["AuthenticationResult"]["IdToken"])["email"] == address


def test_a_profile_created_with_an_id_token_from_before_the_change_has_the_new_address(stack, booking):
    """An id token minted before the change still carries the old address; the profile follows
    the account, not the token."""
    email, tokens = fresh_user(stack, booking)
    address = new_address()
    assert update_email(booking, tokens, address).status == 200
    assert verify(booking, tokens, change_code(stack, address)).status == 200
    assert claims(tokens["IdToken"])["email"] == email
    r = booking.post("/api/customers/me", json={}, headers=bearer(tokens["IdToken"]))
    assert r.status == 201, r
    assert r.json()["email"] == address and r.json()["email_verified"] is True


def test_a_wrong_code_changes_nothing_and_three_end_the_change(stack, booking):
    email, tokens = fresh_user(stack, booking)
    address = new_address()
    assert update_email(booking, tokens, address).status == 200
    code = change_code(stack, address)
    for _ in range(3):
        assert_aws_error(verify(booking, tokens, wrong(code)), 400, "CodeMismatchException")
    assert_aws_error(verify(booking, tokens, code), 400, "ExpiredCodeException")
    assert attributes(booking, tokens)["email"] == email


def test_a_newer_request_voids_the_older_code(stack, booking):
    email, tokens = fresh_user(stack, booking)
    first, second = new_address("first"), new_address("second")
    assert update_email(booking, tokens, first).status == 200
    first_code = change_code(stack, first)
    assert update_email(booking, tokens, second).status == 200
    second_code = change_code(stack, second)
    if first_code != second_code:
        assert_aws_error(verify(booking, tokens, first_code), 400, "CodeMismatchException")
    assert verify(booking, tokens, second_code).status == 200
    assert attributes(booking, tokens)["email"] == second


def test_a_new_code_for_the_pending_address_and_the_old_one_stops(stack, booking):
    email, tokens = fresh_user(stack, booking)
    address = new_address()
    assert update_email(booking, tokens, address).status == 200
    old_code = change_code(stack, address)
    r = cognito(booking, "GetUserAttributeVerificationCode",
                {"AccessToken": tokens["AccessToken"], "AttributeName": "email"})
    assert r.status == 200, r
    assert r.json() == {"CodeDeliveryDetails": {"AttributeName": "email", "DeliveryMedium": "EMAIL",
                                                "Destination": address[0] + "***@e***"}}
    new_code = change_code(stack, address, count=2)
    if old_code != new_code:
        assert_aws_error(verify(booking, tokens, old_code), 400, "CodeMismatchException")
    assert verify(booking, tokens, new_code).status == 200
    assert attributes(booking, tokens)["email"] == address


def test_with_nothing_pending_a_code_confirms_the_current_address(stack, booking):
    email, tokens = fresh_user(stack, booking)
    assert_aws_error(verify(booking, tokens, "12345678"), 400, "ExpiredCodeException")
    before = len(stack.wait_for_mail(email, count=2))
    r = cognito(booking, "GetUserAttributeVerificationCode",
                {"AccessToken": tokens["AccessToken"], "AttributeName": "email"})
    assert r.status == 200, r
    code = change_code(stack, email, count=before + 1)
    assert verify(booking, tokens, code).status == 200
    assert attributes(booking, tokens)["email"] == email


def test_a_change_of_case_only_is_free(stack, booking):
    email, tokens = fresh_user(stack, booking)
    upper = email.upper()
    assert update_email(booking, tokens, upper).status == 200
    assert verify(booking, tokens, change_code(stack, upper)).status == 200
    assert attributes(booking, tokens)["email"] == upper


def test_the_code_mail_speaks_the_profile_language(stack, booking):
    email, tokens = fresh_user(stack, booking)
    r = booking.post("/api/customers/me", json={"preferred_language": "es"},
                     headers=bearer(tokens["IdToken"]))
    assert r.status == 201, r
    address = new_address()
    assert update_email(booking, tokens, address).status == 200
    [message] = stack.wait_for_mail(address)
    assert message["Subject"] == "Confirma tu nueva dirección de correo"
    assert verify(booking, tokens, code_in(message)).status == 200
    [_] = stack.wait_for_mail(email, subject=CHANGED_SUBJECTS["es"])  # told in its language


@pytest.mark.parametrize("body", [
    {},
    {"UserAttributes": []},
    {"UserAttributes": "email"},
    {"UserAttributes": [{"Name": "name", "Value": "Ana"}]},
    {"UserAttributes": [{"Name": "email_verified", "Value": "true"}]},
    {"UserAttributes": [{"Name": "email", "Value": "not an address"}]},
    {"UserAttributes": [{"Name": "email", "Value": ""}]},
    {"UserAttributes": [{"Name": "email", "Value": 5}]},
    {"UserAttributes": [{"Name": "email", "Value": "a@example.com"}, {"Name": "sub", "Value": "x"}]},
    {"UserAttributes": ["email"]},
])
def test_bad_updates_are_invalid_parameters_and_change_nothing(stack, booking, body):
    email, tokens = fresh_user(stack, booking)
    r = cognito(booking, "UpdateUserAttributes", dict(body, AccessToken=tokens["AccessToken"]))
    assert_aws_error(r, 400, "InvalidParameterException")
    assert attributes(booking, tokens)["email"] == email
    assert pending_of(stack, email) == 0


@pytest.mark.parametrize("op,body", [
    ("VerifyUserAttribute", {"AttributeName": "phone_number", "Code": "123456"}),
    ("VerifyUserAttribute", {"AttributeName": "email"}),
    ("VerifyUserAttribute", {"AttributeName": "email", "Code": ""}),
    ("GetUserAttributeVerificationCode", {"AttributeName": "phone_number"}),
    ("GetUserAttributeVerificationCode", {}),
])
def test_other_attributes_and_missing_codes_are_invalid_parameters(booking, user, op, body):
    _, tokens = user
    r = cognito(booking, op, dict(body, AccessToken=tokens["AccessToken"]))
    assert_aws_error(r, 400, "InvalidParameterException")


# --- DeleteUser ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_delete_user_erases_the_user_and_its_profile(stack, booking, language):
    email, tokens = fresh_user(stack, booking)
    r = booking.post("/api/customers/me", json={"name": "Ana", "preferred_language": language},
                     headers=bearer(tokens["IdToken"]))
    assert r.status == 201, r
    assert update_email(booking, tokens, new_address()).status == 200  # a pending change goes too
    with stack.db() as db:
        account_id = db.execute("SELECT id FROM accounts WHERE email = ?", (email,)).fetchone()[0]
    before = len(stack.wait_for_mail(email, count=2))
    r = cognito(booking, "DeleteUser", {"AccessToken": tokens["AccessToken"]})
    assert r.status == 200, r
    assert r.json() == {}
    with stack.db() as db:
        assert db.execute("SELECT COUNT(*) FROM accounts WHERE id = ?", (account_id,)).fetchone()[0] == 0
        for table in ("customers", "auth_challenges", "refresh_families", "pending_emails"):
            assert db.execute(f"SELECT COUNT(*) FROM {table} WHERE account_id = ?",
                              (account_id,)).fetchone()[0] == 0, table
        events = db.execute("SELECT event, email, detail FROM audit_events WHERE account_id = ?",
                            (account_id,)).fetchall()
    assert ("account.delete", None, "user") in [tuple(e) for e in events]
    assert all(not e[1] for e in events)  # the tombstone and the earlier events name no one
    notice = stack.wait_for_mail(email, count=before + 1)[-1]
    assert notice["Subject"] == DELETED_SUBJECTS[language]
    # Every token of the user is dead, and the address signs up as a new user.
    assert_aws_error(cognito(booking, "GetUser", {"AccessToken": tokens["AccessToken"]}),
                     400, "NotAuthorizedException")
    assert booking.get("/api/customers/me", headers=bearer(tokens["IdToken"])).status == 401
    r = cognito(booking, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "REFRESH_TOKEN_AUTH",
                                          "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}})
    assert_aws_error(r, 400, "NotAuthorizedException")
    assert_aws_error(cognito(booking, "DeleteUser", {"AccessToken": tokens["AccessToken"]}),
                     400, "NotAuthorizedException")
    mailed = len(stack.wait_for_mail(email, count=before + 1))
    r = cognito(booking, "SignUp", {"ClientId": "demo", "Username": email})
    assert r.status == 200, r
    assert r.json()["UserSub"] != claims(tokens["IdToken"])["sub"]
    code = code_in(stack.wait_for_mail(email, count=mailed + 1)[mailed])
    r = cognito(booking, "ConfirmSignUp", {"ClientId": "demo", "Username": email,
                                           "ConfirmationCode": code})
    assert r.status == 200, r
    again = sign_in(stack, booking, email)
    assert booking.get("/api/customers/me", headers=bearer(again["IdToken"])).status == 404
