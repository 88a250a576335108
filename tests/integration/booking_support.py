"""Speaking the booking site's Cognito-compatible endpoint from the integration tests."""
import json
import re

AMZ_JSON = "application/x-amz-json-1.1"


def cognito(client, op, body, path="/cognito", content_type=AMZ_JSON, raw=None, source=None):
    headers = {"Content-Type": content_type}
    if op is not None:
        headers["X-Amz-Target"] = "AWSCognitoIdentityProviderService." + op
    return client.request("POST", path, body=raw if raw is not None else json.dumps(body),
                          headers=headers, source=source)


def code_in(message):
    """The code of a code mail (signing in, confirming a new address), in either language it
    speaks (en, es)."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"(?:code is|código de acceso es|código de confirmación es) (\d+)",
                     text).group(1)


def sign_up(stack, client, email):
    r = cognito(client, "SignUp", {"ClientId": "demo", "Username": email,
                                   "UserAttributes": [{"Name": "email", "Value": email}]})
    assert r.status == 200, r
    [message] = stack.wait_for_mail(email)
    r = cognito(client, "ConfirmSignUp", {"ClientId": "demo", "Username": email,
                                          "ConfirmationCode": code_in(message)})
    assert r.status == 200, r


def sign_in(stack, client, email):
    """An email-OTP sign-in; returns AuthenticationResult (IdToken, AccessToken, RefreshToken)."""
    before = len(stack.wait_for_mail(email, count=1))
    r = cognito(client, "InitiateAuth", {
        "ClientId": "demo", "AuthFlow": "USER_AUTH",
        "AuthParameters": {"USERNAME": email, "PREFERRED_CHALLENGE": "EMAIL_OTP"}})
    assert r.status == 200, r
    assert r.json()["ChallengeName"] == "EMAIL_OTP"
    session = r.json()["Session"]
    message = stack.wait_for_mail(email, count=before + 1)[-1]
    r = cognito(client, "RespondToAuthChallenge", {
        "ClientId": "demo", "ChallengeName": "EMAIL_OTP", "Session": session,
        "ChallengeResponses": {"USERNAME": email, "EMAIL_OTP_CODE": code_in(message)}})
    assert r.status == 200, r
    return r.json()["AuthenticationResult"]
