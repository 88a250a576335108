"""What only the PostgreSQL store has: a bounded pool of connections per process, and a server
that can go away and come back. Runs in the PostgreSQL pass of the suite (CTest's
integration.postgresql.*); the rest of the suite runs there unchanged."""
import concurrent.futures
import time

from conftest import Stack, postgresql_only, unique

pytestmark = postgresql_only

PASSWORD = "correct horse battery"


def register(client, email):
    return client.post("/api/auth/register", json={"username": email.split("@")[0][:40],
                                                   "email": email, "password": PASSWORD})


def connections(stack):
    with stack.db() as db:
        return db.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'latchkey' "
                          "AND datname = current_database()").fetchone()[0]


def test_the_pool_bounds_the_connections_and_every_request_is_served():
    # About connections, not hashing: cheap hashes and a patient queue, so that a busy machine
    # answers every registration rather than 503.
    s = Stack({"database_pool": "2", "threads": "8", "hash_queue_max": "64", "hash_queue_ms": "12000",
               "argon2_opslimit": "1", "argon2_memlimit_kib": "1024"}).start()
    try:
        c = s.client("fastapi")
        emails = [f"{unique('pool')}@example.com" for _ in range(40)]
        seen = []
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            futures = [pool.submit(register, c, e) for e in emails]
            while not all(f.done() for f in futures):
                seen.append(connections(s))
                time.sleep(0.05)
            statuses = [f.result().status for f in futures]
        assert statuses == [201] * 40
        assert 1 <= max(seen) <= 2, seen  # the worker threads and the mail worker share two
        with s.db() as db:
            assert db.execute("SELECT count(*) FROM accounts WHERE site = 'fastapi'").fetchone()[0] == 40
    finally:
        s.stop()
        s.cleanup()


def test_an_unreachable_database_is_503_json_writes_nothing_and_the_service_reconnects():
    from postgres_support import cluster
    s = Stack().start()
    c = s.client("fastapi")
    g = s.client("gateway")
    try:
        assert register(c, f"{unique('before')}@example.com").status == 201
        cluster().stop()
        try:
            during = f"{unique('during')}@example.com"
            r = register(c, during)
            assert r.status == 503 and r.header("Content-Type") == "application/json"
            assert r.json() == {"detail": "Service temporarily unavailable, try again shortly"}
            assert r.header("Retry-After")
            r = g.post("/api/auth/login", json={"email": during, "password": PASSWORD})
            assert r.status == 503 and "error" in r.json()
        finally:
            cluster().start()
        # The pool's connections died with the server; the next requests open new ones.
        deadline = time.time() + 20
        while True:
            r = register(c, f"{unique('after')}@example.com")
            if r.status == 201 or time.time() > deadline:
                break
            time.sleep(0.2)
        assert r.status == 201, r
        with s.db() as db:
            assert db.execute("SELECT count(*) FROM accounts WHERE email = ?", (during,)).fetchone()[0] == 0
    finally:
        s.stop()
        s.cleanup()
