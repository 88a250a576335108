"""Attack catalogue, secrets and trust: what an outsider can learn from the logs the operator keeps,
and where a mailed link can be made to point. Anchors: OWASP ASVS 5.0 V16.2.5 (no secrets in
logs), V14.2.1 (no sensitive data in URLs that reach logs), and the Host-header poisoning of reset
links (OWASP WSTG-INPV-17).

Every case runs through real nginx against the real process, on SQLite and on PostgreSQL."""
import os
import re
import time

from conftest import mailed_link, mailed_token, unique, verify_call

PASSWORD = "Password123!"


def register_verified(stack, email):
    c = stack.client("verified")
    r = c.post("/api/auth/register", json={"email": email, "password": PASSWORD,
                                           "confirmPassword": PASSWORD, "firstName": "Ada",
                                           "lastName": "Lovelace"})
    assert r.status == 201, r
    return c, stack.wait_for_mail(email)[0]


def audit_text(stack):
    db = stack.db()
    try:
        rows = db.execute("SELECT * FROM audit_events").fetchall()
    finally:
        db.close()
    return "\n".join(" ".join(str(v) for v in row) for row in rows)


def access_log(stack):
    """nginx's access log with every request so far in it. The log is buffered (flush=1s, as
    shipped): a request for a marker path follows them, and the log is read once it is there."""
    marker = f"/_flushed/{unique('marker')}"
    stack.client("verified").get(marker)
    deadline = time.time() + 15
    while True:
        with open(os.path.join(stack.ngx, "access.log"), errors="replace") as f:
            text = f.read()
        if marker in text or time.time() > deadline:
            assert marker in text, "nginx did not flush its access log within 15 s"
            return text
        time.sleep(0.1)


def test_tokens_and_links_reach_no_log_audit_row_or_metric(stack):
    """A verification and a reset token, each followed as the frontend follows it (the landing
    page's URL, then the API call carrying the token in its query or body): neither the token nor
    its link appears in the service's log, nginx's access log, the audit table or the metrics."""
    email = f"{unique('secret')}@example.com"
    c, verification = register_verified(stack, email)
    verify_token = mailed_token(verification)
    # What the browser loads (the demo page) and what the page then calls.
    assert c.get("/verify-email?token=" + verify_token).status == 200
    r = c.get(verify_call(verification))
    assert r.status == 200, r
    assert c.post("/api/auth/forgot", json={"email": email}).status == 200
    reset_mail = stack.wait_for_mail(email, count=2)[-1]
    reset_token = mailed_token(reset_mail)
    assert c.get("/reset-password?token=" + reset_token,
                 headers={"Referer": "http://127.0.0.1/reset-password?token=" + reset_token}).status == 200
    r = c.post("/api/auth/reset", json={"token": reset_token, "password": "Another-pass-1",
                                        "confirmPassword": "Another-pass-1"},
               headers={"Referer": "http://127.0.0.1/reset-password?token=" + reset_token})
    assert r.status == 200, r
    metrics = stack.client("ops").get("/_latchkey/metrics").body.decode()
    for token in (verify_token, reset_token):
        for where, text in (("service log", stack.read_log()), ("access log", access_log(stack)),
                            ("audit", audit_text(stack)), ("metrics", metrics)):
            assert token not in text, f"a mailed token is in the {where}"
    assert "token=" not in access_log(stack)
    # The paths are still logged: the operator loses nothing but the secret.
    assert "GET /api/auth/verify " in access_log(stack)
    assert "/reset-password" in access_log(stack)


def test_a_forged_host_header_cannot_aim_a_reset_link_elsewhere(stack):
    """The link base comes from the site's configuration (nginx's LATCHKEY_PUBLIC_URL), never from
    the Host header a client sends: otherwise whoever asks for a victim's reset link chooses the
    host the victim's click sends the token to."""
    email = f"{unique('host')}@example.com"
    c, verification = register_verified(stack, email)
    own = f"http://127.0.0.1:{stack.ports['verified']}/"
    assert mailed_link(verification).startswith(own + "verify-email?token=")
    for host in ("attacker.example", "attacker.example:8003", f"127.0.0.1:{stack.ports['verified']}@attacker.example"):
        r = c.post("/api/auth/forgot", json={"email": email}, headers={"Host": host})
        assert r.status == 200, r
    mails = stack.wait_for_mail(email, count=4)
    for mail in mails:
        link = mailed_link(mail)
        assert link.startswith(own), link
        assert "attacker" not in mail.get_body(preferencelist=("html",)).get_content()


def test_the_service_writes_no_core_dump_and_locks_its_keys_in_memory(stack):
    """A crash must not write the master key to disk: core dumps are off for the process, and the
    key material is locked in RAM (never swapped)."""
    pid = stack.proc.pid
    with open(f"/proc/{pid}/limits") as f:
        limits = f.read()
    core = re.search(r"^Max core file size\s+(\S+)\s+(\S+)", limits, re.M)
    assert core and core.groups() == ("0", "0"), limits
    if os.environ.get("LATCHKEY_SANITIZED") == "1":
        return  # AddressSanitizer makes mlock a no-op (it would pin its shadow memory)
    with open(f"/proc/{pid}/status") as f:
        status = f.read()
    locked_kib = int(re.search(r"^VmLck:\s+(\d+) kB", status, re.M).group(1))
    assert locked_kib > 0, status
