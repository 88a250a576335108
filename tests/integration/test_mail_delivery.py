"""Mail leaves the process for real: SMTP (libcurl) to an aiosmtpd server on loopback, and the
sendmail pipe. Requests never wait for delivery; nothing is lost while the server is down."""
import email
import email.policy
import os
import stat
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from conftest import Stack, free_port, unique, verify_call

PASSWORD = "uncommon-pass-123"


class Inbox:
    """An aiosmtpd handler keeping every accepted message."""

    def __init__(self, reject_with=None):
        self.messages = []
        self.reject_with = reject_with
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_with:
            return self.reject_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                  email.message_from_bytes(envelope.original_content, policy=email.policy.default),
                                  getattr(session, "authenticated", False)))
        return "250 Message accepted"

    def wait_for(self, to, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                found = [m for m in self.messages if to in m[1]]
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no SMTP message to {to} within {timeout} s")


def smtp_server(port, handler, **kw):
    c = Controller(handler, hostname="127.0.0.1", port=port, **kw)
    c.start()
    return c


def register(client, address):
    return client.post("/api/auth/register", json={"email": address, "password": PASSWORD,
                                                   "confirmPassword": PASSWORD})


def outbox_rows(stack, address):
    with stack.db() as db:
        return [dict(r) for r in db.execute("SELECT * FROM outbox WHERE recipient = ?", (address,))]


def test_smtp_delivers_the_verification_mail_and_its_link_works():
    port = free_port()
    inbox = Inbox()
    server = smtp_server(port, inbox)
    s = Stack({"mail_transport": f"smtp://127.0.0.1:{port}", "mail_from": "Auth <auth@example.org>"}).start()
    try:
        c = s.client("verified")
        address = f"{unique('smtp')}@example.com"
        assert register(c, address).status == 201
        [(mail_from, rcpts, message, _)] = inbox.wait_for(address)
        assert mail_from == "auth@example.org" and rcpts == [address]
        assert message["From"] == "Auth <auth@example.org>"
        assert message["Message-ID"].endswith("@example.org>")
        assert message.get_content_type() == "multipart/alternative"
        assert c.get(verify_call(message)).status == 200
        assert c.post("/api/auth/login", json={"email": address, "password": PASSWORD}).status == 200
        assert outbox_rows(s, address)[0]["status"] == "sent"
        assert not os.listdir(os.path.join(s.data, "mail"))  # nothing went to the dir transport
    finally:
        s.stop()
        s.cleanup()
        server.stop()


def test_registration_does_not_wait_for_a_dead_smtp_server_and_the_mail_arrives_later():
    port = free_port()  # nothing listens yet
    # Cheap hashes: the registration's time is then the mail's part of it, on a busy machine too.
    s = Stack({"mail_transport": f"smtp://127.0.0.1:{port}", "argon2_opslimit": "1",
               "argon2_memlimit_kib": "1024"}).start()
    server = None
    try:
        c = s.client("verified")
        address = f"{unique('down')}@example.com"
        started = time.time()
        assert register(c, address).status == 201
        # Answered although nothing listens, and without retrying inside the request (the
        # worker's first retry comes 5 s later).
        assert time.time() - started < 4
        deadline = time.time() + 10
        while not (outbox_rows(s, address) and outbox_rows(s, address)[0]["last_error"]):
            assert time.time() < deadline, "the worker never tried"
            time.sleep(0.05)
        [row] = outbox_rows(s, address)
        assert row["status"] == "pending" and row["attempts"] >= 1
        # A restart loses nothing: the queued mail survives in the database.
        s.stop_latchkey()
        s.start_latchkey()
        inbox = Inbox()
        server = smtp_server(port, inbox)
        [(_, _, message, _)] = inbox.wait_for(address, timeout=40)
        assert c.get(verify_call(message)).status == 200
        assert outbox_rows(s, address)[0]["status"] == "sent"
    finally:
        s.stop()
        s.cleanup()
        if server:
            server.stop()


def test_a_permanent_smtp_rejection_is_marked_failed_without_retries():
    port = free_port()
    inbox = Inbox(reject_with="550 No such mailbox")
    server = smtp_server(port, inbox)
    s = Stack({"mail_transport": f"smtp://127.0.0.1:{port}"}).start()
    try:
        c = s.client("verified")
        address = f"{unique('rejected')}@example.com"
        assert register(c, address).status == 201
        deadline = time.time() + 15
        while outbox_rows(s, address)[0]["status"] != "failed":
            assert time.time() < deadline, outbox_rows(s, address)
            time.sleep(0.05)
        [row] = outbox_rows(s, address)
        # One attempt only; the sealed content stays for `latchkey outbox retry` (test_admin_cli).
        assert row["attempts"] == 1 and row["sealed_message"] is not None
        assert "550" in row["last_error"] or "Recipient" in row["last_error"] or row["last_error"]
    finally:
        s.stop()
        s.cleanup()
        server.stop()


def test_smtp_auth_credentials_from_the_url_are_used():
    port = free_port()
    inbox = Inbox()
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((mechanism, auth_data.login, auth_data.password))
        ok = auth_data.login == b"mailer" and auth_data.password == b"s3cret"
        return AuthResult(success=ok)

    server = smtp_server(port, inbox, authenticator=authenticator, auth_require_tls=False)
    s = Stack({"mail_transport": f"smtp://mailer:s3cret@127.0.0.1:{port}"}).start()
    try:
        c = s.client("verified")
        address = f"{unique('auth')}@example.com"
        assert register(c, address).status == 201
        [(_, _, _, authenticated)] = inbox.wait_for(address)
        assert authenticated
        assert seen and seen[0][1:] == (b"mailer", b"s3cret")
    finally:
        s.stop()
        s.cleanup()
        server.stop()


def test_sendmail_transport_pipes_the_message_to_sendmail_t_i(tmp_path):
    captured = tmp_path / "captured"
    fake = tmp_path / "sendmail"
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$*\" > {captured}.args\ncat > {captured}.eml\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC | stat.S_IXOTH | stat.S_IXGRP)
    s = Stack({"mail_transport": "sendmail", "sendmail_path": str(fake)}).start()
    try:
        c = s.client("verified")
        address = f"{unique('sm')}@example.com"
        assert register(c, address).status == 201
        deadline = time.time() + 10
        while not os.path.exists(f"{captured}.eml") or outbox_rows(s, address)[0]["status"] != "sent":
            assert time.time() < deadline
            time.sleep(0.05)
        assert open(f"{captured}.args").read().strip() == "-t -i"
        message = email.message_from_bytes(open(f"{captured}.eml", "rb").read(), policy=email.policy.default)
        assert message["To"] == address
        assert c.get(verify_call(message)).status == 200
    finally:
        s.stop()
        s.cleanup()


def test_template_files_override_the_built_in_mail_per_site(tmp_path):
    (tmp_path / "verified").mkdir()
    (tmp_path / "verified" / "verify_email.subject").write_text("Bienvenue {{name}}\n")
    (tmp_path / "verify_email.txt").write_text("Lien : {{link}}\n")
    s = Stack({"template_dir": str(tmp_path)}).start()
    try:
        c = s.client("verified")
        address = f"{unique('tpl')}@example.com"
        r = c.post("/api/auth/register", json={"email": address, "password": PASSWORD,
                                               "confirmPassword": PASSWORD, "firstName": "Zoé"})
        assert r.status == 201
        [message] = s.wait_for_mail(address)
        assert message["Subject"] == "Bienvenue Zoé"
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert text.startswith("Lien : http://127.0.0.1:")
        assert c.get(verify_call(message)).status == 200
    finally:
        s.stop()
        s.cleanup()
