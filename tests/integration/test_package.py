"""The Debian package, as an operator meets it: CPack builds the .deb from this build tree,
`dpkg -i` installs it on this machine (CI runs as root on a throwaway machine), the files land at
their FHS places, the maintainer script makes the latchkey user and /var/lib/latchkey, the systemd
units pass `systemd-analyze verify`, the service starts the way latchkey.socket + latchkey.service
start it (the socket on standard input, as user latchkey, with the installed configuration) and
answers, stops cleanly on SIGTERM, and `dpkg --purge` removes it all."""
import json
import os
import pwd
import re
import signal
import socket
import subprocess
import tempfile

import pytest

from conftest import BIN, BACKEND, CONTRACTS, fastcgi_request, unique

SANITIZED = os.environ.get("LATCHKEY_SANITIZED") == "1"
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="dpkg -i needs root (CI runs as root)"),
    pytest.mark.skipif(SANITIZED, reason="the package ships the release build; the release run tests it"),
    # One install per run: the package's configuration is the SQLite default, and two dpkg runs
    # (or two services on /run/latchkey) cannot overlap on one machine.
    pytest.mark.skipif(BACKEND != "sqlite", reason="the package is tested once, on its default store"),
]
RUN_DIR = "/run/latchkey"
SOCKET = RUN_DIR + "/latchkey.sock"


def run(*args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, timeout=600, **kw)
    assert r.returncode == 0, f"{args}:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return r.stdout


@pytest.fixture(scope="module")
def package():
    out = tempfile.mkdtemp(prefix="latchkey-deb-")
    build = os.path.dirname(BIN)
    run("cpack", "-G", "DEB", "--config", os.path.join(build, "CPackConfig.cmake"), "-B", out)
    [deb] = [os.path.join(out, f) for f in os.listdir(out) if f.endswith(".deb")]
    yield deb
    subprocess.run(["dpkg", "--purge", "latchkey"], capture_output=True)


def serve_as_systemd_would():
    """latchkey.socket's socket (owner latchkey, group www-data, 0660) on standard input of
    latchkey.service's ExecStart, run as its User."""
    unit = open("/lib/systemd/system/latchkey.service").read()
    exec_start = re.search(r"^ExecStart=(.*)$", unit, re.M).group(1).split()
    os.makedirs(RUN_DIR, mode=0o755, exist_ok=True)
    if os.path.exists(SOCKET):
        os.unlink(SOCKET)
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(SOCKET)
    listener.listen(128)
    user = pwd.getpwnam("latchkey")
    os.chown(SOCKET, user.pw_uid, pwd.getpwnam("www-data").pw_gid)
    os.chmod(SOCKET, 0o660)
    env = {"PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen(exec_start, stdin=listener.fileno(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env, cwd="/", user="latchkey",
                            group="latchkey", extra_groups=[], umask=0o027)
    listener.close()
    return proc


def call(contract, site, method, path, body=None):
    params = {"LATCHKEY_CONTRACT": contract, "LATCHKEY_SITE": site, "REQUEST_METHOD": method,
              "REQUEST_URI": path, "SCRIPT_NAME": path, "DOCUMENT_URI": path, "QUERY_STRING": "",
              "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}
    data = json.dumps(body).encode() if body is not None else b""
    if body is not None:
        params.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(data)))
    headers, raw = fastcgi_request(SOCKET, params, data)
    return int(headers.get("status", "200").split()[0]), json.loads(raw) if raw else None


def test_the_deb_installs_starts_answers_stops_and_purges(package):
    info = run("dpkg-deb", "--field", package, "Package", "Depends", "Recommends")
    assert "Package: latchkey" in info and "libsodium23" in info and "libfcgi0ldbl" in info
    assert "Recommends: nginx" in info
    run("dpkg", "-i", package)
    assert "install ok installed" in run("dpkg-query", "-W", "-f=${Status}", "latchkey")
    for path in ["/usr/bin/latchkey", "/etc/latchkey/latchkey.conf",
                 "/lib/systemd/system/latchkey.service", "/lib/systemd/system/latchkey.socket",
                 "/usr/share/latchkey/nginx.conf", "/usr/share/doc/latchkey/deploy.md",
                 "/usr/share/latchkey/mail-templates/verify_email.txt",
                 *(f"/usr/share/latchkey/openapi/{c}.json" for c in CONTRACTS)]:
        assert os.path.isfile(path), path
    assert "/etc/latchkey/latchkey.conf" in run("dpkg-query", "--showformat=${Conffiles}", "-W", "latchkey")
    # Every file the installed nginx.conf serves is installed.
    for alias in re.findall(r"alias (\S+);", open("/usr/share/latchkey/nginx.conf").read()):
        assert os.path.isfile(alias), alias
    user = pwd.getpwnam("latchkey")
    state = os.stat("/var/lib/latchkey")
    assert state.st_uid == user.pw_uid and oct(state.st_mode & 0o777) == "0o750"
    conf = os.stat("/etc/latchkey/latchkey.conf")
    assert conf.st_uid == 0 and conf.st_gid == user.pw_gid and conf.st_mode & 0o007 == 0
    run("systemd-analyze", "verify", "--man=no",
        "/lib/systemd/system/latchkey.socket", "/lib/systemd/system/latchkey.service")

    proc = serve_as_systemd_would()
    try:
        status, health = call("ops", "ops", "GET", "/_latchkey/health")
        assert status == 200 and health["database"] == "ok", health
        email = f"{unique('deb')}@example.com"
        status, _ = call("fastapi", "fastapi", "POST", "/api/auth/register",
                         {"username": unique("deb"), "email": email, "password": "packaged-pw-1"})
        assert status == 201
        status, token = call("fastapi", "fastapi", "POST", "/api/auth/token",
                             {"email": email, "password": "packaged-pw-1"})
        assert status == 200 and token["access_token"]
        # Its state is where the package said, owned by the service's user, the key private.
        key = os.stat("/var/lib/latchkey/master.key")
        assert key.st_uid == user.pw_uid and key.st_mode & 0o077 == 0
        assert os.stat("/var/lib/latchkey/latchkey.db").st_uid == user.pw_uid
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, proc.stdout.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # The CLI on the installed configuration sees the same data.
    listed = run("/usr/bin/latchkey", "user", "list", "--site", "fastapi", "--config",
                 "/etc/latchkey/latchkey.conf", "--json", user="latchkey", group="latchkey",
                 extra_groups=[], env={"PATH": "/usr/bin:/bin"})
    assert email in [u["email"] for u in json.loads(listed)]

    run("dpkg", "--purge", "latchkey")
    assert not os.path.exists("/usr/bin/latchkey")
    assert not os.path.exists("/var/lib/latchkey")
    assert not os.path.exists("/etc/latchkey/latchkey.conf")
