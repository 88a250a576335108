"""The administration commands against the database of a running service, through which the
effects are checked: a disabled account cannot log in and its tokens stop working, a new password
ends sessions, revoked families stop refreshing, failed mail can be retried and purged."""
import json


from conftest import unique, verify_call

PASSWORD = "admin-cli-pass-1"


def latchkey(stack, *args, stdin=None, check=True):
    return stack.cli(*args, stdin=stdin, check=check)


def storefront_customer(stack):
    c = stack.client("storefront")
    email = f"{unique('adm')}@example.com"
    r = c.post("/api/auth/customer/register", json={"email": email, "password": PASSWORD,
                                                    "firstName": "A", "lastName": "D"})
    assert r.status == 201, r
    return email, r.json()["accessToken"], r.cookie("refreshToken")


def me(stack, token):
    return stack.client("storefront").get("/api/auth/me", headers={"Authorization": "Bearer " + token})


def refresh(stack, token):
    return stack.client("storefront").request("POST", "/api/auth/refresh",
                                              headers={"Cookie": f"refreshToken={token}"})


def test_user_list_and_show_as_table_and_json(stack):
    email, _, _ = storefront_customer(stack)
    table = latchkey(stack, "user", "list", "--site", "storefront").stdout
    assert table.splitlines()[0].split() == ["id", "public_id", "kind", "email", "verified", "disabled", "created"]
    assert email in table
    [shown] = json.loads(latchkey(stack, "user", "show", email, "--site", "storefront", "--json").stdout)
    assert shown["email"] == email and shown["kind"] == "customer" and shown["disabled"] == "no"


def test_disable_ends_tokens_and_logins_and_enable_restores_logins(stack):
    email, access, refresh_token = storefront_customer(stack)
    assert me(stack, access).status == 200
    latchkey(stack, "user", "disable", email, "--site", "storefront", "--kind", "customer")
    assert me(stack, access).status == 401
    assert refresh(stack, refresh_token).status == 401
    login = lambda: stack.client("storefront").post(  # noqa: E731
        "/api/auth/customer/login", json={"email": email, "password": PASSWORD}, source="127.3.0.2")
    assert login().status == 401
    latchkey(stack, "user", "enable", email, "--site", "storefront")
    assert login().status == 200


def test_create_then_log_in_through_the_contract(stack):
    email = f"{unique('made')}@example.com"
    r = latchkey(stack, "user", "create", email, "--site", "fastapi", "--username", unique("made"),
                 "--password-stdin", "--json", stdin="created-by-admin-1\n")
    [created] = json.loads(r.stdout)
    assert created["email"] == email
    r = stack.client("fastapi").post("/api/auth/token", json={"email": email, "password": "created-by-admin-1"})
    assert r.status == 200, r
    again = latchkey(stack, "user", "create", email, "--site", "fastapi", "--password-stdin",
                     stdin="created-by-admin-1\n", check=False)
    assert again.returncode == 1 and "exists" in again.stderr


def test_set_password_ends_sessions_and_the_new_one_works(stack):
    email, access, refresh_token = storefront_customer(stack)
    latchkey(stack, "user", "set-password", email, "--site", "storefront", "--password-stdin",
             stdin="a-brand-new-pass\n")
    assert me(stack, access).status == 401
    assert refresh(stack, refresh_token).status == 401
    r = stack.client("storefront").post("/api/auth/customer/login", json={"email": email, "password": "a-brand-new-pass"},
                                        source="127.3.0.3")
    assert r.status == 200, r


def test_verify_and_delete(stack):
    email = f"{unique('vd')}@example.com"
    v = stack.client("verified")
    assert v.post("/api/auth/register", json={"email": email, "password": PASSWORD,
                                              "confirmPassword": PASSWORD}).status == 201
    assert v.post("/api/auth/login", json={"email": email, "password": PASSWORD}).status == 403
    latchkey(stack, "user", "verify", email, "--site", "verified")
    assert v.post("/api/auth/login", json={"email": email, "password": PASSWORD}).status == 200
    latchkey(stack, "user", "delete", email, "--site", "verified")
    assert v.post("/api/auth/login", json={"email": email, "password": PASSWORD}).status == 401
    missing = latchkey(stack, "user", "show", email, "--site", "verified", check=False)
    assert missing.returncode == 1 and "no account" in missing.stderr


def test_session_list_and_revoke_one_family_or_all_of_a_user(stack):
    email, _, first = storefront_customer(stack)
    second = stack.client("storefront").post("/api/auth/customer/login", json={"email": email, "password": PASSWORD},
                                             source="127.3.0.4")
    second = second.cookie("refreshToken")
    families = json.loads(latchkey(stack, "session", "list", "--site", "storefront", "--email", email, "--json").stdout)
    assert len(families) == 2 and all(f["revoked"] == "-" for f in families)
    latchkey(stack, "session", "revoke", "--site", "storefront", "--family", families[-1]["family"])
    statuses = sorted([refresh(stack, first).status, refresh(stack, second).status])
    assert statuses == [200, 401], statuses
    latchkey(stack, "session", "revoke", "--site", "storefront", "--email", email)
    assert json.loads(latchkey(stack, "session", "list", "--site", "storefront", "--email", email, "--json").stdout) == []
    assert [refresh(stack, first).status, refresh(stack, second).status] == [401, 401]
    ended = json.loads(latchkey(stack, "session", "list", "--site", "storefront", "--email", email, "--all", "--json").stdout)
    assert len(ended) == 2 and {f["reason"] for f in ended} == {"admin"}


def test_outbox_list_shows_sent_mail_without_its_content(stack):
    email = f"{unique('ob')}@example.com"
    assert stack.client("verified").post("/api/auth/register", json={
        "email": email, "password": PASSWORD, "confirmPassword": PASSWORD}).status == 201
    stack.wait_for_mail(email)
    rows = json.loads(latchkey(stack, "outbox", "list", "--json").stdout)
    [mine] = [r for r in rows if r["recipient"] == email]
    assert mine["status"] == "sent" and mine["kind"] == "verify_email" and mine["sent"] != "-"
    assert set(mine) == {"id", "site", "kind", "recipient", "status", "attempts", "created", "sent", "error"}


def test_outbox_retry_requeues_failed_mail_and_purge_deletes_it():
    """SMTP refuses every connection and one attempt is allowed: the mail fails for good, keeps
    its sealed content, and `retry` queues it again (it fails again here, one attempt later)."""
    import time
    from conftest import Stack
    s = Stack({"mail_transport": "smtp://127.0.0.1:9", "mail_max_attempts": "1"}).start()
    try:
        email = f"{unique('fail')}@example.com"
        assert s.client("verified").post("/api/auth/register", json={
            "email": email, "password": PASSWORD, "confirmPassword": PASSWORD}).status == 201

        def failed_rows():
            return [r for r in json.loads(latchkey(s, "outbox", "list", "--status", "failed", "--json").stdout)
                    if r["recipient"] == email]

        deadline = time.time() + 30
        while not failed_rows():
            assert time.time() < deadline, "the mail never failed"
            time.sleep(0.1)
        [row] = failed_rows()
        assert row["attempts"] == "1" and row["error"] != "-"
        r = latchkey(s, "outbox", "retry", row["id"])
        assert "1 failed mail(s) queued again" in r.stderr
        with s.db() as db:
            attempts_after_retry = db.execute("SELECT attempts, status FROM outbox WHERE id = ?", (row["id"],)).fetchone()
        assert tuple(attempts_after_retry) in ((0, "pending"), (1, "sending"), (1, "failed")), tuple(attempts_after_retry)
        deadline = time.time() + 30
        while not failed_rows():
            assert time.time() < deadline, "the retried mail was not attempted again"
            time.sleep(0.1)
        time.sleep(1.1)  # purge takes rows created before the cut-off second
        assert "purged 1 " in latchkey(s, "outbox", "purge", "--older-than-days", "0").stderr
        assert not [r for r in json.loads(latchkey(s, "outbox", "list", "--json").stdout) if r["recipient"] == email]
        assert latchkey(s, "outbox", "retry", "999999", check=False).returncode == 1
    finally:
        s.stop()
        s.cleanup()


def test_bad_usage_is_exit_2(stack):
    assert latchkey(stack, "user", "list", check=False).returncode == 2
    assert latchkey(stack, "session", "revoke", "--site", "storefront", check=False).returncode == 2
    assert latchkey(stack, "outbox", "frobnicate", check=False).returncode == 2


# --- the audit log ---------------------------------------------------------------------------------

def audit(stack, *filters):
    return json.loads(latchkey(stack, "audit", *filters, "--json").stdout)


def test_logins_are_audited_with_address_and_user_agent_and_no_secret(stack):
    email, _, _ = storefront_customer(stack)
    c = stack.client("storefront")
    ua = {"User-Agent": "AuditTest/1.0"}
    assert c.request("POST", "/api/auth/customer/login", json_body={"email": email, "password": "wrong-password-9"},
                     headers=ua, source="127.4.0.7").status == 401
    assert c.request("POST", "/api/auth/customer/login", json_body={"email": email, "password": PASSWORD},
                     headers=ua, source="127.4.0.8").status == 200
    events = audit(stack, "--site", "storefront", "--email", email)
    assert [e["event"] for e in events] == ["login.success", "login.failure", "register"], events
    assert events[0]["ip"] == "127.4.0.8" and events[1]["ip"] == "127.4.0.7"
    assert events[0]["user_agent"] == "AuditTest/1.0" and events[0]["account"] != "-"
    with stack.db() as db:
        everything = " ".join(str(v) for row in db.execute("SELECT * FROM audit_events") for v in tuple(row))
    assert PASSWORD not in everything and "wrong-password-9" not in everything


def test_admin_actions_are_audited_from_the_cli(stack):
    email, _, _ = storefront_customer(stack)
    latchkey(stack, "user", "disable", email, "--site", "storefront")
    latchkey(stack, "user", "enable", email, "--site", "storefront")
    events = audit(stack, "--site", "storefront", "--email", email, "--limit", "2")
    assert [e["event"] for e in events] == ["admin.enable", "admin.disable"]
    assert {e["ip"] for e in events} == {"cli"}


def test_verification_reset_and_logout_are_audited(stack):
    email = f"{unique('ev')}@example.com"
    v = stack.client("verified")
    assert v.post("/api/auth/register", json={"email": email, "password": PASSWORD, "confirmPassword": PASSWORD}).status == 201
    [mail] = stack.wait_for_mail(email)
    assert v.get(verify_call(mail)).status == 200
    events = audit(stack, "--site", "verified", "--event", "verify", "--limit", "1")
    [account_id] = [str(r[0]) for r in stack.db().execute("SELECT id FROM accounts WHERE email = ?", (email,))]
    assert events[0]["account"] == account_id
    f = stack.client("fastapi")
    name = unique("lo")
    assert f.post("/api/auth/register", json={"username": name, "email": f"{name}@example.com", "password": PASSWORD}).status == 201
    token = f.post("/api/auth/token", json={"email": f"{name}@example.com", "password": PASSWORD}).json()["access_token"]
    assert f.request("POST", "/api/auth/logout", headers={"Authorization": "Bearer " + token}).status == 200
    assert [e["event"] for e in audit(stack, "--site", "fastapi", "--email", f"{name}@example.com")] == \
        ["logout", "login.success", "register"]


def test_refresh_reuse_is_audited_and_old_events_are_pruned():
    import time
    from conftest import Stack
    s = Stack({"refresh_reuse_grace": "1", "audit_retention_days": "1"}).start()
    try:
        rw = s.db(writable=True)
        rw.execute("INSERT INTO audit_events(at, site, event) VALUES (?, 'storefront', 'ancient')",
                   (int(time.time()) - 3 * 86400,))
        rw.commit()
        rw.close()
        email, _, first = storefront_customer(s)
        assert refresh(s, first).status == 200
        time.sleep(2.2)
        assert refresh(s, first).status == 401
        events = audit(s, "--site", "storefront")
        assert "refresh.reuse" in [e["event"] for e in events], events
        assert "ancient" not in [e["event"] for e in events]
    finally:
        s.stop()
        s.cleanup()
