"""The password contracts as a signed-in account's own requests see them: one adapter per site and
account type (gateway with the token in the body or in its cookie, fastapi, verified, storefront's
merchants and customers), each registering, logging in and calling its change-password endpoint
in the contract's own names, with the bodies the contract answers."""
import itertools

from conftest import unique, verify_call

OLD = "Old-horse-battery-9"
NEW = "New-staple-correct-7"
PATH = "/api/auth/change-password"
DELETE_PATH = "/api/auth/delete-account"
SESSIONS_PATH = "/api/auth/sessions"
REVOKE_PATH = "/api/auth/sessions/revoke"
REVOKE_ALL_PATH = "/api/auth/sessions/revoke-all"
EMAIL_PATH = "/api/auth/change-email"
CONFIRM_PATH = "/api/auth/confirm-email"
EMAIL_SENT = "If the new address can be used, a confirmation link has been sent to it."
FOREIGN = "https://evil.example"
TOTP_PATH = "/api/auth/totp"
SECOND_FACTOR_PATH = "/api/auth/login/second-factor"
CAMEL_FACTOR_NAMES = {"required": "mfaRequired", "challenge": "mfaToken", "expires_in": "expiresIn",
                      "uri": "otpauthUri", "recovery_codes": "recoveryCodes",
                      "recovery_left": "recoveryCodesLeft"}
PASSKEYS_PATH = "/api/auth/passkeys"
CAMEL_PASSKEY_NAMES = {"created_at": "createdAt", "last_used_at": "lastUsedAt",
                       "backed_up": "backedUp"}
SNAKE_PASSKEY_NAMES = {"created_at": "created_at", "last_used_at": "last_used_at",
                       "backed_up": "backed_up"}
SNAKE_FACTOR_NAMES = {"required": "mfa_required", "challenge": "mfa_token", "expires_in": "expires_in",
                      "uri": "otpauth_uri", "recovery_codes": "recovery_codes",
                      "recovery_left": "recovery_codes_left"}

# Wrong passwords heard from one network before the lock, in the suites that count them.
FREE = 3


def password_throttle(**extra):
    """The settings of the suites that count wrong passwords: a small allowance per account and
    network and a long first lock, so the 429 comes at once and stays; the network and
    account-wide allowances out of the way."""
    return {"throttle_pair_free": str(FREE), "throttle_first_lock": "60",
            "throttle_network_free": "1000", "throttle_account_free": "1000", **extra}


_addresses = (f"127.3.{a}.{b}" for a, b in itertools.product(range(1, 250), range(2, 250)))


def fresh_ip():
    """A client network of its own: no test's guesses or nginx login ceiling meet another's."""
    return next(_addresses)


class Session:
    """What one login handed out: the access token and, where the contract has one, the cookie
    the frontend keeps (gateway's token cookie, storefront's refresh cookie)."""

    def __init__(self, token, cookie=None):
        self.token, self.cookie = token, cookie


class Site:
    site = None
    kind = "user"
    login_path = "/api/auth/login"
    error_key = None
    weak = "short12"  # below the register rule's minimum length
    changed_message = "Password changed"  # the success body's message
    refused_body = None  # the wrong-current-password answer (400)
    throttled_body = None  # the guess throttle's answer (429)
    unauthenticated_body = None  # no credentials (401)
    login_unauthorized = 401  # a login with a wrong password
    deleted_body = {"message": "Account deleted"}  # delete-account's success body
    delete_refused_body = None  # delete-account's wrong-password answer (400)

    def __init__(self, stack):
        self.stack = stack
        self.client = stack.client(self.site)

    # --- accounts ----------------------------------------------------------------------------
    def register_body(self, email, password):
        raise NotImplementedError

    def register(self, email, password=OLD):
        r = self.client.post(self.register_path, json=self.register_body(email, password),
                             source=fresh_ip())
        assert r.status == 201, r
        return r

    def new_account(self, password=OLD):
        email = f"{unique('pw')}@example.com"
        self.register(email, password)
        return email

    def login(self, email, password=OLD, source=None, headers=None):
        return self.client.post(self.login_path, json={"email": email, "password": password},
                                source=source or fresh_ip(), headers=headers)

    def session_of(self, reply):
        return Session(reply.json()["token"])

    def sign_in(self, email, password=OLD, user_agent=None, source=None):
        headers = {"User-Agent": user_agent} if user_agent is not None else None
        r = self.login(email, password, source=source, headers=headers)
        assert r.status == 200, r
        return self.session_of(r)

    def account_id(self, email):
        with self.stack.db() as db:
            return db.execute("SELECT id FROM accounts WHERE site = ? AND kind = ? AND email_key = ?",
                              (self.site_name(), self.kind, email.lower())).fetchone()[0]

    def site_name(self):
        return self.site

    # --- the caller's requests ---------------------------------------------------------------
    def auth_headers(self, session):
        return {"Authorization": "Bearer " + session.token}

    def me(self, session):
        return self.client.request("GET", "/api/auth/me", headers=self.auth_headers(session))

    def change_body(self, current, new, confirm=None):
        return {"currentPassword": current, "newPassword": new}

    def change(self, session, current=OLD, new=NEW, body=None, headers=None, source=None):
        sent = self.auth_headers(session) if session is not None else {}
        sent.update(headers or {})
        return self.client.request("POST", PATH, json_body=body or self.change_body(current, new),
                                   headers=sent, source=source)

    def delete_body(self, password):
        return {"password": password}

    def delete(self, session, password=OLD, body=None, headers=None, source=None):
        sent = self.auth_headers(session) if session is not None else {}
        sent.update(headers or {})
        return self.client.request("POST", DELETE_PATH,
                                   json_body=body if body is not None else self.delete_body(password),
                                   headers=sent, source=source)

    def deleted_cookie(self):
        """The Set-Cookie a successful delete clears the site's cookie with, or None."""
        return None

    # --- change email (names as the contract spells them) -------------------------------------
    new_email_field = "newEmail"
    email_changed_body = {"message": "Email changed"}  # confirm-email's success body
    email_refused_body = None  # change-email's wrong-password answer (400)
    confirm_invalid_body = None  # confirm-email's unknown, used or superseded token (400)
    email_taken_body = None  # confirm-email when the address was taken since (409)
    unchanged_status = 400

    def email_sent_body(self):
        return {"message": EMAIL_SENT}

    def email_body(self, password, new_email):
        return {"password": password, self.new_email_field: new_email}

    def change_email(self, session, new_email, password=OLD, body=None, headers=None, source=None):
        sent = self.auth_headers(session) if session is not None else {}
        sent.update(headers or {})
        return self.client.request("POST", EMAIL_PATH,
                                   json_body=body if body is not None
                                   else self.email_body(password, new_email),
                                   headers=sent, source=source or fresh_ip())

    def confirm_email(self, token, body=None, source=None):
        return self.client.request("POST", CONFIRM_PATH,
                                   json_body=body if body is not None else {"token": token},
                                   source=source or fresh_ip())

    def unchanged_refusal(self, reply):
        raise NotImplementedError

    # --- sessions (names as the contract spells them) -----------------------------------------
    session_keys = ("id", "createdAt", "lastUsedAt", "expiresAt", "userAgent", "ipAddress", "current")
    session_id_field = "sessionId"
    session_not_found_body = None  # revoking what is not one of the caller's live sessions (404)

    def sessions(self, session, headers=None):
        sent = self.auth_headers(session) if session is not None else {}
        sent.update(headers or {})
        return self.client.request("GET", SESSIONS_PATH, headers=sent)

    def session_list(self, session):
        r = self.sessions(session)
        assert r.status == 200, r
        body = r.json()
        assert set(body) == {"sessions"}, body
        for item in body["sessions"]:
            assert set(item) == set(self.session_keys), item
        return [dict(zip(Site.session_keys, (item[k] for k in self.session_keys)))
                for item in body["sessions"]]

    def revoke(self, session, session_id, body=None, headers=None):
        sent = self.auth_headers(session) if session is not None else {}
        sent.update(headers or {})
        return self.client.request("POST", REVOKE_PATH, headers=sent,
                                   json_body=body if body is not None
                                   else {self.session_id_field: session_id})

    def revoke_all(self, session, headers=None):
        sent = self.auth_headers(session) if session is not None else {}
        sent.update(headers or {})
        return self.client.request("POST", REVOKE_ALL_PATH, headers=sent)

    # --- authenticator app (names as the contract spells them) --------------------------------
    second_factor_path = SECOND_FACTOR_PATH
    factor_names = CAMEL_FACTOR_NAMES

    def error_body(self, status, message):
        """A failure's body in the contract's shape."""
        return {self.error_key: message}

    def name(self, key):
        return self.factor_names[key]

    def totp(self, session, action, body=None, headers=None, source=None):
        """POST /api/auth/totp/<action> as the signed-in caller (GET /api/auth/totp without one)."""
        sent = self.auth_headers(session) if session is not None else {}
        sent.update(headers or {})
        if action is None:
            return self.client.request("GET", TOTP_PATH, headers=sent)
        return self.client.request("POST", f"{TOTP_PATH}/{action}", json_body=body, headers=sent,
                                   source=source or fresh_ip())

    def sign_in_with_code(self, email, code, password=OLD):
        """A sign-in of an account with an authenticator app: the password, then `code`."""
        r = self.login(email, password)
        assert r.status == 200, r
        r = self.second_factor(r.json()[self.name("challenge")], code)
        assert r.status == 200, r
        return self.session_of(r)

    def second_factor(self, challenge, code, source=None, body=None):
        return self.client.request(
            "POST", self.second_factor_path,
            json_body=body if body is not None else {self.name("challenge"): challenge, "code": code},
            source=source or fresh_ip())

    # --- passkeys ----------------------------------------------------------------------------
    def passkey_name(self, key):
        return (SNAKE_PASSKEY_NAMES if self.factor_names is SNAKE_FACTOR_NAMES
                else CAMEL_PASSKEY_NAMES)[key]

    def origin(self):
        """The origin the site's passkey ceremonies run on locally (nginx's first
        LATCHKEY_PASSKEY_ORIGINS): localhost, since browsers refuse an IP address as an RP ID."""
        return f"http://localhost:{self.stack.ports[self.site]}"

    def passkeys(self, session, action=None, body=None, headers=None, source=None):
        """POST /api/auth/passkeys/<action> (GET /api/auth/passkeys without one)."""
        sent = self.auth_headers(session) if session is not None else {}
        sent.update(headers or {})
        if action is None:
            return self.client.request("GET", PASSKEYS_PATH, headers=sent)
        return self.client.request("POST", f"{PASSKEYS_PATH}/{action}", json_body=body,
                                   headers=sent, source=source or fresh_ip())

    def add_passkey(self, session, authenticator, password=OLD, name=None, **bend):
        """Registers a passkey made by `authenticator`: the options, then the credential."""
        r = self.passkeys(session, "register/options", {"password": password})
        assert r.status == 200, r
        credential = authenticator.create(r.json(), **bend)
        body = {"credential": credential} if name is None else {"credential": credential,
                                                                  "name": name}
        return self.passkeys(session, "register", body)

    def passkey_options(self, source=None):
        r = self.passkeys(None, "login/options", source=source)
        assert r.status == 200, r
        return r.json()

    def passkey_login(self, credential, source=None):
        return self.passkeys(None, "login", {"credential": credential}, source=source)

    def signed_out_cookie(self):
        """The cookie that ending the caller's own session clears, or None."""
        return self.deleted_cookie()

    def session_after(self, reply):
        """The fresh session a successful change hands the caller."""
        return Session(reply.json()["token"])

    def changed_body(self, reply):
        """The success body without its token, as the contract words it."""
        raise NotImplementedError

    def weak_refusal(self, reply):
        raise NotImplementedError


class Gateway(Site):
    site = "gateway"
    register_path = "/api/auth/register"
    error_key = "error"
    refused_body = {"error": "Current password is incorrect", "status_code": 400}
    delete_refused_body = {"error": "Password is incorrect", "status_code": 400}
    throttled_body = {"error": "Too many password attempts, try again later", "status_code": 429}
    unauthenticated_body = {"error": "Authentication required"}
    session_not_found_body = {"error": "Session not found", "status_code": 404}
    email_refused_body = {"error": "Password is incorrect", "status_code": 400}
    confirm_invalid_body = {"error": "Invalid or expired confirmation token", "status_code": 400}
    email_taken_body = {"error": "User with this email already exists"}

    def register_body(self, email, password):
        return {"firstName": "Gina", "lastName": "Hale", "email": email, "password": password}

    def error_body(self, status, message):
        # The seed's 401, 403 and 409 bodies carry the message only; the others their code too.
        if status in (401, 403, 409):
            return {"error": message}
        return {"error": message, "status_code": status}

    def unchanged_refusal(self, reply):
        assert reply.status == 400, reply
        assert reply.json() == {"error": "Validation failed",
                                "details": {"newEmail": "New email is the same as the current one."}}

    def changed_body(self, reply):
        body = reply.json()
        assert set(body) == {"message", "token"}, body
        return body["message"]

    def weak_refusal(self, reply):
        assert reply.status == 400, reply
        assert reply.json() == {"error": "Validation failed",
                                "details": {"newPassword": "New password must be at least 8 characters."}}


class GatewayCookie(Gateway):
    """The cookie site: the token travels in the HttpOnly `token` cookie both ways."""
    site = "gateway-cookie"

    def site_name(self):
        return "gateway"

    def deleted_cookie(self):
        return "token="

    def session_of(self, reply):
        return Session(None, reply.cookie("token"))

    def auth_headers(self, session):
        return {"Cookie": "token=" + session.cookie}

    def session_after(self, reply):
        [set_cookie] = [v for v in reply.headers_named("Set-Cookie") if v.startswith("token=")]
        assert set_cookie.endswith("; HttpOnly; Secure; SameSite=Strict; Path=/"), set_cookie
        return Session(None, reply.cookie("token"))

    def changed_body(self, reply):
        body = reply.json()
        assert body == {"message": "Password changed"}, body
        return body["message"]


class Fastapi(Site):
    site = "fastapi"
    register_path = "/api/auth/register"
    login_path = "/api/auth/token"
    second_factor_path = "/api/auth/token/second-factor"
    factor_names = SNAKE_FACTOR_NAMES
    error_key = "detail"
    weak = "abc12"  # register's minimum is 6
    changed_message = "Password updated successfully"
    refused_body = {"detail": "Incorrect password"}
    delete_refused_body = {"detail": "Incorrect password"}
    deleted_body = {"message": "Account deleted successfully"}
    throttled_body = {"detail": "Too many password attempts, try again later"}
    unauthenticated_body = {"detail": "Could not validate credentials"}
    session_not_found_body = {"detail": "Session not found"}
    session_keys = ("id", "created_at", "last_used_at", "expires_at", "user_agent", "ip_address",
                    "current")
    session_id_field = "session_id"
    new_email_field = "new_email"
    email_changed_body = {"message": "Email changed successfully"}
    email_refused_body = {"detail": "Incorrect password"}
    confirm_invalid_body = {"detail": "Invalid or expired token"}
    email_taken_body = {"detail": "Email already registered"}
    unchanged_status = 422

    def register_body(self, email, password):
        return {"username": unique("u"), "email": email, "password": password}

    def unchanged_refusal(self, reply):
        assert reply.status == 422, reply
        assert reply.json() == {"detail": [{
            "loc": ["body", "new_email"], "msg": "new email is the same as the current one",
            "type": "value_error"}]}

    def session_of(self, reply):
        return Session(reply.json()["access_token"])

    def change_body(self, current, new, confirm=None):
        return {"current_password": current, "new_password": new}

    def session_after(self, reply):
        return Session(reply.json()["access_token"])

    def changed_body(self, reply):
        body = reply.json()
        assert set(body) == {"message", "access_token", "token_type"}, body
        assert body["token_type"] == "Bearer"
        return body["message"]

    def weak_refusal(self, reply):
        assert reply.status == 422, reply
        assert reply.json() == {"detail": [{
            "loc": ["body", "new_password"], "msg": "ensure this value has at least 6 characters",
            "type": "value_error.any_str.min_length", "ctx": {"limit_value": 6}}]}


class Verified(Site):
    site = "verified"
    register_path = "/api/auth/register"
    error_key = "message"
    refused_body = {"message": "Current password is incorrect"}
    delete_refused_body = {"message": "Password is incorrect"}
    throttled_body = {"message": "Too many password attempts, try again later"}
    unauthenticated_body = {"message": "Not authenticated"}
    session_not_found_body = {"message": "Session not found"}
    email_refused_body = {"message": "Password is incorrect"}
    confirm_invalid_body = {"message": "Invalid or expired confirmation token"}
    email_taken_body = {"message": "Email already in use"}

    def register_body(self, email, password):
        return {"email": email, "password": password, "confirmPassword": password}

    def unchanged_refusal(self, reply):
        assert reply.status == 400, reply
        body = reply.json()
        assert body["message"] == "Validation failed" and body["details"] == body["errors"], body
        assert body["details"] == {"newEmail": "New email is the same as the current one"}, body

    def new_account(self, password=OLD):
        email = super().new_account(password)
        [mail] = self.stack.wait_for_mail(email)
        assert self.client.get(verify_call(mail)).status == 200
        return email

    def change_body(self, current, new, confirm=None):
        return {"currentPassword": current, "newPassword": new,
                "confirmPassword": new if confirm is None else confirm}

    def changed_body(self, reply):
        body = reply.json()
        assert set(body) == {"message", "token"}, body
        return body["message"]

    def weak_refusal(self, reply):
        assert reply.status == 400, reply
        body = reply.json()
        assert body["message"] == "Validation failed" and body["details"] == body["errors"], body
        assert body["details"]["newPassword"] == "New password must be at least 8 characters", body


class Storefront(Site):
    site = "storefront"
    changed_message = "Password changed successfully"
    error_key = "message"
    refused_body = {"message": "Current password is incorrect"}
    delete_refused_body = {"message": "Password is incorrect"}
    deleted_body = {"message": "Account deleted successfully"}
    throttled_body = {"message": "Too many password attempts, try again later"}
    unauthenticated_body = {"message": "Not authenticated"}
    session_not_found_body = {"message": "Session not found"}
    email_changed_body = {"message": "Email changed successfully"}
    email_refused_body = {"message": "Password is incorrect"}
    confirm_invalid_body = {"message": "Invalid or expired confirmation token"}
    email_taken_body = {"message": "Email already exists"}

    def unchanged_refusal(self, reply):
        assert reply.status == 400, reply
        assert reply.json() == {"message": "Validation failed",
                                "errors": {"newEmail": "New email is the same as the current one"}}

    @property
    def register_path(self):
        return f"/api/auth/{self.kind}/register"

    @property
    def login_path(self):
        return f"/api/auth/{self.kind}/login"

    def session_of(self, reply):
        return Session(reply.json()["accessToken"], reply.cookie("refreshToken"))

    def session_after(self, reply):
        [set_cookie] = [v for v in reply.headers_named("Set-Cookie") if v.startswith("refreshToken=")]
        assert set_cookie.endswith("; HttpOnly; Secure; SameSite=Strict; Path=/api/auth; Max-Age=604800")
        return self.session_of(reply)

    def changed_body(self, reply):
        body = reply.json()
        assert set(body) == {"message", "accessToken"}, body
        return body["message"]

    def deleted_cookie(self):
        return "refreshToken="

    def refresh(self, session):
        return self.client.request("POST", "/api/auth/refresh",
                                   headers={"Cookie": "refreshToken=" + session.cookie})

    def weak_refusal(self, reply):
        assert reply.status == 400, reply
        assert reply.json() == {"message": "Validation failed",
                                "errors": {"newPassword": "New password must be at least 8 characters"}}


class Merchant(Storefront):
    kind = "merchant"

    def register_body(self, email, password):
        return {"email": email, "password": password, "storeName": "Hale Hardware"}


class Customer(Storefront):
    kind = "customer"

    def register_body(self, email, password):
        return {"email": email, "password": password, "firstName": "Gina", "lastName": "Hale"}


ADAPTERS = {"gateway": Gateway, "gateway-cookie": GatewayCookie, "fastapi": Fastapi,
            "verified": Verified, "merchant": Merchant, "customer": Customer}
