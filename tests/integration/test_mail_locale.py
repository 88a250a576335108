"""Mail in the user's language: the registering request's Accept-Language picks the account's locale
(en or es, else en), every later mail speaks it whatever the later request asks, booking's profile
preference changes it, and template_dir may override each locale's templates per site."""
import json
import os
import re

import pytest

from conftest import running, unique

PASSWORD = "locale-pass-1A"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    templates = tmp_path_factory.mktemp("templates")
    os.makedirs(templates / "verified" / "es")
    (templates / "verified" / "es" / "reset_password.subject").write_text("Nueva contraseña para {{name}}\n")
    yield from running({"template_dir": str(templates)})


def register(client, email, language=None):
    headers = {"Accept-Language": language} if language is not None else {}
    r = client.post("/api/auth/register", json={"email": email, "password": PASSWORD,
                                               "confirmPassword": PASSWORD, "firstName": "Ana"},
                    headers=headers)
    assert r.status == 201, r
    return r


def locale_of(stack, email):
    with stack.db() as db:
        return db.execute("SELECT locale FROM accounts WHERE email = ?", (email,)).fetchone()[0]


def plain(message):
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize("language,locale,subject", [
    ("es-MX,es;q=0.9,en;q=0.8", "es", "Confirma tu dirección de correo"),
    ("en-GB,es;q=0.5", "en", "Confirm your email address"),
    ("fr-FR, es;q=0.3", "es", "Confirma tu dirección de correo"),
    ("fr, de;q=0.5", "en", "Confirm your email address"),
    (None, "en", "Confirm your email address"),
    ("es;q=0.4, en;q=0.6", "en", "Confirm your email address"),
    ("es;q=bogus, *;q=1", "en", "Confirm your email address"),
    ("x" * 4000 + ",es", "en", "Confirm your email address"),  # past what is read: ignored
])
def test_registration_picks_the_locale_from_accept_language(stack, language, locale, subject):
    email = f"{unique('lang')}@example.com"
    register(stack.client("verified"), email, language)
    [mail] = stack.wait_for_mail(email)
    assert mail["Subject"] == subject
    assert locale_of(stack, email) == locale
    if locale == "es":
        assert plain(mail).startswith("Hola, Ana:")


def test_later_mail_speaks_the_stored_locale_whatever_the_request_asks(stack):
    verified = stack.client("verified")
    email = f"{unique('later')}@example.com"
    register(verified, email, "es")
    stack.wait_for_mail(email)
    r = verified.post("/api/auth/forgot", json={"email": email}, headers={"Accept-Language": "en"})
    assert r.status == 200, r
    reset = stack.wait_for_mail(email, count=2)[-1]
    # The site's own Spanish subject from template_dir, the built-in Spanish body.
    assert reset["Subject"] == "Nueva contraseña para Ana"
    assert "Alguien pidió restablecer la contraseña" in plain(reset)
    assert "token=" in plain(reset)


def code_of(message):
    return re.search(r"\b(\d{6,8})\b", plain(message)).group(1)


def call(client, op, body, language):
    return client.request("POST", "/cognito", body=json.dumps(body),
                          headers={"Content-Type": "application/x-amz-json-1.1",
                                   "X-Amz-Target": "AWSCognitoIdentityProviderService." + op,
                                   "Accept-Language": language})


def signed_up(stack, client, email, language):
    r = call(client, "SignUp", {"ClientId": "demo", "Username": email,
                                "UserAttributes": [{"Name": "email", "Value": email}]}, language)
    assert r.status == 200, r
    [confirm] = stack.wait_for_mail(email)
    r = call(client, "ConfirmSignUp", {"ClientId": "demo", "Username": email,
                                       "ConfirmationCode": code_of(confirm)}, language)
    assert r.status == 200, r
    return confirm


def signed_in(stack, client, email, language):
    """The sign-in code's mail, and the tokens it gave."""
    count = len([m for m in stack.mails() if m["To"].lower() == email])
    r = call(client, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "USER_AUTH",
                                      "AuthParameters": {"USERNAME": email,
                                                         "PREFERRED_CHALLENGE": "EMAIL_OTP"}}, language)
    assert r.status == 200, r
    message = stack.wait_for_mail(email, count=count + 1)[-1]
    r = call(client, "RespondToAuthChallenge", {
        "ClientId": "demo", "ChallengeName": "EMAIL_OTP", "Session": r.json()["Session"],
        "ChallengeResponses": {"USERNAME": email, "EMAIL_OTP_CODE": code_of(message)}}, language)
    assert r.status == 200, r
    return message, r.json()["AuthenticationResult"]


def test_booking_codes_follow_accept_language_then_the_profiles_preference(stack):
    booking = stack.client("booking")
    email = f"{unique('code')}@example.com"
    confirm = signed_up(stack, booking, email, "es-ES")
    assert confirm["Subject"] == "Tu código de acceso"
    assert plain(confirm).startswith("Tu código de acceso es ")
    message, tokens = signed_in(stack, booking, email, "en")
    assert message["Subject"] == "Tu código de acceso", "the stored locale, not this request's"
    r = booking.post("/api/customers/me", json={"preferred_language": "en"},
                     headers={"Authorization": "Bearer " + tokens["IdToken"]})
    assert r.status == 201, r
    assert locale_of(stack, email) == "en"
    message, _ = signed_in(stack, booking, email, "es")
    assert message["Subject"] == "Your sign-in code"


def test_a_profile_without_a_language_keeps_the_accounts(stack):
    booking = stack.client("booking")
    email = f"{unique('keep')}@example.com"
    signed_up(stack, booking, email, "es")
    _, tokens = signed_in(stack, booking, email, "es")
    r = booking.post("/api/customers/me", json={"name": "Ana"},
                     headers={"Authorization": "Bearer " + tokens["IdToken"]})
    assert r.status == 201, r
    assert r.json()["preferred_language"] == "en", "the profile's own default, as the seed says"
    assert locale_of(stack, email) == "es", "but the mail keeps the language the user asked for"
