"""`latchkey import` into a running service: bcrypt and argon2id hashes from another system log in
through the contracts (and bcrypt is upgraded to argon2id on that login), CSV with quoting and
profile columns, every skip reason counted with its lines, a re-run skips what is already there,
and a large file streams in constant memory while the service keeps answering."""
import json
import os
import subprocess
import threading
import time
import warnings

with warnings.catch_warnings():  # Debian 12's Python 3.11 still has it, deprecated
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # bcrypt hashes as another system made them


from conftest import BIN, unique

PASSWORD = "imported-password-1"
SANITIZED = os.environ.get("LATCHKEY_SANITIZED") == "1"


def bcrypt(password):
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 5))


def write(stack, name, text):
    path = os.path.join(stack.dir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def import_file(stack, path, *args):
    r = stack.cli("import", path, *args, "--json")
    return json.loads(r.stdout), r.stderr


def login(stack, email, password=PASSWORD):
    return stack.client("fastapi").post("/api/auth/token", json={"email": email, "password": password})


def test_bcrypt_users_log_in_and_are_upgraded_to_argon2id(stack):
    email = f"{unique('bc')}@example.com"
    path = write(stack, "bcrypt.jsonl", json.dumps(
        {"email": email, "password_hash": bcrypt(PASSWORD), "username": unique("bc")}) + "\n")
    summary, progress = import_file(stack, path, "--site", "fastapi")
    assert summary == {"read": 1, "imported": 1, "skipped": 0, "reasons": {}}
    assert "latchkey: import: 100%, 1 read, 1 imported, 0 skipped" in progress  # not a terminal
    with stack.db() as db:
        assert db.execute("SELECT password_hash FROM accounts WHERE email = ?",
                          (email,)).fetchone()[0].startswith("$2b$")
    assert login(stack, email, "wrong-password-1").status == 401
    r = login(stack, email)
    assert r.status == 200, r
    with stack.db() as db:
        assert db.execute("SELECT password_hash FROM accounts WHERE email = ?",
                          (email,)).fetchone()[0].startswith("$argon2id$")
    assert login(stack, email).status == 200
    audit = json.loads(stack.cli("audit", "--event", "admin.import", "--json").stdout)
    assert audit[0]["site"] == "fastapi" and audit[0]["detail"].startswith("1 imported, 0 skipped")


def test_argon2id_hashes_and_csv_profiles_reach_the_contracts(stack):
    # An argon2id hash as another argon2 system would have it: made by the service for one site,
    # carried to another.
    donor = f"{unique('donor')}@example.com"
    r = stack.client("fastapi").post("/api/auth/register", json={
        "username": unique("donor"), "email": donor, "password": PASSWORD})
    assert r.status == 201
    with stack.db() as db:
        argon = db.execute("SELECT password_hash FROM accounts WHERE email = ?", (donor,)).fetchone()[0]
    customer = f"{unique('csv')}@example.com"
    path = write(stack, "customers.csv",
                 "email,password_hash,kind,firstName,lastName,verified\r\n"
                 f'{customer},"{argon}",customer,"Ana, ""A""",Lopez,true\r\n')  # the hash has commas
    summary, _ = import_file(stack, path, "--site", "storefront")
    assert summary["imported"] == 1, summary
    r = stack.client("storefront").post("/api/auth/customer/login",
                                        json={"email": customer, "password": PASSWORD})
    assert r.status == 200, r
    assert r.json()["customer"] == {"id": r.json()["customer"]["id"], "email": customer,
                                    "firstName": 'Ana, "A"', "lastName": "Lopez"}


def test_every_skip_is_counted_with_its_reason_and_line(stack):
    taken = f"{unique('taken')}@example.com"
    good = f"{unique('good')}@example.com"
    lines = [
        json.dumps({"email": taken, "password_hash": bcrypt(PASSWORD)}),      # 1 imported
        json.dumps({"email": taken.upper(), "password_hash": bcrypt(PASSWORD)}),  # 2 taken
        "{not json",                                                            # 3
        json.dumps({"email": "not-an-email"}),                                 # 4
        json.dumps({"password_hash": bcrypt(PASSWORD)}),                       # 5 no email
        json.dumps({"email": f"{unique('md5')}@example.com", "password_hash": "5f4dcc3b5aa765d61d8327deb882cf99"}),  # 6
        json.dumps({"email": f"{unique('id')}@example.com", "id": "../../etc"}),  # 7
        "",                                                                     # 8 blank: ignored
        json.dumps({"email": good, "verified": "maybe"}),                      # 9
        json.dumps({"email": good, "age": 3}),                                  # 10
        json.dumps({"email": good}),                                            # 11 passwordless
    ]
    path = write(stack, "mixed.jsonl", "\n".join(lines) + "\n")
    summary, _ = import_file(stack, path, "--site", "fastapi", "--batch", "3")
    assert summary["read"] == 10 and summary["imported"] == 2 and summary["skipped"] == 8, summary
    assert summary["reasons"] == {
        "email taken": {"count": 1, "lines": [2]},
        "not a JSON object": {"count": 1, "lines": [3]},
        "invalid email": {"count": 1, "lines": [4]},
        "missing email": {"count": 1, "lines": [5]},
        "password hash of an unknown format": {"count": 1, "lines": [6]},
        "id is neither a UUID nor 24 hex digits": {"count": 1, "lines": [7]},
        "'verified' is not true or false": {"count": 1, "lines": [9]},
        "field 'age' is not a string": {"count": 1, "lines": [10]},
    }
    # Nothing of a skipped record was written; a re-run imports nothing new.
    again, _ = import_file(stack, path, "--site", "fastapi")
    assert again["imported"] == 0 and again["reasons"]["email taken"] == {"count": 3, "lines": [1, 2, 11]}
    with stack.db() as db:
        assert db.execute("SELECT COUNT(*) FROM accounts WHERE site = 'fastapi' AND email_key IN (?, ?)",
                          (taken.lower(), good.lower())).fetchone()[0] == 2
        assert db.execute("SELECT password_hash FROM accounts WHERE email = ?", (good,)).fetchone()[0] is None


def test_a_bad_invocation_is_refused_before_anything_is_read(stack):
    r = stack.cli("import", "/nonexistent.jsonl", "--site", "fastapi", check=False)
    assert r.returncode == 1 and "cannot read" in r.stderr
    r = stack.cli("import", write(stack, "x.jsonl", ""), check=False)
    assert r.returncode == 2 and "--site" in r.stderr
    r = stack.cli("import", write(stack, "noemail.csv", "mail,password_hash\n"), "--site", "x", check=False)
    assert r.returncode == 1 and "no 'email' column" in r.stderr


def test_a_large_file_streams_in_constant_memory_while_the_service_answers(stack):
    rows = 120_000
    site = "bulk" + unique("s")[-6:]
    hashed = bcrypt(PASSWORD)
    path = os.path.join(stack.dir, "big.jsonl")
    with open(path, "w") as f:
        for i in range(rows):
            f.write(json.dumps({"email": f"user{i}@bulk.example.com", "password_hash": hashed,
                                "firstName": "Bulk", "note": "x" * 100}) + "\n")
    size = os.path.getsize(path)
    # A client of the running service during the import: no request may fail.
    email = f"{unique('live')}@example.com"
    assert stack.client("fastapi").post("/api/auth/register", json={
        "username": unique("live"), "email": email, "password": PASSWORD}).status == 201
    token = login(stack, email).json()["access_token"]
    statuses, done = [], threading.Event()

    def client():
        c = stack.client("fastapi")
        while not done.is_set():
            statuses.append(c.get("/api/auth/me", headers={"Authorization": "Bearer " + token}).status)

    thread = threading.Thread(target=client)
    thread.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
    proc = subprocess.Popen([BIN, "import", path, "--site", site, "--json", "--data-dir", stack.data,
                             *stack.setting_args()],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    # The import's own high-water mark (VmHWM: ru_maxrss would count the forking Python's pages).
    peak = 0
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                marks = [int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:")]
            peak = max([peak, *marks])
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
        time.sleep(0.05)
    done.set()
    thread.join()
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
    assert proc.returncode == 0, err
    assert json.loads(out)["imported"] == rows
    assert err.count("latchkey: import:") >= 1 and "100%" in err.splitlines()[-1]
    assert statuses and set(statuses) == {200}, sorted(set(statuses))
    with stack.db() as db:
        assert db.execute("SELECT COUNT(*) FROM accounts WHERE site = ?", (site,)).fetchone()[0] == rows
    if not SANITIZED:  # ASan's shadow memory and quarantine are not the program's
        assert 0 < peak < size / 2, f"peak RSS {peak} for a {size}-byte file: not streaming"
