"""The process itself: FastCGI params, lifecycle, embedded defaults."""
import os
import stat

from conftest import BACKEND, Stack, sqlite_only, unique


@sqlite_only
def test_first_start_creates_the_embedded_defaults(stack):
    assert os.path.isfile(os.path.join(stack.data, "latchkey.db"))
    assert os.path.isdir(os.path.join(stack.data, "mail"))
    key = os.path.join(stack.data, "master.key")
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    with open(key) as f:
        assert len(f.read().strip()) == 64


def test_client_libraries_are_mapped_only_when_configured(stack):
    """libpq (the PostgreSQL store) and libcurl (SMTP delivery) and their TLS, Kerberos and LDAP
    libraries cost memory and start-up time: a process that does not use them never maps them."""
    stack.client("fastapi").get("/api/auth/me")  # the process has served a request
    with open(f"/proc/{stack.proc.pid}/maps") as f:
        mapped = f.read()
    assert "libcurl" not in mapped  # the suite's stack delivers mail to a directory
    if BACKEND == "postgresql":
        assert "libpq.so" in mapped
    else:
        assert "libpq.so" not in mapped and "libssl" not in mapped and "libkrb5" not in mapped


def test_socket_is_not_world_accessible(stack):
    mode = stat.S_IMODE(os.stat(stack.socket).st_mode)
    assert mode == 0o660


def test_request_without_contract_param_is_a_clear_500(stack):
    headers, body = stack.fastcgi_raw({"REQUEST_METHOD": "GET", "DOCUMENT_URI": "/api/auth/me",
                                       "LATCHKEY_SITE": "fastapi"})
    assert headers["status"].startswith("500")
    assert headers["content-type"] == "application/json"
    assert b"LATCHKEY_CONTRACT" in body
    assert "LATCHKEY_CONTRACT" in stack.read_log()


def test_request_without_site_param_is_a_clear_500(stack):
    headers, body = stack.fastcgi_raw({"REQUEST_METHOD": "GET", "DOCUMENT_URI": "/api/auth/me",
                                       "LATCHKEY_CONTRACT": "fastapi"})
    assert headers["status"].startswith("500")
    assert b"LATCHKEY_SITE" in body


def test_unknown_contract_is_a_clear_500(stack):
    headers, body = stack.fastcgi_raw({"REQUEST_METHOD": "GET", "DOCUMENT_URI": "/api/auth/me",
                                       "LATCHKEY_CONTRACT": "nope", "LATCHKEY_SITE": "x"})
    assert headers["status"].startswith("500")
    assert b"nope" in body


def test_sigterm_finishes_in_flight_requests_and_exits_zero():
    import threading
    s = Stack().start()
    try:
        c = s.client("fastapi")
        results = []

        def register(i):
            r = c.post("/api/auth/register", json={"username": unique("drain"),
                                                   "email": f"{unique('drain')}@example.com",
                                                   "password": "secret12"})
            results.append(r.status)

        threads = [threading.Thread(target=register, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        import time
        time.sleep(0.05)
        s.stop_latchkey()  # asserts exit code 0 and a clean log
        for t in threads:
            t.join()
        # Requests that reached the process were answered in full; any that arrived after the
        # socket closed got nginx's JSON 503, never a torn response.
        assert all(code in (201, 503) for code in results), results
        assert 201 in results
    finally:
        s.stop_nginx()
        s.cleanup()


def test_under_spawn_fcgi_it_serves_from_fd_0_and_stops_cleanly():
    s = Stack(spawn_fcgi=True).start()
    try:
        c = s.client("fastapi")
        name = unique("spawn")
        r = c.post("/api/auth/register", json={"username": name, "email": f"{name}@example.com",
                                               "password": "secret12"})
        assert r.status == 201, r
        assert "fd 0" in s.read_log()
        r = c.get("/api/auth/me")
        assert r.status == 401 and r.json() == {"detail": "Could not validate credentials"}
        # An inherited socket is not shut down (siblings may share it): idle workers are woken
        # one by one. Exit code 0 and a clean log are asserted by stop_latchkey.
        s.stop_latchkey()
    finally:
        s.stop_nginx()
        s.cleanup()


def test_migrate_command_creates_the_schema_and_is_idempotent(tmp_path):
    import subprocess
    env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
    from conftest import BIN
    for expected in ("migration(s) applied", "0 migration(s) applied"):
        out = subprocess.run([BIN, "migrate", "--data-dir", str(tmp_path)], env=env,
                             capture_output=True, text=True, check=True).stdout
        assert expected in out
    import sqlite3
    conn = sqlite3.connect(tmp_path / "latchkey.db")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"accounts", "revoked_tokens", "schema_migrations"} <= tables


def test_config_file_and_environment_and_flags_apply_in_that_order(tmp_path):
    import subprocess
    from conftest import BIN
    conf = tmp_path / "latchkey.conf"
    conf.write_text("# comment\nthreads = 3\nissuer = from-file\naccess_token_ttl = 600\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
    env["LATCHKEY_ISSUER"] = "from-env"
    out = subprocess.run([BIN, "config", "--config", str(conf), "--set", "access_token_ttl=900"],
                         env=env, capture_output=True, text=True, check=True).stdout
    assert "threads = 3" in out
    assert "issuer = from-env" in out
    assert "access_token_ttl = 900" in out


def test_unknown_setting_is_refused_at_start(tmp_path):
    import subprocess
    from conftest import BIN
    env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
    env["LATCHKEY_THREADZ"] = "4"
    r = subprocess.run([BIN, "config"], env=env, capture_output=True, text=True)
    assert r.returncode == 2
    assert "threadz" in r.stderr


def test_a_listen_fd_that_is_not_a_socket_is_refused_at_start(tmp_path):
    import subprocess
    from conftest import BIN
    env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
    r = subprocess.run([BIN, "serve", "--data-dir", str(tmp_path / "var"), "--listen",
                        "unix:" + str(tmp_path / "s.sock"), "--listen-fd", "1"],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    assert r.returncode == 2
    assert "not a socket" in r.stderr
