"""Graceful behaviour under operations and faults: SIGHUP reloads the configuration and reopens
the log without dropping a request, a read-only or full store answers 503 JSON with a clear log
line, and several processes on one database file (spawn-fcgi -F) never show SQLITE_BUSY."""
import base64
import concurrent.futures
import json
import os
import signal
import subprocess
import threading
import time


from conftest import BIN, Stack, sqlite_only, unique

PASSWORD = "graceful-pass-1"


def claims(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def fastapi_token(client):
    email = f"{unique('hup')}@example.com"
    r = client.post("/api/auth/register", json={"username": unique("u"), "email": email, "password": PASSWORD})
    assert r.status == 201, r
    r = client.post("/api/auth/token", json={"email": email, "password": PASSWORD})
    assert r.status == 200, r
    return r.json()["access_token"]


def wait_for_log(stack, text, timeout=10):
    deadline = time.time() + timeout
    while text not in stack.read_log():
        assert time.time() < deadline, f"no {text!r} in the log:\n{stack.read_log()[-2000:]}"
        time.sleep(0.05)


def wait_for_log_count(stack, text, count, timeout=10):
    deadline = time.time() + timeout
    while stack.read_log().count(text) < count:
        assert time.time() < deadline, f"fewer than {count} {text!r} in the log:\n{stack.read_log()[-2000:]}"
        time.sleep(0.02)


def test_sighup_reloads_the_configuration_without_dropping_a_request():
    """Several reloads under constant reads: no request may fail. (A worker woken by a signal
    inside libfcgi's accept closed the connection nginx had just handed over: a rare 503.)"""
    s = Stack(config_text="access_token_ttl = 600\n").start()
    try:
        c = s.client("fastapi")
        token = fastapi_token(c)
        assert claims(token)["exp"] - claims(token)["iat"] == 600
        pid = s.proc.pid
        statuses = []
        stop = threading.Event()

        def read_me():
            client = s.client("fastapi")
            while not stop.is_set():
                statuses.append(client.get("/api/auth/me", headers={"Authorization": "Bearer " + token}).status)

        readers = [threading.Thread(target=read_me) for _ in range(8)]
        for t in readers:
            t.start()
        try:
            time.sleep(0.3)
            for n in range(1, 11):
                s.write_config(f"access_token_ttl = {120 if n % 2 else 600}\n")
                s.proc.send_signal(signal.SIGHUP)
                wait_for_log_count(s, "starting again with the new configuration", n)
                wait_for_log_count(s, '"serving"', n + 1)
                time.sleep(0.2)
        finally:
            stop.set()
            for t in readers:
                t.join()
        assert s.proc.pid == pid and s.proc.poll() is None, "the same process serves on"
        with open(f"/proc/{pid}/comm") as f:
            assert f.read().strip() == os.path.basename(BIN)[:15], "ps still names it (not exe)"
        assert len(statuses) > 20 and set(statuses) == {200}, sorted(set(statuses))
        token = fastapi_token(c)
        assert claims(token)["exp"] - claims(token)["iat"] == 600, "the last setting applies"
    finally:
        s.stop()
        s.cleanup()


def test_sighup_with_an_invalid_configuration_keeps_serving_the_old_one():
    s = Stack(config_text="access_token_ttl = 600\n").start()
    try:
        c = s.client("fastapi")
        s.write_config("access_token_ttl = soon\n")
        s.proc.send_signal(signal.SIGHUP)
        wait_for_log(s, "reload refused")
        assert "access_token_ttl" in s.read_log()
        token = fastapi_token(c)
        assert claims(token)["exp"] - claims(token)["iat"] == 600
    finally:
        s.stop()
        s.cleanup()


def test_sighup_reopens_a_rotated_log_file():
    s = Stack()
    log_file = os.path.join(s.dir, "service.log")
    s.config_text = f"log_file = {log_file}\n"
    s.start()
    try:
        c = s.client("fastapi")
        assert c.get("/api/auth/me").status == 401
        with open(log_file) as f:
            assert '"msg":"serving"' in f.read()
        os.rename(log_file, log_file + ".1")  # what logrotate does before it signals
        s.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while not os.path.exists(log_file):
            assert time.time() < deadline, "the log file was not reopened"
            time.sleep(0.05)
        assert c.get("/api/auth/me").status == 401
        with open(log_file + ".1") as f:
            assert "reloading" in f.read()
        with open(log_file) as f:
            assert '"msg":"serving"' in f.read()
    finally:
        s.stop()
        s.cleanup()


def test_sigterm_during_a_reload_still_stops_cleanly():
    s = Stack(config_text="threads = 4\n").start()
    try:
        s.proc.send_signal(signal.SIGHUP)
        time.sleep(0.05)
    finally:
        s.stop()  # asserts exit 0 and no sanitizer report
        s.cleanup()


@sqlite_only
def test_a_full_disk_answers_503_json_logs_why_and_recovers():
    """A file-size limit on the process makes every write past 4 KiB fail as a full disk would
    (EFBIG, SQLite's I/O error): writes answer 503 in each contract's shape, reads go on."""
    import resource
    s = Stack().start()
    try:
        gateway, fastapi, booking = s.client("gateway"), s.client("fastapi"), s.client("booking")
        token = fastapi_token(fastapi)
        _, hard = resource.prlimit(s.proc.pid, resource.RLIMIT_FSIZE)
        resource.prlimit(s.proc.pid, resource.RLIMIT_FSIZE, (4096, hard))  # the soft limit only
        try:
            body = {"firstName": "A", "lastName": "B", "email": f"{unique('full')}@example.com",
                    "password": PASSWORD}
            r = gateway.post("/api/auth/register", json=body)
            assert r.status == 503 and r.json()["error"]["message"] == "Auth service unavailable", r
            assert r.header("Retry-After"), r.headers
            r = fastapi.post("/api/auth/register", json={"username": unique("u"), "email": body["email"],
                                                         "password": PASSWORD})
            assert r.status == 503 and "detail" in r.json(), r
            r = booking.request("POST", "/cognito", body=json.dumps({
                "ClientId": "demo", "Username": body["email"],
                "UserAttributes": [{"Name": "email", "Value": body["email"]}]}),
                headers={"Content-Type": "application/x-amz-json-1.1",
                         "X-Amz-Target": "AWSCognitoIdentityProviderService.SignUp"})
            assert r.status == 503 and r.json()["__type"].endswith("ServiceUnavailableException"), r
            assert fastapi.get("/api/auth/me", headers={"Authorization": "Bearer " + token}).status == 200
            assert "database unavailable" in s.read_log()
        finally:
            resource.prlimit(s.proc.pid, resource.RLIMIT_FSIZE, (hard, hard))
        r = gateway.post("/api/auth/register", json=body)
        assert r.status == 201, r
        with s.db() as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert db.execute("SELECT COUNT(*) FROM accounts WHERE email = ?", (body["email"],)).fetchone()[0] == 1
    finally:
        s.stop()
        s.cleanup()


@sqlite_only
def test_many_processes_on_one_database_never_answer_busy():
    """spawn-fcgi -F 3: three processes share the socket and the database file."""
    from conftest import BIN
    s = Stack()
    group = ["-G", "nogroup"] if os.geteuid() == 0 else []
    env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
    with open(s.log_path, "ab") as log:
        subprocess.run(["spawn-fcgi", "-F", "3", "-s", s.socket, "-M", "0660", *group, "--", BIN, "serve",
                        "--data-dir", s.data, "--set", "threads=4", "--set", "hash_queue_max=64",
                        "--set", "hash_queue_ms=60000"],
                       check=True, stdout=log, stderr=log, env=env)
    s.start_nginx()
    try:
        c = s.client("storefront")

        def register(i):
            return c.post("/api/auth/customer/register", json={
                "email": f"{unique('many')}x{i}@example.com", "password": PASSWORD,
                "firstName": "A", "lastName": "B"}).status

        def refresh_chain(i):
            r = c.post("/api/auth/customer/register", json={
                "email": f"{unique('chain')}x{i}@example.com", "password": PASSWORD,
                "firstName": "A", "lastName": "B"})
            assert r.status == 201, r
            token = None
            out = []
            for _ in range(20):
                token = r.cookie("refreshToken") or token
                r = c.request("POST", "/api/auth/refresh", headers={"Cookie": f"refreshToken={token}"})
                out.append(r.status)
            return out

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            registered = list(pool.map(register, range(60)))
            chains = list(pool.map(refresh_chain, range(8)))
        assert set(registered) == {201}, registered
        assert all(set(chain) == {200} for chain in chains), chains
        log = s.read_log()
        assert "SQLITE_BUSY" not in log and "database is locked" not in log and "internal failure" not in log
        pids = subprocess.run(["pgrep", "-f", "--", "--data-dir " + s.data], capture_output=True,
                              text=True).stdout.split()
        assert len(pids) == 3, pids
    finally:
        s.stop_nginx()
        pids = subprocess.run(["pgrep", "-f", "--", "--data-dir " + s.data], capture_output=True,
                              text=True).stdout.split()
        for pid in pids:
            os.kill(int(pid), signal.SIGTERM)
        deadline = time.time() + 30
        while subprocess.run(["pgrep", "-f", "--", "--data-dir " + s.data], capture_output=True).returncode == 0:
            assert time.time() < deadline, "the spawn-fcgi children did not stop on SIGTERM"
            time.sleep(0.05)
        log = s.read_log()
        assert "Sanitizer" not in log and "runtime error:" not in log, log[-3000:]
        s.cleanup()
