"""The process itself: FastCGI params, lifecycle, embedded defaults."""
import os
import stat

from conftest import Stack, unique


def test_first_start_creates_the_embedded_defaults(stack):
    assert os.path.isfile(os.path.join(stack.data, "latchkey.db"))
    assert os.path.isdir(os.path.join(stack.data, "mail"))
    key = os.path.join(stack.data, "master.key")
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    with open(key) as f:
        assert len(f.read().strip()) == 64


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
