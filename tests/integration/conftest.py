"""The integration harness: a real `latchkey serve` and a real nginx per test module.

Each Stack gets its own temporary directory, unix socket and free loopback ports; nginx's config is
rendered from the project's nginx.conf by scripts/render-nginx-conf, as `make run` does. At
teardown the service is stopped with SIGTERM and must exit 0 with no sanitizer report.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("LATCHKEY_BIN", os.path.join(ROOT, "build", "latchkey"))


def _nginx_sites():
    """The sites of nginx.conf (its `# local: listen SITE` server blocks), as render-nginx-conf
    reads them: the one list of sites every suite and script uses."""
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader(
        "render_nginx_conf", os.path.join(ROOT, "scripts", "render-nginx-conf"))
    render = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(render)
    with open(os.path.join(ROOT, "nginx.conf")) as f:
        return render.sites(f.read())


NGINX_SITES = _nginx_sites()
SITES = [s["site"] for s in NGINX_SITES]
# Each site's own contract: the one its server block names beside `ops` (ops' site: ops).
SITE_CONTRACT = {s["site"]: ([c for c in s["contracts"] if c != "ops"] or ["ops"])[0] for s in NGINX_SITES}
# The frontend contracts, in nginx.conf's order: every contract a site speaks except ops.
CONTRACTS = list(dict.fromkeys(c for c in SITE_CONTRACT.values() if c != "ops"))
_checked_contracts = []


def binary_contracts():
    """The contracts the binary under test serves (`latchkey contracts`)."""
    out = subprocess.run([BIN, "contracts"], check=True, stdout=subprocess.PIPE, text=True).stdout
    return out.split()


def check_sites_speak_known_contracts():
    """Every contract nginx.conf passes in LATCHKEY_CONTRACT is one the binary knows, and every
    contract the binary knows has a site: else a site would answer every request with a 404."""
    if _checked_contracts:
        return
    known = binary_contracts()
    for s in NGINX_SITES:
        unknown = [c for c in s["contracts"] if c not in known]
        assert not unknown, f"nginx.conf site {s['site']} passes contract(s) {unknown}; `latchkey contracts`: {known}"
    served = {c for s in NGINX_SITES for c in s["contracts"]}
    assert served == set(known), f"contracts without a site in nginx.conf: {sorted(set(known) - served)}"
    _checked_contracts.append(True)
FRONTEND_ORIGIN = "http://127.0.0.1:5173"  # the gateway sites' trusted frontend (CORS)
# The store every Stack uses: the embedded SQLite file, or a database of a throwaway PostgreSQL
# cluster (postgres_support.py). CTest runs every suite once with each.
BACKEND = os.environ.get("LATCHKEY_TEST_BACKEND", "sqlite")
postgresql_only = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL backend only")
sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="about the SQLite file itself")


PER_NETWORK_MAIL_UNLIMITED = {"mail_per_network_window": "1000000", "otp_per_network_window": "1000000"}


def free_port(host="127.0.0.1"):
    return free_ports(1, host)[0]


def free_ports(n, host="127.0.0.1"):
    """n distinct free ports. Each socket stays bound until all are chosen: the kernel may hand a
    port that was just released out again, and two sites on one port would both be served by
    whichever server block nginx takes as that port's default."""
    held = []
    try:
        for _ in range(n):
            s = socket.socket()
            held.append(s)
            s.bind((host, 0))
        return [s.getsockname()[1] for s in held]
    finally:
        for s in held:
            s.close()


def site_ports(*extra):
    """A distinct port for every site, and for each name in `extra`."""
    names = [*SITES, *extra]
    return dict(zip(names, free_ports(len(names))))


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def headers_named(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def cookie(self, name):
        """The value this reply's Set-Cookie gives `name`, or None."""
        for value in self.headers_named("Set-Cookie"):
            if value.startswith(name + "="):
                return value.split(";", 1)[0].split("=", 1)[1]
        return None

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<Reply {self.status} {self.body[:300]!r}>"


class Client:
    """HTTP/1.1 to one site, exactly as sent: no redirects, no retries, no cookie jar."""

    def __init__(self, host, port):
        self.host, self.port = host, port

    def request(self, method, path, body=None, headers=None, json_body=None, source=None):
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body)
            headers.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30,
                                          source_address=(source, 0) if source else None)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            return Reply(r.status, r.getheaders(), r.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json_body=json, **kw)


class Stack:
    def __init__(self, extra_settings=None, spawn_fcgi=False, extra_servers="", config_text=None,
                 frontend_origin=FRONTEND_ORIGIN):
        self.config_text = config_text  # a --config file's content (what SIGHUP re-reads)
        self.spawn_fcgi = spawn_fcgi  # start under spawn-fcgi: the socket arrives on fd 0
        self.extra_servers = extra_servers  # nginx server blocks added to the rendered config
        # The gateway sites' trusted frontend (CORS). "own port": one chosen with the sites' ports,
        # for a suite that serves that frontend itself.
        self.serve_frontend = frontend_origin == "own port"
        self.frontend_origin = frontend_origin
        self.more_hosts = []  # sockets of further `latchkey serve` processes in nginx's upstream
        # False: nginx's per-address ceilings on the secret, mail and /cognito locations are left
        # out (the bench measures the service, from one address).
        self.per_address_limits = True
        self.dir = tempfile.mkdtemp(prefix="latchkey-test-")
        # nginx's workers run as nobody when the suite runs as root: they must reach the socket.
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "var")
        self.run_dir = os.path.join(self.dir, "run")
        self.ngx = os.path.join(self.dir, "nginx")
        for d in (self.run_dir, self.ngx):
            os.makedirs(d)
            os.chmod(d, 0o755)
        self.socket = os.path.join(self.run_dir, "latchkey.sock")
        self.choose_ports()
        self.settings = {"threads": "8", "argon2_memlimit_kib": "19456", "argon2_opslimit": "2"}
        # Most suites send everything from 127.0.0.1, one client network: the per-network mail
        # ceilings would stop them. test_attack_mail.py tests those ceilings at their defaults.
        self.settings.update(PER_NETWORK_MAIL_UNLIMITED)
        if BACKEND == "postgresql":
            from postgres_support import cluster
            self.settings["database"] = cluster().create_database()
        self.settings.update(extra_settings or {})
        self.proc = None
        self.nginx = None
        self.log_path = os.path.join(self.dir, "latchkey.log")

    # --- processes ----------------------------------------------------------------------------
    def choose_ports(self):
        self.ports = site_ports(*(["frontend"] if self.serve_frontend else []))
        if self.serve_frontend:
            self.frontend_origin = f"http://127.0.0.1:{self.ports['frontend']}"

    def start_latchkey(self):
        if self.spawn_fcgi:
            group = ["-G", "nogroup"] if os.geteuid() == 0 else []
            args = ["spawn-fcgi", "-n", "-s", self.socket, "-M", "0660", *group, "--",
                    BIN, "serve", "--data-dir", self.data]
        else:
            args = [BIN, "serve", "--data-dir", self.data, "--listen", "unix:" + self.socket]
            if os.geteuid() == 0:
                args += ["--set", "socket_group=nogroup"]
        args += self.setting_args()
        if self.config_text is not None:
            self.write_config(self.config_text)
            args += ["--config", self.config_path]
        # The service refuses unknown LATCHKEY_* settings; the harness's own variables are not for it.
        env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
        env.setdefault("ASAN_OPTIONS", "abort_on_error=0:halt_on_error=1:detect_leaks=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 20
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None:
                raise RuntimeError("latchkey exited at start:\n" + self.read_log())
            if time.time() > deadline:
                raise RuntimeError("latchkey did not create its socket:\n" + self.read_log())
            time.sleep(0.02)

    def cli(self, *args, stdin=None, check=True, timeout=60):
        """Runs `latchkey ARGS` on this stack's data with the service's own settings."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
        command = [BIN, *args, "--data-dir", self.data, *self.setting_args()]
        r = subprocess.run(command, input=stdin, capture_output=True, text=True, env=env,
                           timeout=timeout)
        if check:
            assert r.returncode == 0, (args, r.stdout, r.stderr)
        return r

    def setting_args(self):
        """The service's settings as `latchkey` flags (the CLI must see the same database)."""
        return [flag for k, v in self.settings.items() for flag in ("--set", f"{k}={v}")]

    @property
    def config_path(self):
        return os.path.join(self.dir, "latchkey.conf")

    def write_config(self, text):
        with open(self.config_path, "w") as f:
            f.write(text)

    def stop_latchkey(self, sig=signal.SIGTERM, expect_clean=True):
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
            raise AssertionError("latchkey did not stop within 30 s of SIGTERM")
        finally:
            self.log.close()
            self.proc = None
        if expect_clean:
            log = self.read_log()
            assert "Sanitizer" not in log and "runtime error:" not in log, log[-4000:]
            assert code == 0, f"latchkey exited {code}:\n{log[-4000:]}"
        return code

    def launch_nginx(self):
        """Starts nginx on self.ports; True once it listens on all of them itself."""
        check_sites_speak_known_contracts()
        conf = os.path.join(self.ngx, "nginx.conf")
        args = [os.path.join(ROOT, "scripts", "render-nginx-conf"), "--latchkey", BIN,
                "--prefix", self.ngx, "--socket", self.socket]
        for site in SITES:
            args += ["--port", f"{site}={self.ports[site]}"]
        args += ["--origin", f"gateway={self.frontend_origin}"]
        rendered = subprocess.run(args, check=True, stdout=subprocess.PIPE, text=True).stdout
        for socket_path in self.more_hosts:
            rendered = rendered.replace(f"server unix:{self.socket};",
                                        f"server unix:{self.socket};\n        server unix:{socket_path};", 1)
        if not self.per_address_limits:
            rendered = "\n".join(line for line in rendered.splitlines()
                                 if "limit_req zone=latchkey_" not in line) + "\n"
        if self.extra_servers:
            end = rendered.rstrip().rindex("}")  # the end of the http block
            rendered = rendered[:end] + self.extra_servers + "\n}\n"
        with open(conf, "w") as f:
            f.write(rendered)
        # TZ=UTC: nginx's $time_iso8601 then ends in +00:00, which nginx.conf turns into Z.
        self.nginx = subprocess.Popen(["nginx", "-p", self.ngx, "-c", conf, "-e",
                                       os.path.join(self.ngx, "error.log"), "-g", "daemon off;"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      env=dict(os.environ, TZ="UTC"))
        return wait_for_own_ports(self.nginx, [self.ports[site] for site in SITES])

    def start_nginx(self):
        # A free port is free only until someone binds it: a suite beside this one may have been
        # handed the same one and bound it first. nginx then retries its bind for a while and
        # gives up, and a plain connect would meanwhile reach the other suite's nginx. So each
        # port must be listened on by this nginx; if another took one, start again on new ports.
        for _ in range(5):
            if self.launch_nginx():
                return
            self.stop_nginx()
            self.choose_ports()
        raise RuntimeError("nginx could not bind its ports in five tries")

    def stop_nginx(self):
        if self.nginx is not None:
            self.nginx.send_signal(signal.SIGQUIT)
            try:
                self.nginx.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait()
            self.nginx = None

    def start(self):
        self.start_latchkey()
        self.start_nginx()
        return self

    def stop(self):
        try:
            self.stop_nginx()
        finally:
            self.stop_latchkey()

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- access -------------------------------------------------------------------------------
    def client(self, site):
        return Client("127.0.0.1", self.ports[site])

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def mails(self):
        """Every message the dir transport wrote, oldest first, parsed (email.message objects)."""
        import email
        import email.policy
        folder = os.path.join(self.data, "mail")
        if not os.path.isdir(folder):
            return []
        out = []
        for name in sorted(os.listdir(folder)):
            if name.endswith(".eml"):
                with open(os.path.join(folder, name), "rb") as f:
                    out.append(email.message_from_binary_file(f, policy=email.policy.default))
        return out

    def mails_to(self, to, subject=None):
        """The messages that have arrived for `to` (spelled exactly so), with `subject` when
        given."""
        return [m for m in self.mails()
                if m["To"] == to and (subject is None or m["Subject"] == subject)]

    def wait_for_mail(self, to, count=1, timeout=10, subject=None):
        """The messages to `to` (with `subject`, when given), once at least `count` have arrived
        (the worker sends async)."""
        deadline = time.time() + timeout
        while True:
            found = self.mails_to(to, subject)
            if len(found) >= count:
                return found
            if time.time() > deadline:
                raise AssertionError(f"no mail to {to} within {timeout} s (have {len(found)})")
            time.sleep(0.05)

    def db(self, writable=False):
        """The service's database, for assertions on stored state (read-only unless asked), as a
        sqlite3 connection or its look-alike over PostgreSQL (postgres_support.Database)."""
        if self.settings.get("database", "").startswith(("postgresql://", "postgres://")):
            from postgres_support import Database
            return Database(self.settings["database"])
        path = os.path.join(self.data, "latchkey.db")
        if writable:
            return sqlite3.connect(path, timeout=10)
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        conn.row_factory = sqlite3.Row
        return conn

    def fastcgi_raw(self, params, body=b""):
        """Talks FastCGI to the socket directly (bypassing nginx), for params nginx would set."""
        return fastcgi_request(self.socket, params, body)


def listening_ports_of(pid):
    """The loopback TCP ports a process listens on: its socket descriptors' inodes, looked up in
    /proc/net/tcp and tcp6 (state 0A, LISTEN)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def wait_for_own_ports(proc, ports, timeout=15):
    """True once `proc` itself listens on every port; False if it exits first (a port was taken)."""
    assert len(set(ports)) == len(ports), f"one port given to two servers: {ports}"
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        if set(ports) <= listening_ports_of(proc.pid):
            return True
        time.sleep(0.02)
    raise RuntimeError(f"nginx does not listen on all of {ports}")


def _fcgi_record(kind, request_id, content):
    import struct
    out = b""
    for i in range(0, max(len(content), 1), 65535):
        chunk = content[i:i + 65535]
        out += struct.pack(">BBHHBx", 1, kind, request_id, len(chunk), 0) + chunk
        if not content:
            break
    return out


def _fcgi_pair(name, value):
    import struct
    def length(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return length(len(name)) + length(len(value)) + name + value


def fastcgi_request(socket_path, params, body=b""):
    """A minimal FastCGI client (responder role) returning (headers dict, body bytes)."""
    import struct
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(socket_path)
    msg = _fcgi_record(1, 1, struct.pack(">HB5x", 1, 0))
    pairs = b"".join(_fcgi_pair(k.encode(), v.encode()) for k, v in params.items())
    msg += _fcgi_record(4, 1, pairs) + _fcgi_record(4, 1, b"")
    if body:
        msg += _fcgi_record(5, 1, body)
    msg += _fcgi_record(5, 1, b"")
    s.sendall(msg)
    out = b""
    while True:
        head = s.recv(8, socket.MSG_WAITALL)
        if len(head) < 8:
            break
        _, kind, _, clen, plen = struct.unpack(">BBHHBx", head)
        content = s.recv(clen + plen, socket.MSG_WAITALL)[:clen] if clen + plen else b""
        if kind == 6:
            out += content
        if kind == 3:
            break
    s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode().split("\r\n"):
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return headers, body


def running(settings=None, **kwargs):
    """A started Stack for a fixture to yield from; stopped and removed after its scope."""
    s = Stack(settings, **kwargs).start()
    try:
        yield s
    finally:
        s.stop()
        s.cleanup()


@pytest.fixture(scope="module")
def stack():
    yield from running()


@pytest.fixture(scope="module")
def fastapi(stack):
    return stack.client("fastapi")


@pytest.fixture(scope="module")
def booking(stack):
    return stack.client("booking")


@pytest.fixture(scope="module")
def storefront(stack):
    return stack.client("storefront")


@pytest.fixture(scope="module")
def verified(stack):
    return stack.client("verified")


@pytest.fixture(scope="module")
def gateway(stack):
    """The gateway site delivering tokens in the JSON body."""
    return stack.client("gateway")


@pytest.fixture(scope="module")
def gateway_cookie(stack):
    """The gateway site delivering tokens in an HttpOnly cookie (same accounts as `gateway`)."""
    return stack.client("gateway-cookie")


def mailed_link(message):
    """The link in a mail's plain-text part (verification or reset)."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+", text).group(0)


def mailed_token(message):
    return mailed_link(message).split("token=", 1)[1]


def verify_call(message):
    """What the verification link's landing page (/verify-email) calls with the mailed token."""
    link = mailed_link(message)
    assert "/verify-email?token=" in link, link
    return "/api/auth/verify?token=" + mailed_token(message)


_counter = [0]


def refusals(stack):
    """What the process logged for its 503s (the first three): why a test's request was refused."""
    return [line for line in stack.read_log().splitlines() if "503" in line][:3]


def age_rotations(stack, seconds):
    """Every refresh rotation the stack's database holds happened `seconds` earlier: a reuse
    grace passes without waiting for it (a test that slept past a short grace instead needed
    every request inside it to be fast)."""
    rw = stack.db(writable=True)
    rw.execute("UPDATE refresh_tokens SET rotated_at = rotated_at - ? WHERE rotated_at IS NOT NULL",
               (seconds,))
    rw.commit()
    rw.close()


def unique(prefix="user"):
    """A name no other test uses: tests share one stack per module."""
    _counter[0] += 1
    return f"{prefix}{os.getpid()}x{_counter[0]}"
