"""A throwaway PostgreSQL cluster for the integration suite's PostgreSQL run
(LATCHKEY_TEST_BACKEND=postgresql, which CTest sets for the second run of every suite).

One cluster per test process, started on first use with initdb and pg_ctl on a loopback port and a
private socket directory, fsync off, and stopped when the process ends. As root (CI), the cluster
runs as the `postgres` user the Debian package creates, since PostgreSQL refuses root. Each Stack
gets a database of its own. `Database` gives tests the same small API over psycopg2 as sqlite3
gives them (`?` placeholders, rows by index and by name), for assertions on stored state.
"""
import atexit
import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time

_lock = threading.Lock()
_cluster = None


def _bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"{name} not found: scripts/install-deps installs postgresql")
    return found[-1]


class Cluster:
    """durable=False (the tests) turns fsync and synchronous commit off: a throwaway cluster need
    not survive a power cut. The bench keeps PostgreSQL's defaults, as production runs it."""

    def __init__(self, durable=False):
        from conftest import free_port
        self.durable = durable
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="latchkey-pg-")
        self.data = os.path.join(self.dir, "data")
        self.socket_dir = os.path.join(self.dir, "run")
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres"
            owner = pwd.getpwnam(self.user)
            os.chmod(self.dir, 0o755)
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        os.makedirs(self.socket_dir)
        if self.user:
            os.chown(self.socket_dir, pwd.getpwnam(self.user).pw_uid, -1)
        self._run([_bin("initdb"), "-D", self.data, "-A", "trust", "-U", "latchkey", "-E", "UTF8",
                   "--no-sync", "--no-instructions"])
        # A free port is free only until someone binds it: a suite beside this one (its nginx, its
        # own cluster) may take it first. Then start again on another port, as Stack does for nginx.
        for attempt in range(5):
            try:
                self.start()
                break
            except RuntimeError:
                if attempt == 4 or not self._port_was_taken():
                    raise
                self.port = free_port()
        self.counter = 0

    def _port_was_taken(self):
        try:
            with open(os.path.join(self.data, "server.log")) as f:
                return "Address already in use" in f.read()
        except OSError:
            return False

    def _run(self, args):
        if self.user:
            args = ["runuser", "-u", self.user, "--", *args]
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}:\n{r.stdout}\n{r.stderr}")
        return r

    def start(self):
        options = (f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
                   "-c max_connections=300")
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"

        self._run([_bin("pg_ctl"), "-D", self.data, "-o", options, "-l",
                   os.path.join(self.data, "server.log"), "-w", "start"])

    def stop(self, mode="fast"):
        self._run([_bin("pg_ctl"), "-D", self.data, "-m", mode, "-w", "stop"])

    def url(self, database):
        return f"postgresql://latchkey@127.0.0.1:{self.port}/{database}"

    def create_database(self):
        import psycopg2
        with _lock:
            self.counter += 1
            name = f"latchkey_{os.getpid()}_{self.counter}"
        conn = psycopg2.connect(self.url("postgres"))
        conn.autocommit = True
        with conn.cursor() as c:
            c.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        return self.url(name)

    def destroy(self):
        try:
            self.stop("immediate")
        except RuntimeError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def cluster():
    global _cluster
    with _lock:
        if _cluster is None:
            _cluster = Cluster()
            atexit.register(_cluster.destroy)
    return _cluster


class Database:
    """sqlite3's shape over psycopg2: execute(sql with ?, params) -> cursor of rows that index by
    position and by name; `with` commits (or rolls back) like sqlite3's connection."""

    def __init__(self, url):
        import psycopg2
        import psycopg2.extras
        self.conn = psycopg2.connect(url, cursor_factory=psycopg2.extras.DictCursor)

    def execute(self, sql, params=()):
        cursor = self.conn.cursor()
        cursor.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(params))
        return cursor

    def commit(self):
        self.conn.commit()

    def close(self):
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, kind, *_):
        if kind is None:
            self.conn.commit()
        else:
            self.conn.rollback()
        return False


def database(stack):
    """A plain psycopg2 connection of our own to the stack's database."""
    import psycopg2
    return psycopg2.connect(stack.settings["database"])


@contextlib.contextmanager
def held(stack, sql, params=()):
    """`sql` run in a transaction of a connection of our own, held open for the block's length."""
    conn = database(stack)
    try:
        with conn.cursor() as c:
            c.execute(sql, params)  # psycopg2 has opened a transaction first
        yield
    finally:
        conn.rollback()
        conn.close()


def wait_until_a_request_waits_on_a_lock(stack, pending, timeout=15):
    """Returns once one of the service's connections waits on a lock in the stack's database: the
    request `pending` has reached the held lock."""
    conn = database(stack)
    conn.autocommit = True  # else pg_stat_activity would be read once per transaction
    try:
        deadline = time.monotonic() + timeout
        while True:
            with conn.cursor() as c:
                c.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                          "AND application_name = 'latchkey' AND wait_event_type = 'Lock'")
                if c.fetchone()[0] > 0:
                    return
            assert not pending.done(), f"answered without waiting for the lock: {pending.result()}"
            assert time.monotonic() < deadline, "no request waits on the held lock"
            time.sleep(0.01)
    finally:
        conn.close()
