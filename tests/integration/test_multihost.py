"""Two Latchkey hosts over one PostgreSQL: separate working directories (the same master key, as
docs/scaling.md requires), separate sockets, one nginx upstream. What one host issues the other
honours (an access token, a refresh, a lockout), and killing one host under load loses no request
nginx can retry. PostgreSQL pass only."""
import concurrent.futures
import json
import os
import shutil
import signal
import threading
import time
from http.cookies import SimpleCookie

from conftest import Stack, fastcgi_request, postgresql_only, unique

pytestmark = postgresql_only

PASSWORD = "correct horse battery"


def second_host(stack, overrides=None):
    """Another `latchkey serve` on the Stack's database, in a working directory of its own with
    the Stack's master key (docs/scaling.md: every host needs the same one), with the Stack's
    settings and `overrides`."""
    host = Stack()
    os.makedirs(host.data)
    shutil.copy(os.path.join(stack.data, "master.key"), os.path.join(host.data, "master.key"))
    os.chmod(os.path.join(host.data, "master.key"), 0o600)
    host.settings = dict(stack.settings, **(overrides or {}))
    host.start_latchkey()
    return host


def call(socket_path, contract, method, path, body=None, headers=None, remote_addr="127.0.0.1",
         params=None):
    """One request straight to one host's socket, with the params nginx would pass: from
    `remote_addr`, and any further ones in `params` (LATCHKEY_PUBLIC_URL)."""
    params = {"REQUEST_METHOD": method, "DOCUMENT_URI": path, "REQUEST_URI": path,
              "QUERY_STRING": "", "LATCHKEY_CONTRACT": contract, "LATCHKEY_SITE": contract,
              "REMOTE_ADDR": remote_addr, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
              "HTTP_HOST": "127.0.0.1", **(params or {})}
    data = b""
    if body is not None:
        data = json.dumps(body).encode()
        params["CONTENT_TYPE"] = "application/json"
        params["CONTENT_LENGTH"] = str(len(data))
    for k, v in (headers or {}).items():
        params["HTTP_" + k.upper().replace("-", "_")] = v
    head, raw = fastcgi_request(socket_path, params, data)
    status = int(head.get("status", "200").split()[0])
    return status, head, json.loads(raw) if raw else None


def refresh_cookie(head):
    cookie = SimpleCookie()
    cookie.load(head["set-cookie"])
    return cookie["refreshToken"].value


def test_what_one_host_issues_the_other_honours_and_losing_a_host_loses_no_retryable_request():
    # Long guess-throttle locks, so the lock below is seen for certain.
    s = Stack({"refresh_reuse_grace": "0", "threads": "4", "throttle_first_lock": "60"})
    s.start_latchkey()
    b = second_host(s)
    s.more_hosts = [b.socket]
    s.start_nginx()
    a_socket = s.socket
    try:
        # An access token from host A works on host B, and a logout on B ends it on A.
        email = f"{unique('mh')}@example.com"
        assert call(a_socket, "fastapi", "POST", "/api/auth/register",
                    {"username": email.split("@")[0][:40], "email": email, "password": PASSWORD})[0] == 201
        status, _, body = call(a_socket, "fastapi", "POST", "/api/auth/token", {"email": email, "password": PASSWORD})
        assert status == 200
        bearer = {"Authorization": "Bearer " + body["access_token"]}
        status, _, me = call(b.socket, "fastapi", "GET", "/api/auth/me", headers=bearer)
        assert status == 200 and me["email"] == email
        assert call(b.socket, "fastapi", "POST", "/api/auth/logout", headers=bearer)[0] == 200
        assert call(a_socket, "fastapi", "GET", "/api/auth/me", headers=bearer)[0] == 401

        # A refresh token from A rotates on B; presenting A's spent token again revokes the family
        # on both hosts.
        shop = f"{unique('mhshop')}@example.com"
        status, head, _ = call(a_socket, "storefront", "POST", "/api/auth/merchant/register",
                               {"email": shop, "password": PASSWORD, "storeName": "Two Hosts"})
        assert status == 201
        first = refresh_cookie(head)
        status, head, body = call(b.socket, "storefront", "POST", "/api/auth/refresh",
                                  headers={"Cookie": f"refreshToken={first}"})
        assert status == 200 and body["accessToken"]
        second = refresh_cookie(head)
        time.sleep(1.1)  # past the grace (0 s here): a reuse is theft
        assert call(a_socket, "storefront", "POST", "/api/auth/refresh",
                    headers={"Cookie": f"refreshToken={first}"})[0] == 401
        assert call(b.socket, "storefront", "POST", "/api/auth/refresh",
                    headers={"Cookie": f"refreshToken={second}"})[0] == 401

        # Failed logins counted on both hosts lock the email on both (5 free from one address).
        locked = f"{unique('mhlock')}@example.com"
        assert call(a_socket, "storefront", "POST", "/api/auth/customer/register",
                    {"email": locked, "password": PASSWORD, "firstName": "A", "lastName": "B"})[0] == 201
        for i in range(5):
            host = a_socket if i % 2 else b.socket
            assert call(host, "storefront", "POST", "/api/auth/customer/login",
                        {"email": locked, "password": "wrong-password"})[0] == 401
        for host in (a_socket, b.socket):
            assert call(host, "storefront", "POST", "/api/auth/customer/login",
                        {"email": locked, "password": PASSWORD})[0] == 429

        # Kill host A while clients read through nginx: every GET is answered (nginx retries a
        # request A could not answer on B), and later requests of any kind go to B.
        status, _, body = call(a_socket, "fastapi", "POST", "/api/auth/token", {"email": email, "password": PASSWORD})
        bearer = {"Authorization": "Bearer " + body["access_token"]}
        c = s.client("fastapi")
        stop = threading.Event()

        reads = [[] for _ in range(4)]  # each reader's statuses, in order

        def reader(statuses):
            while not stop.is_set():
                statuses.append(c.get("/api/auth/me", headers=bearer).status)

        def every_reader_reads_three_more(readers):
            wanted = [len(r) + 3 for r in reads]
            deadline = time.monotonic() + 30
            while any(len(r) < n for r, n in zip(reads, wanted)):
                for f in readers:
                    if f.done():
                        f.result()  # a reader that failed says why
                assert time.monotonic() < deadline, [len(r) for r in reads]
                time.sleep(0.05)

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            readers = [pool.submit(reader, r) for r in reads]
            try:
                every_reader_reads_three_more(readers)  # through both hosts
                s.proc.send_signal(signal.SIGKILL)
                s.proc.wait()
                s.log.close()
                s.proc = None
                every_reader_reads_three_more(readers)  # and on, with A gone
            finally:
                stop.set()  # the readers end however the waiting ended
            for f in readers:
                f.result()
        statuses = [x for r in reads for x in r]
        assert len(statuses) >= 24 and set(statuses) == {200}, sorted(set(statuses))
        after = f"{unique('mhafter')}@example.com"
        r = c.post("/api/auth/register", json={"username": after.split("@")[0][:40], "email": after,
                                                "password": PASSWORD})
        assert r.status == 201, r
        with s.db() as db:
            assert db.execute("SELECT count(*) FROM accounts WHERE email = ?", (after,)).fetchone()[0] == 1
    finally:
        s.stop_nginx()
        if s.proc is not None:
            s.stop_latchkey()
        b.stop_latchkey()
        b.cleanup()
        s.cleanup()
