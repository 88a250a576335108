"""The release tarball (make dist), as a shared-hosting user meets it: scripts/make-dist builds it
from this source tree (beside this build, in its dist/ directory) twice, as two versions; a user
without root, created here, unpacks the first into a fresh home directory, where its binary needs
nothing of the machine but glibc (the cJSON it carries is found beside it). latchkeyctl sets it up
and starts it on a socket of nginx's group only; a real nginx, as the host runs it, includes the
tarball's http and site includes, and a register, login and /me go through it. Then the second
version is unpacked over the first, restarted, and the account, its password and its token are
still there; a co-tenant never reaches the socket."""
import grp
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile

import pytest

from conftest import BACKEND, BIN, ROOT, Client, free_port, free_ports, unique, wait_for_own_ports

SANITIZED = os.environ.get("LATCHKEY_SANITIZED") == "1"
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="creates the hosting users and starts nginx as the "
                       "host does (CI runs as root)"),
    pytest.mark.skipif(SANITIZED, reason="the tarball's binary is linked statically, which a "
                       "sanitizer runtime cannot be; the release run builds and tests it"),
    pytest.mark.skipif(BACKEND != "sqlite", reason="the tarball runs on its default SQLite store; "
                       "its PostgreSQL store is the same code, loading the host's libpq as every "
                       "build does, which the postgresql suites test"),
]

TENANT, CO_TENANT, WEB_GROUP = "lk-dist", "lk-dist-other", "lk-dist-web"
# What the binary may need of the host: glibc's libraries, and the cJSON and libcbor the tarball
# carries.
BUNDLED = {"libcjson.so.1", "libcbor.so.0.8"}
ALLOWED_NEEDED = {"libc.so.6", "libm.so.6", "ld-linux-x86-64.so.2"} | BUNDLED
PASSWORD = "tarball-pw-1"
RUNUSER = shutil.which("runuser", path="/usr/sbin:/sbin:/usr/bin:/bin") or "runuser"


def run(*args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, timeout=900, **kw)
    assert r.returncode == 0, f"{args}:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return r.stdout + r.stderr


def as_tenant(*args, user=TENANT, check=True):
    """ARGS as USER, with the groups /etc/group gives that user, in a bare environment."""
    r = subprocess.run([RUNUSER, "-u", user, "--", *args], capture_output=True, text=True,
                       timeout=120, env={"PATH": "/usr/bin:/bin", "LANG": "C"}, cwd="/")
    if check:
        assert r.returncode == 0, f"{args}:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return r


def project_version():
    text = open(os.path.join(ROOT, "CMakeLists.txt")).read()
    return re.search(r"project\(latchkey VERSION (\S+?)[ )]", text).group(1)


@pytest.fixture(scope="module")
def tarballs():
    """Two builds of the tarball, as versions V-dist.1 and V-dist.2: (path, version) each."""
    out = tempfile.mkdtemp(prefix="latchkey-dist-")
    os.chmod(out, 0o755)  # the tenant reads them
    built = []
    for n in (1, 2):
        version = f"{project_version()}-dist.{n}"
        run(os.path.join(ROOT, "scripts", "make-dist"), "--build", os.path.dirname(BIN),
            "--version", version, "--out", out, env=dict(os.environ, JOBS="2"))
        path = os.path.join(out, f"latchkey-{version}-linux-x86_64.tar.gz")
        assert os.path.isfile(path) and os.path.isfile(path + ".sha256")
        # The checksum file beside it checks it, as a downloader runs it.
        assert "OK" in run("sha256sum", "-c", os.path.basename(path) + ".sha256", cwd=out)
        built.append((path, version))
    yield built
    shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="module")
def hosting():
    """The tenant (in nginx's group, so its socket may be that group's), a co-tenant who is not,
    and the tenant's home: a fresh directory nginx's group may pass through, no one else."""
    made = []
    try:
        grp.getgrnam(WEB_GROUP)
    except KeyError:
        run("groupadd", "--system", WEB_GROUP)
        made.append(("groupdel", WEB_GROUP))
    base = tempfile.mkdtemp(prefix="latchkey-hosting-")
    os.chmod(base, 0o755)
    home = os.path.join(base, TENANT)
    for user, groups in ((TENANT, [WEB_GROUP]), (CO_TENANT, [])):
        try:
            pwd.getpwnam(user)
            run("userdel", user)  # left by a run that could not finish: made again, as specified
        except KeyError:
            pass
        run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
            "--home-dir", home if user == TENANT else "/nonexistent", "--user-group",
            *(["--groups", ",".join(groups)] if groups else []), user)
        made.insert(0, ("userdel", user))
    os.mkdir(home)
    os.chown(home, pwd.getpwnam(TENANT).pw_uid, grp.getgrnam(WEB_GROUP).gr_gid)
    os.chmod(home, 0o750)
    yield home
    for command in made:
        run(*command)  # fails while a process of the user is left: latchkeyctl stop missed one
    shutil.rmtree(base, ignore_errors=True)


def start_nginx(prefix, install):
    """nginx as a host runs it (master root, workers nobody in nginx's group), its http block
    including the tarball's http.conf and one server block including the fastapi site's."""
    os.makedirs(os.path.join(prefix, "tmp"), exist_ok=True)
    shutil.copy("/etc/nginx/fastcgi_params", prefix)  # the host's, which the includes name
    for _ in range(5):
        port = free_port()
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""user nobody {WEB_GROUP};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 64; }}
http {{
    include {install}/etc/nginx/http.conf;
    access_log {prefix}/access.log latchkey;
    client_body_temp_path {prefix}/tmp/body;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    proxy_temp_path {prefix}/tmp/proxy;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        include {install}/etc/nginx/fastapi.conf;
    }}
}}
""")
        run("nginx", "-t", "-p", prefix, "-c", conf)
        proc = subprocess.Popen(["nginx", "-p", prefix, "-c", conf, "-g", "daemon off;"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TZ": "UTC"})
        if wait_for_own_ports(proc, [port]):
            return proc, port
        proc.wait()
    raise RuntimeError("nginx could not bind a port in five tries")


def check_every_include_loads(prefix, install):
    """Every site's include, each in a server block of one nginx with http.conf: nginx -t."""
    includes = sorted(f for f in os.listdir(f"{install}/etc/nginx") if f != "http.conf")
    assert {"fastapi.conf", "gateway.conf", "verified.conf", "storefront.conf", "booking.conf",
            "ops.conf"} <= set(includes), includes
    servers = "".join(f"    server {{ listen 127.0.0.1:{port}; include {install}/etc/nginx/{f}; }}\n"
                      for f, port in zip(includes, free_ports(len(includes))))
    conf = os.path.join(prefix, "every-site.conf")
    with open(conf, "w") as f:
        f.write(f"pid {prefix}/t.pid;\nerror_log {prefix}/t.log;\nevents {{ }}\nhttp {{\n"
                f"    include {install}/etc/nginx/http.conf;\n{servers}}}\n")
    shutil.copy("/etc/nginx/fastcgi_params", prefix)
    run("nginx", "-t", "-p", prefix, "-c", conf)


def unpack(tarball, install):
    """The tarball unpacked into INSTALL by the tenant, over what is there (an upgrade)."""
    as_tenant("mkdir", "-p", install)
    as_tenant("tar", "-xzf", tarball, "--strip-components=1", "-C", install)


def pid_of(install):
    return int(open(os.path.join(install, "run", "latchkey.pid")).read())


def check_needs_only_glibc(install):
    binary = os.path.join(install, "bin", "latchkey")
    needed = re.findall(r"\(NEEDED\).*\[(.*)\]", run("readelf", "-d", binary))
    assert set(needed) <= ALLOWED_NEEDED, needed
    assert re.search(r"\((RUNPATH|RPATH)\).*\[\$ORIGIN/\.\./lib\]", run("readelf", "-d", binary))
    # As the tenant sees it: every library found, the bundled ones the tarball's own (libcbor is
    # linked only once a route verifies passkeys: the linker drops what nothing calls), nothing
    # else there.
    ldd = as_tenant("ldd", binary).stdout
    assert "not found" not in ldd, ldd
    assert "libcjson.so.1" in needed, needed
    for bundled in BUNDLED & set(needed):
        assert f"{bundled} => {install}/bin/../lib/{bundled}" in ldd, ldd
    libraries = re.findall(r"=> (\S+)", ldd)
    assert all(os.path.basename(p).split(".so")[0] in ("libc", "libm", "libcjson", "libcbor",
                                                       "ld-linux-x86-64")
               for p in libraries), libraries
    # The oldest glibc it runs on is the highest symbol version it asks for: docs/deploy.md says it.
    versions = set(re.findall(r"GLIBC_(\d+\.\d+)", run("objdump", "-T", binary)))
    highest = max(versions, key=lambda v: tuple(map(int, v.split("."))))
    assert f"glibc {highest}" in open(os.path.join(ROOT, "docs", "deploy.md")).read(), highest


def test_the_tarball_runs_behind_nginx_without_root_and_upgrades_in_place(tarballs, hosting):
    (first, first_version), (second, second_version) = tarballs
    install = os.path.join(hosting, "latchkey")
    unpack(first, install)
    check_needs_only_glibc(install)
    version = as_tenant(f"{install}/bin/latchkey", "--version").stdout
    assert version.startswith(f"latchkey {first_version}\ncommit "), version
    for library in ("libfcgi", "libsodium", "sqlite", "libcrypto", "libxcrypt", "libstdc++"):
        assert re.search(rf"^  {re.escape(library)} \S+ \(.*static\)$", version, re.M), version
    assert re.search(r"^  cJSON \S+ \(shared\)$", version, re.M), version
    assert re.search(r"^  libcbor \S+ \(shared\)$", version, re.M), version
    for shipped in ["bin/latchkeyctl", "share/latchkey/latchkey.conf.sample",
                    "share/latchkey/openapi/fastapi.json", "share/latchkey/mail-templates/verify_email.txt",
                    "share/latchkey/nginx/http.conf.in", "share/latchkey/nginx/fastapi.conf.in",
                    "share/doc/latchkey/deploy.md", "share/doc/latchkey/licenses/libsodium23.copyright",
                    "lib/libcjson.so.1", "lib/libcbor.so.0.8",
                    "share/doc/latchkey/licenses/libcjson1.copyright",
                    "share/doc/latchkey/licenses/libcbor0.8.copyright"]:
        assert os.path.isfile(os.path.join(install, shipped)), shipped

    ctl = f"{install}/bin/latchkeyctl"
    as_tenant(ctl, "setup")
    conf = os.path.join(install, "etc", "latchkey.conf")
    assert os.stat(conf).st_mode & 0o077 == 0
    assert f"data_dir = {install}/var" in open(conf).read()
    with open(conf, "a") as f:  # what the guide has the tenant set; cheap hashing for the test
        f.write(f"socket_group = {WEB_GROUP}\nargon2_memlimit_kib = 19456\nargon2_opslimit = 2\n")
    configured = open(conf).read()
    assert f"server unix:{install}/run/latchkey.sock;" in open(f"{install}/etc/nginx/http.conf").read()
    assert f"alias {install}/share/latchkey/openapi/fastapi.json;" in open(
        f"{install}/etc/nginx/fastapi.conf").read()
    assert as_tenant(ctl, "status", check=False).returncode == 3

    nginx_dir = tempfile.mkdtemp(prefix="latchkey-dist-nginx-")
    nginx = None
    try:
        as_tenant(ctl, "start")
        first_pid = pid_of(install)
        assert pwd.getpwuid(os.stat(f"/proc/{first_pid}").st_uid).pw_name == TENANT
        sock = os.stat(f"{install}/run/latchkey.sock")
        assert oct(sock.st_mode & 0o777) == "0o660" and sock.st_gid == grp.getgrnam(WEB_GROUP).gr_gid
        # A co-tenant, who is not in nginx's group, cannot connect.
        probe = ("import socket, sys\ns = socket.socket(socket.AF_UNIX)\n"
                 "try:\n    s.connect(sys.argv[1])\nexcept PermissionError:\n    sys.exit(13)\n")
        assert as_tenant("python3", "-c", probe, f"{install}/run/latchkey.sock", user=CO_TENANT,
                         check=False).returncode == 13

        check_every_include_loads(nginx_dir, install)
        nginx, port = start_nginx(nginx_dir, install)
        client = Client("127.0.0.1", port)
        name = unique("dist")
        email = f"{name}@example.com"
        r = client.post("/api/auth/register", json={"username": name, "email": email, "password": PASSWORD})
        assert r.status == 201, r
        user_id = r.json()["id"]
        r = client.post("/api/auth/token", json={"email": email, "password": PASSWORD})
        assert r.status == 200, r
        token = r.json()["access_token"]
        me = client.get("/api/auth/me", headers={"Authorization": "Bearer " + token})
        assert me.status == 200 and me.json()["email"] == email, me
        # The include serves the tarball's OpenAPI document, and nginx's own errors in the shape.
        assert client.get("/api/auth/openapi.json").json()["openapi"].startswith("3.1")
        assert client.get("/api/auth/me").status == 401
        db = os.stat(f"{install}/var/latchkey.db")
        key = os.stat(f"{install}/var/master.key")
        assert db.st_uid == key.st_uid == pwd.getpwnam(TENANT).pw_uid and key.st_mode & 0o077 == 0

        # reload: the same process and socket, still answering.
        as_tenant(ctl, "reload")
        assert client.get("/api/auth/me", headers={"Authorization": "Bearer " + token}).status == 200
        assert pid_of(install) == first_pid

        # The upgrade: the second build unpacked over the first, set up again, restarted.
        unpack(second, install)
        as_tenant(ctl, "setup")
        assert open(conf).read() == configured  # the tenant's configuration stays theirs
        as_tenant(ctl, "restart")
        assert pid_of(install) != first_pid and not os.path.exists(f"/proc/{first_pid}")
        assert as_tenant(f"{install}/bin/latchkey", "--version").stdout.startswith(
            f"latchkey {second_version}\n")
        assert os.readlink(f"/proc/{pid_of(install)}/exe") == f"{install}/bin/latchkey"
        # The account, its password and the token issued before the upgrade all survive.
        me = client.get("/api/auth/me", headers={"Authorization": "Bearer " + token})
        assert me.status == 200 and me.json()["id"] == user_id, me
        r = client.post("/api/auth/token", json={"email": email, "password": PASSWORD})
        assert r.status == 200, r
        assert "running" in as_tenant(ctl, "status").stdout

        # keepalive (the crontab line) starts it again after it stopped.
        as_tenant(ctl, "stop")
        assert as_tenant(ctl, "status", check=False).returncode == 3
        assert client.get("/api/auth/me").status == 503
        as_tenant(ctl, "keepalive")
        me = client.get("/api/auth/me", headers={"Authorization": "Bearer " + token})
        assert me.status == 200 and me.json()["id"] == user_id, me
    finally:
        as_tenant(ctl, "stop", check=False)
        if nginx is not None:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(timeout=15)
        shutil.rmtree(nginx_dir, ignore_errors=True)
