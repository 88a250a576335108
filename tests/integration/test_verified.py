"""The verified contract (seed 003) through nginx, with the embedded `dir` mail transport."""
import re
import time

import pytest

from conftest import mailed_link, mailed_token, unique, verify_call

PASSWORD = "uncommon-pass-123"


def register(client, email, password=PASSWORD, **extra):
    body = {"email": email, "password": password, "confirmPassword": password}
    body.update(extra)
    return client.post("/api/auth/register", json=body)


def verified_user(stack, client, email=None):
    email = email or f"{unique('v')}@example.com"
    assert register(client, email, firstName="Ana", lastName="Lopez").status == 201
    [mail] = stack.wait_for_mail(email)
    r = client.get(verify_call(mail))
    assert r.status == 200, r
    return email


def login(client, email, password=PASSWORD):
    return client.post("/api/auth/login", json={"email": email, "password": password})


# --- register ---------------------------------------------------------------------------------

def test_register_answers_201_and_sends_a_verification_mail(stack, verified):
    email = f"{unique('reg')}@example.com"
    r = register(verified, email, firstName="  Ana ", lastName="López")
    assert r.status == 201
    body = r.json()
    assert body["message"] == "Registration successful. Verification email sent."
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", body["userId"])
    [mail] = stack.wait_for_mail(email)
    assert mail["Subject"] == "Confirm your email address"
    assert mail["Message-ID"] and mail["Date"]
    assert mail.get_content_type() == "multipart/alternative"
    html = mail.get_body(preferencelist=("html",)).get_content()
    link = mailed_link(mail)
    assert link.startswith(f"http://127.0.0.1:{stack.ports['verified']}/verify-email?token=")
    assert link.replace("&", "&amp;") in html
    assert "Hello Ana," in mail.get_body(preferencelist=("plain",)).get_content()


def test_register_stores_only_a_keyed_hash_of_the_verification_token(stack, verified):
    email = f"{unique('hash')}@example.com"
    assert register(verified, email).status == 201
    token = mailed_token(stack.wait_for_mail(email)[0])
    with stack.db() as db:
        rows = [dict(r) for r in db.execute(
            "SELECT t.* FROM one_time_tokens t JOIN accounts a ON a.id = t.account_id WHERE a.email = ?",
            (email,))]
        outbox = [dict(r) for r in db.execute("SELECT * FROM outbox WHERE recipient = ?", (email,))]
    assert len(rows) == 1 and rows[0]["purpose"] == "verify_email"
    assert token not in str(rows)
    assert rows[0]["expires_at"] - rows[0]["created_at"] == 24 * 3600
    assert len(outbox) == 1 and outbox[0]["status"] == "sent"
    assert outbox[0]["sealed_message"] is None  # erased once sent


@pytest.mark.parametrize("body,field,message", [
    ({"password": PASSWORD, "confirmPassword": PASSWORD}, "email", "Email is required"),
    ({"email": "not-an-email", "password": PASSWORD, "confirmPassword": PASSWORD}, "email", "Invalid email"),
    ({"email": "a@example.com", "password": "short", "confirmPassword": "short"}, "password",
     "Password must be at least 8 characters"),
    ({"email": "a@example.com", "confirmPassword": PASSWORD}, "password", "Password is required"),
    ({"email": "a@example.com", "password": PASSWORD}, "confirmPassword", "Password confirmation is required"),
    ({"email": "a@example.com", "password": PASSWORD, "confirmPassword": PASSWORD + "x"}, "confirmPassword",
     "Passwords do not match"),
    ({"email": "a@example.com", "password": PASSWORD, "confirmPassword": PASSWORD, "firstName": "x" * 51},
     "firstName", "First name must be at most 50 characters"),
    ({"email": "a@example.com", "password": PASSWORD, "confirmPassword": PASSWORD, "lastName": 7},
     "lastName", "Last name must be a string"),
])
def test_register_validation_answers_400_with_details_and_errors(stack, verified, body, field, message):
    r = verified.post("/api/auth/register", json=body)
    assert r.status == 400
    assert r.json() == {"message": "Validation failed", "details": {field: message}, "errors": {field: message}}
    assert r.header("Content-Type") == "application/json"


def test_register_with_every_field_wrong_names_each_one(verified):
    r = verified.post("/api/auth/register", json={"email": "", "password": "x", "confirmPassword": "y"})
    assert r.status == 400
    assert set(r.json()["details"]) == {"email", "password", "confirmPassword"}


def test_register_malformed_json_is_a_validation_error(verified):
    r = verified.request("POST", "/api/auth/register", body='{"email": ',
                         headers={"Content-Type": "application/json"})
    assert r.status == 400
    assert r.json()["message"] == "Validation failed"
    assert "body" in r.json()["errors"]


def test_register_with_taken_email_in_other_case_is_409_and_sends_nothing(stack, verified):
    email = f"{unique('dup')}@example.com"
    assert register(verified, email).status == 201
    stack.wait_for_mail(email)
    r = register(verified, email.upper())
    assert r.status == 409 and r.json() == {"message": "Email already in use"}
    time.sleep(0.3)
    assert len([m for m in stack.mails() if m["To"].lower() == email]) == 1


def test_register_with_non_json_content_type_is_415(verified):
    r = verified.request("POST", "/api/auth/register", body="email=a", headers={"Content-Type": "text/plain"})
    assert r.status == 415
    assert "message" in r.json()


# --- verification and login -------------------------------------------------------------------

def test_login_before_verification_is_403_only_with_the_right_password(stack, verified):
    email = f"{unique('unv')}@example.com"
    assert register(verified, email).status == 201
    r = login(verified, email)
    assert r.status == 403 and r.json() == {"message": "Email not verified"}
    r = login(verified, email, "wrong-password")
    assert r.status == 401 and r.json() == {"message": "Invalid credentials"}


def test_following_the_link_verifies_and_login_then_works(stack, verified):
    email = f"{unique('ok')}@example.com"
    assert register(verified, email, firstName="Ana", lastName="Lopez").status == 201
    r = verified.get(verify_call(stack.wait_for_mail(email)[0]))
    assert r.status == 200
    assert r.json() == {"message": "Email verified", "redirect": f"http://127.0.0.1:{stack.ports['verified']}/login"}
    r = login(verified, email.upper())
    assert r.status == 200
    body = r.json()
    assert body["user"]["email"] == email
    assert body["user"]["firstName"] == "Ana" and body["user"]["lastName"] == "Lopez"
    me = verified.get("/api/auth/me", headers={"Authorization": "Bearer " + body["token"]})
    assert me.status == 200 and me.json() == {"user": body["user"]}


def test_following_the_same_link_again_is_still_200(stack, verified):
    email = f"{unique('twice')}@example.com"
    assert register(verified, email).status == 201
    path = verify_call(stack.wait_for_mail(email)[0])
    assert verified.get(path).status == 200
    r = verified.get(path)
    assert r.status == 200 and r.json()["message"] == "Email verified"


@pytest.mark.parametrize("query", ["?token=bogus", "", "?token=", "?other=1"])
def test_unknown_or_missing_verification_token_is_400(verified, query):
    r = verified.get("/api/auth/verify" + query)
    assert r.status == 400
    assert r.json() == {"message": "Invalid or expired verification token"}


def test_an_expired_verification_token_is_400(stack, verified):
    email = f"{unique('exp')}@example.com"
    assert register(verified, email).status == 201
    path = verify_call(stack.wait_for_mail(email)[0])
    rw = stack.db(writable=True)
    rw.execute("UPDATE one_time_tokens SET expires_at = 1 WHERE account_id = "
               "(SELECT id FROM accounts WHERE email = ?)", (email,))
    rw.commit()
    rw.close()
    r = verified.get(path)
    assert r.status == 400 and r.json() == {"message": "Invalid or expired verification token"}
    assert login(verified, email).status == 403


def test_resend_always_answers_200_and_mails_only_unverified_accounts(stack, verified):
    email = f"{unique('resend')}@example.com"
    assert register(verified, email).status == 201
    stack.wait_for_mail(email)
    answers = [verified.post("/api/auth/verify/resend", json={"email": e})
               for e in (email, f"{unique('nobody')}@example.com")]
    assert [a.status for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    [first, second] = stack.wait_for_mail(email, count=2)
    assert verified.get(verify_call(second)).status == 200
    assert login(verified, email).status == 200


# --- forgot and reset -------------------------------------------------------------------------

def test_forgot_answers_the_same_whether_or_not_the_email_exists(stack, verified):
    email = verified_user(stack, verified)
    known = verified.post("/api/auth/forgot", json={"email": email})
    unknown = verified.post("/api/auth/forgot", json={"email": f"{unique('ghost')}@example.com"})
    assert known.status == unknown.status == 200
    assert known.body == unknown.body
    [reset] = [m for m in stack.wait_for_mail(email, count=2) if m["Subject"] == "Reset your password"]
    assert "/reset-password?token=" in mailed_link(reset)


def test_reset_sets_the_new_password_and_refuses_older_tokens(stack, verified):
    email = verified_user(stack, verified)
    old_token = login(verified, email).json()["token"]
    assert verified.post("/api/auth/forgot", json={"email": email}).status == 200
    mails = stack.wait_for_mail(email, count=2)
    token = mailed_token(mails[-1])
    r = verified.post("/api/auth/reset", json={"token": token, "password": "brand-new-pass",
                                               "confirmPassword": "brand-new-pass"})
    assert r.status == 200 and r.json() == {"message": "Password has been reset"}
    me = verified.get("/api/auth/me", headers={"Authorization": "Bearer " + old_token})
    assert me.status == 401
    assert login(verified, email).status == 401
    fresh = login(verified, email, "brand-new-pass")
    assert fresh.status == 200
    me = verified.get("/api/auth/me", headers={"Authorization": "Bearer " + fresh.json()["token"]})
    assert me.status == 200


def test_a_reset_token_works_once(stack, verified):
    email = verified_user(stack, verified)
    verified.post("/api/auth/forgot", json={"email": email})
    token = mailed_token(stack.wait_for_mail(email, count=2)[-1])
    body = {"token": token, "password": "another-pass1", "confirmPassword": "another-pass1"}
    assert verified.post("/api/auth/reset", json=body).status == 200
    r = verified.post("/api/auth/reset", json=body)
    assert r.status == 400 and r.json() == {"message": "Invalid or expired reset token"}


def test_a_newer_reset_request_leaves_the_older_link_valid_until_one_is_used(stack, verified):
    email = verified_user(stack, verified)
    verified.post("/api/auth/forgot", json={"email": email})
    first = mailed_token(stack.wait_for_mail(email, count=2)[-1])
    verified.post("/api/auth/forgot", json={"email": email})
    second = mailed_token(stack.wait_for_mail(email, count=3)[-1])
    body = {"password": "another-pass1", "confirmPassword": "another-pass1"}
    assert verified.post("/api/auth/reset", json=dict(body, token=first)).status == 200
    assert verified.post("/api/auth/reset", json=dict(body, token=second)).status == 400


def test_reset_with_a_bad_token_or_bad_fields(verified):
    r = verified.post("/api/auth/reset", json={"token": "nope", "password": "another-pass1",
                                               "confirmPassword": "another-pass1"})
    assert r.status == 400 and r.json() == {"message": "Invalid or expired reset token"}
    r = verified.post("/api/auth/reset", json={"token": "nope", "password": "short", "confirmPassword": "other"})
    assert r.status == 400
    assert r.json()["details"] == {"password": "Password must be at least 8 characters",
                                   "confirmPassword": "Passwords do not match"}
    r = verified.post("/api/auth/reset", json={"token": "nope", "password": "long-enough", "confirmPassword": "other"})
    assert r.json()["errors"] == {"confirmPassword": "Passwords do not match"}


def test_reset_link_of_one_purpose_cannot_verify_and_vice_versa(stack, verified):
    email = f"{unique('purpose')}@example.com"
    assert register(verified, email).status == 201
    verify_token = mailed_token(stack.wait_for_mail(email)[0])
    r = verified.post("/api/auth/reset", json={"token": verify_token, "password": "another-pass1",
                                               "confirmPassword": "another-pass1"})
    assert r.status == 400
    assert login(verified, email).status == 403  # still unverified, password unchanged


# --- me ---------------------------------------------------------------------------------------

def test_me_without_or_with_a_bad_token_is_401(verified):
    r = verified.get("/api/auth/me")
    assert r.status == 401 and r.json() == {"message": "Not authenticated"}
    r = verified.get("/api/auth/me", headers={"Authorization": "Bearer abc.def.ghi"})
    assert r.status == 401 and r.json() == {"message": "Invalid or expired token"}


def test_a_token_of_the_fastapi_site_is_refused_here(stack, verified, fastapi):
    name = unique("cross")
    fastapi.post("/api/auth/register", json={"username": name, "email": f"{name}@example.com", "password": "secret12"})
    token = fastapi.post("/api/auth/token", json={"email": f"{name}@example.com", "password": "secret12"}).json()["access_token"]
    r = verified.get("/api/auth/me", headers={"Authorization": "Bearer " + token})
    assert r.status == 401


def test_unknown_path_and_wrong_method_are_json(verified):
    r = verified.get("/api/auth/nope")
    assert r.status == 404 and r.json() == {"message": "Not Found"}
    r = verified.get("/api/auth/register")
    assert r.status == 405 and r.header("Allow") == "POST"
