"""Passkeys on the booking site's Cognito endpoint, spoken by hand through nginx with the software
authenticator (passkey_support.py): StartWebAuthnRegistration and CompleteWebAuthnRegistration,
ListWebAuthnCredentials, DeleteWebAuthnCredential, and USER_AUTH's WEB_AUTHN challenge (preferred,
or chosen from SELECT_CHALLENGE), with the refusals in Cognito's error names (docs/contracts.md,
booking). Unchanged Amplify drives the same operations in a browser (tests/node/browser.test.mjs)."""
import json

import pytest

from booking_support import cognito, sign_in
from conftest import running, unique
from passkey_support import Authenticator, b64url, unb64url
from test_booking import assert_aws_error, claims, fresh_user


@pytest.fixture(scope="module")
def stack():
    """A lock lasts a minute: a locked client's next ceremony (two round trips, a signature) is
    still inside it however slow the run; with the default one-second first lock a busy machine
    let it expire between the refusal and the right passkey."""
    yield from running({"throttle_first_lock": "60", "throttle_max_lock": "60"})


def origin_of(stack):
    """The booking site as a browser runs a passkey ceremony on it (RP ID localhost)."""
    return f"http://localhost:{stack.ports['booking']}"


def start(booking, tokens):
    r = cognito(booking, "StartWebAuthnRegistration", {"AccessToken": tokens["AccessToken"]})
    assert r.status == 200, r
    return r.json()["CredentialCreationOptions"]


def complete(booking, tokens, credential):
    return cognito(booking, "CompleteWebAuthnRegistration",
                   {"AccessToken": tokens["AccessToken"], "Credential": credential})


def listed(booking, tokens, **extra):
    r = cognito(booking, "ListWebAuthnCredentials", {"AccessToken": tokens["AccessToken"], **extra})
    assert r.status == 200, r
    return r.json()


def register(stack, booking, tokens, phone=None):
    phone = phone or Authenticator(origin_of(stack))
    r = complete(booking, tokens, phone.create(start(booking, tokens)))
    assert r.status == 200 and r.json() == {}, r
    return phone


def web_authn(booking, email):
    """InitiateAuth preferring WEB_AUTHN: (session, CREDENTIAL_REQUEST_OPTIONS parsed)."""
    r = cognito(booking, "InitiateAuth", {
        "ClientId": "demo", "AuthFlow": "USER_AUTH",
        "AuthParameters": {"USERNAME": email, "PREFERRED_CHALLENGE": "WEB_AUTHN"}})
    assert r.status == 200, r
    body = r.json()
    assert body["ChallengeName"] == "WEB_AUTHN", body
    assert set(body["ChallengeParameters"]) == {"CREDENTIAL_REQUEST_OPTIONS"}
    return body["Session"], json.loads(body["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])


def respond(booking, email, session, credential):
    return cognito(booking, "RespondToAuthChallenge", {
        "ClientId": "demo", "ChallengeName": "WEB_AUTHN", "Session": session,
        "ChallengeResponses": {"USERNAME": email, "CREDENTIAL": json.dumps(credential)}})


def audit_events(stack, email, event):
    with stack.db() as db:
        return db.execute("SELECT COUNT(*) FROM audit_events WHERE email = ? AND event = ?",
                          (email, event)).fetchone()[0]


def test_register_list_sign_in_and_delete(stack, booking):
    email, tokens = fresh_user(stack, booking)
    assert listed(booking, tokens) == {"Credentials": []}

    options = start(booking, tokens)
    assert options["rp"] == {"id": "localhost", "name": "booking"}
    user_id = unb64url(options["user"]["id"])
    assert user_id == claims(tokens["IdToken"])["sub"].encode()  # the user handle, not the email
    assert options["user"]["name"] == email and options["user"]["displayName"] == email
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-8, -7, -257]
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["attestation"] == "none" and options["excludeCredentials"] == []
    assert options["timeout"] == 300000 and len(unb64url(options["challenge"])) == 32

    phone = Authenticator(origin_of(stack))
    credential = phone.create(options)
    r = complete(booking, tokens, credential)
    assert r.status == 200 and r.json() == {}, r
    [notice] = stack.wait_for_mail(email, subject="A passkey was added to your account")
    assert notice

    [item] = listed(booking, tokens)["Credentials"]
    assert item["CredentialId"] == credential["id"]
    assert item["RelyingPartyId"] == "localhost"
    assert isinstance(item["FriendlyCredentialName"], str) and item["FriendlyCredentialName"]
    assert item["AuthenticatorTransports"] == []
    assert isinstance(item["CreatedAt"], int)
    assert start(booking, tokens)["excludeCredentials"] == [
        {"type": "public-key", "id": credential["id"]}]

    # Without a preference, WEB_AUTHN is one of the available challenges now.
    r = cognito(booking, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "USER_AUTH",
                                          "AuthParameters": {"USERNAME": email}})
    assert r.json()["AvailableChallenges"] == ["EMAIL_OTP", "WEB_AUTHN"], r

    session, request_options = web_authn(booking, email)
    assert request_options["rpId"] == "localhost"
    assert request_options["allowCredentials"] == [{"type": "public-key", "id": credential["id"]}]
    assert request_options["challenge"] == session
    r = respond(booking, email, session, phone.get(request_options))
    assert r.status == 200, r
    result = r.json()["AuthenticationResult"]
    assert claims(result["IdToken"])["email"] == email
    r = cognito(booking, "GetUser", {"AccessToken": result["AccessToken"]})
    assert r.status == 200, r
    assert audit_events(stack, email, "login.success") >= 2

    r = cognito(booking, "DeleteWebAuthnCredential",
                {"AccessToken": tokens["AccessToken"], "CredentialId": credential["id"]})
    assert r.status == 200 and r.json() == {}, r
    stack.wait_for_mail(email, subject="A passkey was removed from your account")
    assert listed(booking, tokens) == {"Credentials": []}
    r = cognito(booking, "DeleteWebAuthnCredential",
                {"AccessToken": tokens["AccessToken"], "CredentialId": credential["id"]})
    assert_aws_error(r, 400, "ResourceNotFoundException")

    # Without passkeys, preferring WEB_AUTHN gets the choice of what there is.
    r = cognito(booking, "InitiateAuth", {
        "ClientId": "demo", "AuthFlow": "USER_AUTH",
        "AuthParameters": {"USERNAME": email, "PREFERRED_CHALLENGE": "WEB_AUTHN"}})
    assert r.status == 200 and r.json()["ChallengeName"] == "SELECT_CHALLENGE", r
    assert r.json()["AvailableChallenges"] == ["EMAIL_OTP"]
    # ... and cannot choose WEB_AUTHN there; the step stays open for what was offered.
    select = r.json()["Session"]
    r = cognito(booking, "RespondToAuthChallenge", {
        "ClientId": "demo", "ChallengeName": "SELECT_CHALLENGE", "Session": select,
        "ChallengeResponses": {"USERNAME": email, "ANSWER": "WEB_AUTHN"}})
    assert_aws_error(r, 400, "InvalidParameterException")
    r = cognito(booking, "RespondToAuthChallenge", {
        "ClientId": "demo", "ChallengeName": "SELECT_CHALLENGE", "Session": select,
        "ChallengeResponses": {"USERNAME": email, "ANSWER": "EMAIL_OTP"}})
    assert r.status == 200 and r.json()["ChallengeName"] == "EMAIL_OTP", r
    # The deleted passkey signs in no more, even on a ceremony opened before the deletion.
    r = respond(booking, email, session, phone.get(request_options))
    assert_aws_error(r, 400, "NotAuthorizedException")


def test_select_challenge_web_authn(stack, booking):
    email, tokens = fresh_user(stack, booking)
    phone = register(stack, booking, tokens)
    r = cognito(booking, "InitiateAuth", {"ClientId": "demo", "AuthFlow": "USER_AUTH",
                                          "AuthParameters": {"USERNAME": email}})
    r = cognito(booking, "RespondToAuthChallenge", {
        "ClientId": "demo", "ChallengeName": "SELECT_CHALLENGE", "Session": r.json()["Session"],
        "ChallengeResponses": {"USERNAME": email, "ANSWER": "WEB_AUTHN"}})
    assert r.status == 200 and r.json()["ChallengeName"] == "WEB_AUTHN", r
    options = json.loads(r.json()["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    r = respond(booking, email, r.json()["Session"], phone.get(options))
    assert r.status == 200 and "AccessToken" in r.json()["AuthenticationResult"], r


def test_registration_refusals(stack, booking):
    email, tokens = fresh_user(stack, booking)
    phone = Authenticator(origin_of(stack))
    # A replayed challenge: the ceremony is single use.
    options = start(booking, tokens)
    credential = phone.create(options)
    assert complete(booking, tokens, credential).status == 200
    assert_aws_error(complete(booking, tokens, phone.create(options)), 400,
                     "WebAuthnChallengeNotFoundException")
    # Another account's ceremony.
    _, other = fresh_user(stack, booking)
    assert_aws_error(complete(booking, tokens, phone.create(start(booking, other))), 400,
                     "WebAuthnChallengeNotFoundException")
    # A challenge never issued.
    assert_aws_error(complete(booking, tokens, phone.create(options, challenge=b64url(b"x" * 32))),
                     400, "WebAuthnChallengeNotFoundException")
    # Another origin, another RP ID.
    assert_aws_error(complete(booking, tokens, phone.create(start(booking, tokens),
                                                           origin="https://evil.example")),
                     400, "WebAuthnOriginNotAllowedException")
    assert_aws_error(complete(booking, tokens, phone.create(start(booking, tokens),
                                                           rp_id="evil.example")),
                     400, "WebAuthnRelyingPartyMismatchException")
    # The same credential again (a second copy of the key).
    again = phone.create(start(booking, tokens), credential=phone.credentials[0], keep=False)
    assert_aws_error(complete(booking, tokens, again), 400, "InvalidParameterException")
    assert len(listed(booking, tokens)["Credentials"]) == 1
    assert audit_events(stack, email, "passkey.register.failure") == 2  # origin, RP ID


def test_sign_in_refusals(stack, booking):
    email, tokens = fresh_user(stack, booking)
    phone = register(stack, booking, tokens)
    other_email, other_tokens = fresh_user(stack, booking)
    other_phone = register(stack, booking, other_tokens)

    # A replayed assertion: the ceremony went with the first answer.
    session, options = web_authn(booking, email)
    assertion = phone.get(options)
    assert respond(booking, email, session, assertion).status == 200
    assert_aws_error(respond(booking, email, session, assertion), 400, "NotAuthorizedException")
    # Another user's passkey on this user's ceremony, and this user's ceremony under another name.
    session, options = web_authn(booking, email)
    assert_aws_error(respond(booking, email, session, other_phone.get(options)), 400,
                     "NotAuthorizedException")
    session, options = web_authn(booking, email)
    assert_aws_error(respond(booking, other_email, session, phone.get(options)), 400,
                     "NotAuthorizedException")
    # A session that is not the ceremony's.
    session, options = web_authn(booking, email)
    assert_aws_error(respond(booking, email, "x" + session, phone.get(options)), 400,
                     "NotAuthorizedException")
    # Wrong origin, wrong RP ID, a bad signature.
    for bend in ({"origin": "https://evil.example"}, {"rp_id": "evil.example"}, {"tamper": True}):
        session, options = web_authn(booking, email)
        assert_aws_error(respond(booking, email, session, phone.get(options, **bend)), 400,
                         "NotAuthorizedException")
    assert audit_events(stack, email, "passkey.login.failure") >= 5

    # Failures count as guesses at the account, as wrong codes do: the throttle ends them.
    answers = []
    for _ in range(15):
        session, options = web_authn(booking, email)
        answers.append(respond(booking, email, session, phone.get(options, tamper=True)).status)
        if answers[-1] == 429:
            break
    assert answers[-1] == 429, answers
    session, options = web_authn(booking, email)
    r = respond(booking, email, session, phone.get(options))
    assert_aws_error(r, 429, "TooManyRequestsException")


def test_cloned_authenticator(stack, booking):
    email, tokens = fresh_user(stack, booking)
    phone = register(stack, booking, tokens)
    session, options = web_authn(booking, email)
    assert respond(booking, email, session, phone.get(options, counter=5)).status == 200
    # The counter going back: a cloned authenticator, refused and audited.
    session, options = web_authn(booking, email)
    assert_aws_error(respond(booking, email, session, phone.get(options, counter=3)), 400,
                     "NotAuthorizedException")
    assert audit_events(stack, email, "passkey.cloned") == 1
    session, options = web_authn(booking, email)
    assert respond(booking, email, session, phone.get(options, counter=6)).status == 200


def test_bad_inputs_are_aws_errors(stack, booking):
    email, tokens = fresh_user(stack, booking)
    phone = register(stack, booking, tokens)
    access = tokens["AccessToken"]
    for op, body in [
        ("StartWebAuthnRegistration", {}),
        ("StartWebAuthnRegistration", {"AccessToken": tokens["IdToken"]}),
        ("CompleteWebAuthnRegistration", {"AccessToken": "junk", "Credential": {}}),
        ("ListWebAuthnCredentials", {"AccessToken": tokens["RefreshToken"]}),
        ("DeleteWebAuthnCredential", {"AccessToken": "", "CredentialId": "abc"}),
    ]:
        assert_aws_error(cognito(booking, op, body), 400, "NotAuthorizedException")
    for body in [{}, {"Credential": None}, {"Credential": "text"}, {"Credential": {"id": 1}},
                 {"Credential": {"id": "AA", "response": {"clientDataJSON": "!!"}}}]:
        r = cognito(booking, "CompleteWebAuthnRegistration", {"AccessToken": access, **body})
        assert_aws_error(r, 400, "InvalidParameterException")
    for extra in [{"MaxResults": 0}, {"MaxResults": 21}, {"MaxResults": "5"}, {"MaxResults": 1.5},
                  {"NextToken": "abc"}, {"NextToken": 7}]:
        r = cognito(booking, "ListWebAuthnCredentials", {"AccessToken": access, **extra})
        assert_aws_error(r, 400, "InvalidParameterException")
    for cid in ["", None, 5]:
        r = cognito(booking, "DeleteWebAuthnCredential", {"AccessToken": access, "CredentialId": cid})
        assert_aws_error(r, 400, "InvalidParameterException")
    for cid in ["!!!", "A" * 2000, b64url(b"nope")]:
        r = cognito(booking, "DeleteWebAuthnCredential", {"AccessToken": access, "CredentialId": cid})
        assert_aws_error(r, 400, "ResourceNotFoundException")
    # Another user's credential id is not found either.
    _, other = fresh_user(stack, booking)
    r = cognito(booking, "DeleteWebAuthnCredential",
                {"AccessToken": other["AccessToken"], "CredentialId": b64url(phone.credentials[0].id)})
    assert_aws_error(r, 400, "ResourceNotFoundException")
    assert len(listed(booking, tokens)["Credentials"]) == 1

    session, options = web_authn(booking, email)
    for credential in [None, "", "not json", "[]", json.dumps({"id": "AA"}), "{" * 5000]:
        r = cognito(booking, "RespondToAuthChallenge", {
            "ClientId": "demo", "ChallengeName": "WEB_AUTHN", "Session": session,
            "ChallengeResponses": {"USERNAME": email, "CREDENTIAL": credential}})
        assert_aws_error(r, 400, "InvalidParameterException")
    # None of those spent the ceremony.
    assert respond(booking, email, session, phone.get(options)).status == 200
    r = cognito(booking, "InitiateAuth", {
        "ClientId": "demo", "AuthFlow": "USER_AUTH",
        "AuthParameters": {"USERNAME": email, "PREFERRED_CHALLENGE": "SMS_OTP"}})
    assert_aws_error(r, 400, "InvalidParameterException")
    r = cognito(booking, "InitiateAuth", {
        "ClientId": "demo", "AuthFlow": "USER_AUTH",
        "AuthParameters": {"USERNAME": unique("nobody") + "@example.com",
                           "PREFERRED_CHALLENGE": "WEB_AUTHN"}})
    assert_aws_error(r, 400, "UserNotFoundException")


def test_pages_of_credentials(stack, booking):
    email, tokens = fresh_user(stack, booking)
    phone = Authenticator(origin_of(stack))
    for _ in range(3):
        register(stack, booking, tokens, phone)
    first = listed(booking, tokens, MaxResults=2)
    assert len(first["Credentials"]) == 2 and first["NextToken"]
    second = listed(booking, tokens, MaxResults=2, NextToken=first["NextToken"])
    assert len(second["Credentials"]) == 1 and "NextToken" not in second
    ids = [c["CredentialId"] for c in first["Credentials"] + second["Credentials"]]
    assert ids == [b64url(c.id) for c in phone.credentials]
    # An email-code sign-in still works alongside them (once the three notices are in).
    stack.wait_for_mail(email, count=3, subject="A passkey was added to your account")
    assert sign_in(stack, booking, email)["AccessToken"]
