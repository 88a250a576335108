"""Security notices by mail: a sign-in from a device (client network and user agent) the account
has not signed in from before is told to its owner, in the account's language, with when, from
where and using what, and nothing a client typed; the first sign-in and known devices are not;
the switch turns it off; a client varying its user agent meets the sending limits and keeps at
most 20 device rows."""
import pytest

from conftest import Stack, running, unique, verify_call

PASSWORD = "notice-pass-1A"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


@pytest.fixture(scope="module")
def stack():
    yield from running()


def verified_account(stack, language="en"):
    c = stack.client("verified")
    email = f"{unique('notice')}@example.com"
    r = c.post("/api/auth/register", json={"email": email, "password": PASSWORD,
                                           "confirmPassword": PASSWORD, "firstName": "Ana"},
               headers={"Accept-Language": language})
    assert r.status == 201, r
    [mail] = stack.wait_for_mail(email)
    assert c.get(verify_call(mail)).status == 200
    return c, email


def login(c, email, agent, source="127.0.0.1"):
    r = c.post("/api/auth/login", json={"email": email, "password": PASSWORD},
               headers={"User-Agent": agent}, source=source)
    assert r.status == 200, r


def mails_to(stack, email):
    return [m for m in stack.mails() if m["To"].lower() == email]


def plain(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_new_device_is_told_and_a_known_one_is_not(stack):
    c, email = verified_account(stack)
    login(c, email, FIREFOX)           # the first sign-in: nothing to compare with
    login(c, email, FIREFOX)           # known
    assert len(mails_to(stack, email)) == 1  # the verification mail only
    login(c, email, CHROME)            # new: same network, another browser
    notice = stack.wait_for_mail(email, count=2)[-1]
    assert notice["Subject"] == "New sign-in to your account"
    text = plain(notice)
    assert "Hello Ana," in text
    assert "From: 127.0.0.1" in text and "Using: Chrome on Windows" in text
    assert "When: 20" in text and text.count("Z") >= 1
    login(c, email, CHROME)            # now known
    login(c, email, FIREFOX, source="127.0.7.9")  # a known browser on a new network: new
    assert len(stack.wait_for_mail(email, count=3)) == 3
    assert "From: 127.0.7.9" in plain(mails_to(stack, email)[-1])
    with stack.db() as db:
        rows = db.execute("SELECT device FROM known_devices d JOIN accounts a ON a.id = d.account_id "
                          "WHERE a.email = ?", (email,)).fetchall()
    assert len(rows) == 3
    assert all(FIREFOX not in r[0] and "127.0.0.1" not in r[0] for r in rows), "digests only"


def test_the_notice_speaks_the_accounts_language_and_nothing_the_client_typed(stack):
    c, email = verified_account(stack, "es")
    login(c, email, FIREFOX)
    login(c, email, "Firefox/1 <a href=http://evil.example>call +1-555-0100</a> Linux")
    notice = stack.wait_for_mail(email, count=2)[-1]
    assert notice["Subject"] == "Nuevo inicio de sesión en tu cuenta"
    body = plain(notice) + notice.get_body(preferencelist=("html",)).get_content()
    assert "Con: Firefox on Linux" in body
    assert "evil" not in body and "555" not in body


def test_every_password_contract_tells_a_new_device(stack):
    g = stack.client("gateway")
    email = f"{unique('gw')}@example.com"
    assert g.post("/api/auth/register", json={"firstName": "Gil", "lastName": "G", "email": email,
                                              "password": PASSWORD}).status == 201
    for agent in (FIREFOX, CHROME):
        r = g.post("/api/auth/login", json={"email": email, "password": PASSWORD},
                   headers={"User-Agent": agent})
        assert r.status == 200, r
    [notice] = stack.wait_for_mail(email)
    assert "Using: Chrome on Windows" in plain(notice)


def test_varying_the_user_agent_meets_the_sending_limits_and_bounded_rows(stack):
    c, email = verified_account(stack)
    for n in range(30):
        login(c, email, f"{FIREFOX} build/{n}")
    with stack.db() as db:
        [(count,)] = db.execute("SELECT COUNT(*) FROM known_devices d JOIN accounts a "
                                "ON a.id = d.account_id WHERE a.email = ?", (email,)).fetchall()
    assert count == 20
    notices = [m for m in mails_to(stack, email) if m["Subject"] == "New sign-in to your account"]
    assert 1 <= len(notices) <= 3, len(notices)  # the link policy's per address and network


def test_the_switch_turns_it_off():
    for s in running({"notify_new_sign_in": "0"}):
        c, email = verified_account(s)
        login(c, email, FIREFOX)
        login(c, email, CHROME)
        login(c, email, CHROME, source="127.0.8.8")
        assert [m["Subject"] for m in mails_to(s, email)] == ["Confirm your email address"]
