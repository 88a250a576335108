"""The booking contract (seed 000) through nginx, spoken by hand: the customers API with every
status the contract names, and the Cognito-compatible endpoint's wire behaviour (AWS JSON 1.1
errors, targets, bodies). test_booking_clients.py drives the same site with the real AWS clients."""
import base64
import json
import re
import time
import uuid

import pytest

from booking_support import AMZ_JSON, code_in, cognito, sign_in, sign_up
from conftest import unique

ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
CUSTOMER_FIELDS = {"customer_id", "email", "cognito_sub", "name", "phone", "preferred_language",
                   "email_verified", "created_at", "updated_at"}


def assert_aws_error(r, status, error_type):
    assert r.status == status, r
    assert r.header("Content-Type") == AMZ_JSON
    body = r.json()
    assert body["__type"] == error_type, body
    assert isinstance(body["message"], str) and body["message"]
    assert r.header("x-amzn-ErrorType").split(":")[0] == error_type
    return body


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def fresh_user(stack, booking):
    """A new confirmed, signed-in user: (email, AuthenticationResult)."""
    email = f"{unique('bk')}@example.com"
    sign_up(stack, booking, email)
    return email, sign_in(stack, booking, email)


@pytest.fixture(scope="module")
def user(stack, booking):
    """One such user shared by the tests that do not change it."""
    return fresh_user(stack, booking)


def bearer(token):
    return {"Authorization": "Bearer " + token}


# --- the customers API -----------------------------------------------------------------------


def test_create_then_read_the_profile(stack, booking):
    email, tokens = fresh_user(stack, booking)
    r = booking.post("/api/customers/me", json={"name": "María García", "phone": "+34 612 345 678",
                                                "preferred_language": "es"},
                     headers=bearer(tokens["IdToken"]))
    assert r.status == 201, r
    assert r.header("Content-Type") == "application/json"
    body = r.json()
    assert set(body) == CUSTOMER_FIELDS
    assert uuid.UUID(body["customer_id"]).version == 4
    assert body["email"] == email
    assert body["cognito_sub"] == claims(tokens["IdToken"])["sub"]
    assert body["name"] == "María García" and body["phone"] == "+34 612 345 678"
    assert body["preferred_language"] == "es"
    assert body["email_verified"] is True
    assert ISO_Z.fullmatch(body["created_at"]) and body["created_at"] == body["updated_at"]

    r = booking.get("/api/customers/me", headers=bearer(tokens["IdToken"]))
    assert r.status == 200, r
    assert r.json() == body
    with stack.db() as db:
        row = db.execute("SELECT c.customer_id, c.subject, c.preferred_language FROM customers c "
                         "JOIN accounts a ON a.id = c.account_id WHERE a.email = ?", (email,)).fetchone()
    assert tuple(row) == (body["customer_id"], body["cognito_sub"], "es")


def test_every_field_is_optional_and_the_language_defaults_to_english(stack, booking):
    _, tokens = fresh_user(stack, booking)
    r = booking.post("/api/customers/me", headers=bearer(tokens["IdToken"]))
    assert r.status == 201, r
    body = r.json()
    assert body["name"] is None and body["phone"] is None
    assert body["preferred_language"] == "en"


def test_an_empty_object_creates_the_profile_too(stack, booking):
    _, tokens = fresh_user(stack, booking)
    r = booking.post("/api/customers/me", json={}, headers=bearer(tokens["IdToken"]))
    assert r.status == 201, r


def test_second_create_is_409_and_keeps_the_first(stack, booking):
    _, tokens = fresh_user(stack, booking)
    first = booking.post("/api/customers/me", json={"name": "First"}, headers=bearer(tokens["IdToken"]))
    assert first.status == 201
    r = booking.post("/api/customers/me", json={"name": "Second"}, headers=bearer(tokens["IdToken"]))
    assert r.status == 409, r
    assert r.json() == {"detail": "Customer profile already exists"}
    r = booking.get("/api/customers/me", headers=bearer(tokens["IdToken"]))
    assert r.json() == first.json()


def test_read_before_create_is_404(stack, booking):
    _, tokens = fresh_user(stack, booking)
    r = booking.get("/api/customers/me", headers=bearer(tokens["IdToken"]))
    assert r.status == 404, r
    assert r.json() == {"detail": "Customer profile not found"}


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer not-a-jwt"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."},
])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_no_or_invalid_token_is_401(booking, headers, method):
    r = booking.request(method, "/api/customers/me", headers=headers)
    assert r.status == 401, r
    assert r.json() == {"detail": "Authentication required: cognito_sub not found"}


def test_a_tampered_id_token_is_401(booking, user):
    _, tokens = user
    head, payload, sig = tokens["IdToken"].split(".")
    forged = dict(claims(tokens["IdToken"]), email="someone-else@example.com")
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    r = booking.get("/api/customers/me", headers=bearer(f"{head}.{forged_payload}.{sig}"))
    assert r.status == 401, r


def test_a_token_of_another_site_is_401(stack, fastapi, booking):
    name = unique("fa")
    r = fastapi.post("/api/auth/register", json={"username": name, "email": f"{name}@example.com",
                                                 "password": "uncommon-pass-123"})
    assert r.status == 201
    token = fastapi.post("/api/auth/token", json={"email": f"{name}@example.com",
                                                  "password": "uncommon-pass-123"}).json()["access_token"]
    r = booking.get("/api/customers/me", headers=bearer(token))
    assert r.status == 401, r
    assert r.json() == {"detail": "Authentication required: cognito_sub not found"}


def test_an_access_token_has_no_email_and_is_400(booking, user):
    _, tokens = user
    assert "email" not in claims(tokens["AccessToken"])
    r = booking.post("/api/customers/me", json={}, headers=bearer(tokens["AccessToken"]))
    assert r.status == 400, r
    assert r.json() == {"detail": "Missing email: could not extract from request"}


def test_the_refresh_token_is_no_bearer_token(booking, user):
    _, tokens = user
    r = booking.get("/api/customers/me", headers=bearer(tokens["RefreshToken"]))
    assert r.status == 401, r


@pytest.mark.parametrize("body,field,msg,kind", [
    ({"name": "A"}, "name", "ensure this value has at least 2 characters", "value_error.any_str.min_length"),
    ({"name": "Ñ"}, "name", "ensure this value has at least 2 characters", "value_error.any_str.min_length"),
    ({"name": "x" * 101}, "name", "ensure this value has at most 100 characters", "value_error.any_str.max_length"),
    ({"phone": "123456"}, "phone", "ensure this value has at least 7 characters", "value_error.any_str.min_length"),
    ({"phone": "1" * 21}, "phone", "ensure this value has at most 20 characters", "value_error.any_str.max_length"),
    ({"name": 42}, "name", "str type expected", "type_error.str"),
])
def test_field_validation_is_422_in_the_fastapi_shape(stack, booking, body, field, msg, kind):
    _, tokens = fresh_user(stack, booking)
    r = booking.post("/api/customers/me", json=body, headers=bearer(tokens["IdToken"]))
    assert r.status == 422, r
    [entry] = r.json()["detail"]
    assert entry["loc"] == ["body", field]
    assert entry["msg"] == msg and entry["type"] == kind
    # nothing was created
    assert booking.get("/api/customers/me", headers=bearer(tokens["IdToken"])).status == 404


def test_names_count_characters_not_bytes(stack, booking):
    _, tokens = fresh_user(stack, booking)
    r = booking.post("/api/customers/me", json={"name": "Ñé" + "ü" * 98}, headers=bearer(tokens["IdToken"]))
    assert r.status == 201, r


def test_language_outside_the_choice_and_every_bad_field_at_once(stack, booking):
    _, tokens = fresh_user(stack, booking)
    r = booking.post("/api/customers/me", json={"name": "A", "phone": "1", "preferred_language": "fr"},
                     headers=bearer(tokens["IdToken"]))
    assert r.status == 422, r
    detail = r.json()["detail"]
    assert [e["loc"] for e in detail] == [["body", "name"], ["body", "phone"], ["body", "preferred_language"]]
    assert detail[2] == {"loc": ["body", "preferred_language"],
                         "msg": "unexpected value; permitted: 'en', 'es'", "type": "value_error.const",
                         "ctx": {"given": "fr", "permitted": ["en", "es"]}}


@pytest.mark.parametrize("raw,content_type,status", [
    ("{", "application/json", 422),
    ("[]", "application/json", 422),
    ('{"name": "Ann", "name": "Bob"}', "application/json", 422),
    ("name=Ann", "application/x-www-form-urlencoded", 415),
])
def test_bad_bodies_change_nothing(stack, booking, raw, content_type, status):
    _, tokens = fresh_user(stack, booking)
    r = booking.request("POST", "/api/customers/me", body=raw,
                        headers=dict(bearer(tokens["IdToken"]), **{"Content-Type": content_type}))
    assert r.status == status, r
    assert r.header("Content-Type") == "application/json"
    assert "detail" in r.json()
    assert booking.get("/api/customers/me", headers=bearer(tokens["IdToken"])).status == 404


def test_wrong_method_is_405_with_allow(booking):
    r = booking.request("DELETE", "/api/customers/me")
    assert r.status == 405, r
    assert set(a.strip() for a in r.header("Allow").split(",")) >= {"GET", "POST"}
    assert r.header("Content-Type") == "application/json"


def test_tokens_die_with_sign_out(stack, booking):
    _, tokens = fresh_user(stack, booking)
    headers = bearer(tokens["IdToken"])
    assert booking.post("/api/customers/me", json={}, headers=headers).status == 201
    r = cognito(booking, "RevokeToken", {"ClientId": "demo", "Token": tokens["RefreshToken"]})
    assert r.status == 200, r
    assert r.json() == {}
    r = booking.get("/api/customers/me", headers=headers)
    assert r.status == 401, r
    r = cognito(booking, "GetTokensFromRefreshToken", {"ClientId": "demo",
                                                       "RefreshToken": tokens["RefreshToken"]})
    assert_aws_error(r, 400, "NotAuthorizedException")


def test_global_sign_out_ends_every_sign_in(stack, booking):
    email, first = fresh_user(stack, booking)
    second = sign_in(stack, booking, email)
    r = cognito(booking, "GlobalSignOut", {"AccessToken": second["AccessToken"]})
    assert r.status == 200, r
    for tokens in (first, second):
        assert booking.get("/api/customers/me", headers=bearer(tokens["IdToken"])).status == 401
        r = cognito(booking, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "REFRESH_TOKEN_AUTH",
                                              "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}})
        assert_aws_error(r, 400, "NotAuthorizedException")
    # a new sign-in works again
    third = sign_in(stack, booking, email)
    assert booking.get("/api/customers/me", headers=bearer(third["IdToken"])).status == 404


# --- the Cognito endpoint's wire behaviour -----------------------------------------------------


@pytest.mark.parametrize("path", ["/cognito", "/cognito/"])
def test_both_spellings_of_the_endpoint_answer(booking, path):
    r = cognito(booking, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "USER_AUTH",
                                          "AuthParameters": {"USERNAME": "nobody-here@example.com"}},
                path=path)
    assert_aws_error(r, 400, "UserNotFoundException")


def test_missing_target_is_an_aws_error(booking):
    r = cognito(booking, None, {})
    assert_aws_error(r, 400, "UnknownOperationException")


@pytest.mark.parametrize("op", ["AdminCreateUser", "ListUsers", "", "signup"])
def test_unknown_operation_is_an_aws_error(booking, op):
    r = cognito(booking, op, {})
    assert_aws_error(r, 400, "UnknownOperationException")


@pytest.mark.parametrize("raw", ["{", "[]", "null", '{"ClientId": "a", "ClientId": "b"}', ""])
def test_bad_json_is_a_serialization_exception(booking, raw):
    r = cognito(booking, "SignUp", None, raw=raw)
    assert_aws_error(r, 400, "SerializationException")


def test_a_foreign_content_type_is_a_serialization_exception(booking):
    r = cognito(booking, "SignUp", {"ClientId": "demo", "Username": "x@example.com"},
                content_type="text/plain")
    assert_aws_error(r, 400, "SerializationException")


def test_the_endpoint_takes_only_post(booking):
    r = booking.get("/cognito")
    assert r.status == 405, r
    assert r.header("Allow") == "POST"


@pytest.mark.parametrize("body", [
    {"ClientId": "demo", "Username": "not-an-email"},
    {"ClientId": "demo", "Username": 42},
    {"ClientId": "demo"},
])
def test_sign_up_needs_an_email(stack, booking, body):
    before = len(stack.mails())
    r = cognito(booking, "SignUp", body)
    assert_aws_error(r, 400, "InvalidParameterException")
    time.sleep(0.3)
    assert len(stack.mails()) == before


def test_sign_up_twice_is_username_exists(stack, booking, user):
    email, _ = user
    r = cognito(booking, "SignUp", {"ClientId": "demo", "Username": email.upper(),
                                    "UserAttributes": [{"Name": "email", "Value": email.upper()}]})
    assert_aws_error(r, 400, "UsernameExistsException")


def test_unconfirmed_users_cannot_sign_in(stack, booking):
    email = f"{unique('bk')}@example.com"
    assert cognito(booking, "SignUp", {"ClientId": "demo", "Username": email}).status == 200
    r = cognito(booking, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "USER_AUTH",
                                          "AuthParameters": {"USERNAME": email,
                                                             "PREFERRED_CHALLENGE": "EMAIL_OTP"}})
    assert_aws_error(r, 400, "UserNotConfirmedException")


def test_a_wrong_confirmation_code_confirms_nothing(stack, booking):
    email = f"{unique('bk')}@example.com"
    assert cognito(booking, "SignUp", {"ClientId": "demo", "Username": email}).status == 200
    [message] = stack.wait_for_mail(email)
    code = code_in(message)
    wrong = "0" * len(code) if code != "0" * len(code) else "1" * len(code)
    r = cognito(booking, "ConfirmSignUp", {"ClientId": "demo", "Username": email,
                                           "ConfirmationCode": wrong})
    assert_aws_error(r, 400, "CodeMismatchException")
    with stack.db() as db:
        assert db.execute("SELECT email_verified FROM accounts WHERE email = ?", (email,)).fetchone()[0] == 0


def test_three_wrong_sign_in_codes_end_the_session(stack, booking, user):
    email, _ = user
    before = len([m for m in stack.mails() if m["To"] == email])
    r = cognito(booking, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "USER_AUTH",
                                          "AuthParameters": {"USERNAME": email,
                                                             "PREFERRED_CHALLENGE": "EMAIL_OTP"}})
    session = r.json()["Session"]
    code = code_in(stack.wait_for_mail(email, count=before + 1)[-1])
    wrong = "99999999" if code != "99999999" else "11111111"

    def answer(value):
        return cognito(booking, "RespondToAuthChallenge", {
            "ClientId": "demo", "ChallengeName": "EMAIL_OTP", "Session": session,
            "ChallengeResponses": {"USERNAME": email, "EMAIL_OTP_CODE": value}})

    assert_aws_error(answer(wrong), 400, "CodeMismatchException")
    assert_aws_error(answer(wrong), 400, "CodeMismatchException")
    third = answer(wrong)
    assert third.status == 400 and third.json()["__type"] in ("CodeMismatchException", "NotAuthorizedException")
    # the right code no longer helps
    assert_aws_error(answer(code), 400, "NotAuthorizedException")


def test_the_code_mail_says_what_it_is(stack, booking):
    email = f"{unique('bk')}@example.com"
    r = cognito(booking, "SignUp", {"ClientId": "demo", "Username": email})
    details = r.json()["CodeDeliveryDetails"]
    assert details["DeliveryMedium"] == "EMAIL" and details["AttributeName"] == "email"
    assert email not in details["Destination"]  # masked, as Cognito does
    [message] = stack.wait_for_mail(email)
    assert re.fullmatch(r"\d{8}", code_in(message))
    with stack.db() as db:
        stored = [row[0] for row in db.execute(
            "SELECT code_hash FROM auth_challenges c JOIN accounts a ON a.id = c.account_id "
            "WHERE a.email = ?", (email,))]
    assert stored and code_in(message) not in "".join(stored)  # codes are stored as keyed hashes


def test_get_user_answers_the_attributes(booking, user):
    email, tokens = user
    r = cognito(booking, "GetUser", {"AccessToken": tokens["AccessToken"]})
    assert r.status == 200, r
    attributes = {a["Name"]: a["Value"] for a in r.json()["UserAttributes"]}
    assert attributes == {"email": email, "email_verified": "true", "sub": claims(tokens["IdToken"])["sub"]}
    r = cognito(booking, "GetUser", {"AccessToken": tokens["IdToken"]})
    assert_aws_error(r, 400, "NotAuthorizedException")


def test_refresh_answers_new_id_and_access_tokens(booking, user):
    _, tokens = user
    r = cognito(booking, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "REFRESH_TOKEN_AUTH",
                                          "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}})
    assert r.status == 200, r
    result = r.json()["AuthenticationResult"]
    assert "RefreshToken" not in result  # REFRESH_TOKEN_AUTH does not rotate
    assert claims(result["IdToken"])["sub"] == claims(tokens["IdToken"])["sub"]
    assert result["TokenType"] == "Bearer" and result["ExpiresIn"] > 0
