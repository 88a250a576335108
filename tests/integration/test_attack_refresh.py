"""A second live refresh chain (issue 18, finding 4). Anchors: RFC 9700 section 4.14.2 (a replayed
refresh token must lead to detection, never to a second live chain) and Keycloak's
RefreshTokenReuseRollbackTest.

A family is one chain: a token presented again inside the reuse grace gets the very successor it
was rotated to (the same bytes), so whoever holds a copy shares the owner's chain, and the next
spent token presented after the grace revokes the family. Revoking a family ends its access tokens
at once. Each case runs on storefront and on every Cognito refresh path of booking.
"""
import concurrent.futures

import pytest

from booking_support import cognito, sign_in, sign_up
from conftest import Stack, age_rotations, unique
from test_attack_catalogue import fresh_ip, parts

# Long enough that "inside the grace" holds however slow the run; "after the grace" is made by
# moving the rotations back in time instead of waiting for it.
GRACE = 60
PASSWORD = "Password123!"


@pytest.fixture(scope="module")
def stack():
    s = Stack({"refresh_reuse_grace": str(GRACE)}).start()
    try:
        yield s
    finally:
        s.stop()
        s.cleanup()


def wait_past_the_grace(stack):
    age_rotations(stack, GRACE + 5)


# --- the two rotating paths, behind one face ------------------------------------------------------

class StorefrontPath:
    """POST /api/auth/refresh with the refresh cookie; /api/auth/me for the access token."""
    name = "storefront"

    def __init__(self, stack):
        self.stack = stack
        self.client = stack.client("storefront")

    def start(self):
        r = self.client.post("/api/auth/customer/register", source=fresh_ip(), json={
            "email": f"{unique('chain')}@example.com", "password": PASSWORD,
            "firstName": "Ann", "lastName": "Owner"})
        assert r.status == 201, r
        return r.cookie("refreshToken"), r.json()["accessToken"]

    def rotate(self, token):
        return self.client.request("POST", "/api/auth/refresh",
                                   headers={"Cookie": f"refreshToken={token}"})

    def ok(self, reply):
        return reply.status == 200

    def assert_refused(self, reply):
        assert reply.status == 401, reply
        assert reply.json() == {"message": "Invalid or expired refresh token"}

    def successor(self, reply):
        assert reply.status == 200, reply
        return reply.cookie("refreshToken")

    def access(self, reply):
        return reply.json()["accessToken"]

    def access_works(self, access):
        r = self.client.get("/api/auth/me", headers={"Authorization": "Bearer " + access})
        assert r.status in (200, 401), r
        return r.status == 200


class CognitoPath:
    """GetTokensFromRefreshToken (rotating); the customers API and GetUser for the tokens."""
    name = "cognito"

    def __init__(self, stack):
        self.stack = stack
        self.client = stack.client("booking")

    def start(self):
        email = f"{unique('chain')}@example.com"
        sign_up(self.stack, self.client, email)
        result = sign_in(self.stack, self.client, email)
        return result["RefreshToken"], result

    def rotate(self, token):
        return cognito(self.client, "GetTokensFromRefreshToken",
                       {"ClientId": "demo", "RefreshToken": token})

    def ok(self, reply):
        return reply.status == 200

    def assert_refused(self, reply):
        assert reply.status == 400, reply
        assert reply.json()["__type"] == "NotAuthorizedException", reply

    def successor(self, reply):
        assert reply.status == 200, reply
        return reply.json()["AuthenticationResult"]["RefreshToken"]

    def access(self, reply):
        return reply.json()["AuthenticationResult"]

    def access_works(self, result):
        """The id token on the customers API and the access token on GetUser agree."""
        api = self.client.get("/api/customers/me",
                              headers={"Authorization": "Bearer " + result["IdToken"]})
        user = cognito(self.client, "GetUser", {"AccessToken": result["AccessToken"]})
        assert api.status in (401, 404), api  # 404: signed in, no profile yet
        assert user.status in (200, 400), user
        assert (api.status == 404) == (user.status == 200), (api, user)
        return user.status == 200


PATHS = [StorefrontPath, CognitoPath]


@pytest.fixture(params=PATHS, ids=lambda p: p.name)
def path(request, stack):
    return request.param(stack)


def family_of(token):
    return parts(token)[1]["fam"]


def live_tokens(stack, family):
    """The family's tokens not yet rotated: more than one would be a second live chain."""
    with stack.db() as db:
        return db.execute("SELECT COUNT(*) FROM refresh_tokens WHERE family_id = ? AND "
                          "rotated_at IS NULL", (family,)).fetchone()[0]


def revoked_reason(stack, family):
    with stack.db() as db:
        row = db.execute("SELECT revoked_reason FROM refresh_families WHERE id = ?",
                         (family,)).fetchone()
    return row[0]


def reuse_audited(stack, family):
    with stack.db() as db:
        return db.execute("SELECT COUNT(*) FROM audit_events WHERE event = 'refresh.reuse' AND "
                          "detail = ?", ("family " + family,)).fetchone()[0] >= 1


# --- one chain per family ---------------------------------------------------------------------------

def test_a_replay_inside_the_grace_gets_the_same_successor_and_stays_one_chain(stack, path):
    first, _ = path.start()
    second = path.successor(path.rotate(first))
    replayed = path.successor(path.rotate(first))  # inside the grace: a retry, another tab
    assert replayed == second, "the same successor, byte for byte, not a sibling"
    assert parts(replayed)[1]["jti"] == parts(second)[1]["jti"]
    family = family_of(first)
    assert live_tokens(stack, family) == 1
    wait_past_the_grace(stack)
    path.assert_refused(path.rotate(first))  # the spent original, after the grace
    assert revoked_reason(stack, family) == "reuse" and reuse_audited(stack, family)
    path.assert_refused(path.rotate(second))  # the successor every holder shared is dead too


def test_two_tabs_racing_with_one_token_get_the_same_successor(stack, path):
    first, _ = path.start()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: path.rotate(first), range(8)))
    assert all(path.ok(r) for r in replies), [r for r in replies if not path.ok(r)][:2]
    successors = {path.successor(r) for r in replies}
    assert len(successors) == 1, "every tab holds the one successor"
    family = family_of(first)
    with stack.db() as db:
        assert db.execute("SELECT COUNT(*) FROM refresh_tokens WHERE family_id = ?",
                          (family,)).fetchone()[0] == 2
    assert live_tokens(stack, family) == 1
    [successor] = successors
    assert path.ok(path.rotate(successor)), "the shared successor rotates on"


def test_a_thief_replaying_inside_the_window_ends_with_the_family_revoked(stack, path):
    """The issue's scenario: the owner rotates; the thief replays the stolen token inside the
    window, then each rotates their own copy. There is only one chain to share, so the first
    holder left behind presents a spent token and the family ends."""
    stolen, _ = path.start()
    owner = path.successor(path.rotate(stolen))
    thief = path.successor(path.rotate(stolen))
    assert thief == owner
    thief = path.successor(path.rotate(thief))
    owner_again = path.rotate(owner)  # inside the grace: the thief's successor, not a branch
    assert path.successor(owner_again) == thief
    family = family_of(stolen)
    assert live_tokens(stack, family) == 1, "never two live chains"
    thief_next = path.rotate(thief)  # the thief moves on; the owner still holds `thief`
    thief = path.successor(thief_next)
    wait_past_the_grace(stack)
    path.assert_refused(path.rotate(path.successor(owner_again)))  # the owner's next refresh
    assert revoked_reason(stack, family) == "reuse" and reuse_audited(stack, family)
    path.assert_refused(path.rotate(thief))
    assert not path.access_works(path.access(thief_next)), "the thief's access token ends too"


# --- the non-rotating Cognito flows (Amplify 6.10 - 6.15, the SDK's REFRESH_TOKEN_AUTH) ------------

@pytest.mark.parametrize("flow", ["REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"])
def test_a_spent_token_on_initiate_auth_after_the_grace_revokes_the_family(stack, flow):
    c = stack.client("booking")
    email = f"{unique('flow')}@example.com"
    sign_up(stack, c, email)
    first = sign_in(stack, c, email)["RefreshToken"]
    family = family_of(first)

    def initiate(token):
        return cognito(c, "InitiateAuth", {"ClientId": "demo", "AuthFlow": flow,
                                           "AuthParameters": {"REFRESH_TOKEN": token}})

    r = cognito(c, "GetTokensFromRefreshToken", {"ClientId": "demo", "RefreshToken": first})
    assert r.status == 200, r
    second = r.json()["AuthenticationResult"]["RefreshToken"]
    inside = initiate(first)  # inside the grace: the same family, no new refresh token
    assert inside.status == 200, inside
    result = inside.json()["AuthenticationResult"]
    assert "RefreshToken" not in result
    assert parts(result["AccessToken"])[1]["origin_jti"] == family
    assert initiate(second).status == 200, "the current token does not rotate on this flow"
    wait_past_the_grace(stack)
    r = initiate(first)
    assert r.status == 400 and r.json()["__type"] == "NotAuthorizedException", r
    assert revoked_reason(stack, family) == "reuse" and reuse_audited(stack, family)
    for refused in (initiate(second),
                    cognito(c, "GetTokensFromRefreshToken",
                            {"ClientId": "demo", "RefreshToken": second})):
        assert refused.status == 400 and refused.json()["__type"] == "NotAuthorizedException"
    # The access and id tokens of that family end with it: customers API and GetUser.
    assert not CognitoPath(stack).access_works(result)


# --- revoking a family ends its access tokens at once ---------------------------------------------
# (booking's tokens after reuse: the thief and InitiateAuth cases above; after RevokeToken and
# GlobalSignOut: test_booking.py test_tokens_die_with_sign_out, test_global_sign_out_ends_every_sign_in)

def test_an_access_token_is_refused_at_once_after_logout(stack):
    p = StorefrontPath(stack)
    token, access = p.start()
    assert p.access_works(access)
    r = p.client.request("POST", "/api/auth/logout", headers={"Cookie": f"refreshToken={token}"})
    assert r.status == 200, r
    assert not p.access_works(access), "logout ends the access token, not only the refresh family"
    assert parts(access)[1]["fam"] == family_of(token)


def test_an_access_token_is_refused_at_once_after_reuse_revocation(stack):
    p = StorefrontPath(stack)
    first, registered = p.start()
    rotated = p.rotate(first)
    refreshed = p.access(rotated)
    assert p.access_works(registered) and p.access_works(refreshed)
    wait_past_the_grace(stack)
    p.assert_refused(p.rotate(first))
    assert not p.access_works(registered) and not p.access_works(refreshed)


def test_an_access_token_is_refused_at_once_after_an_operator_revokes_its_family(stack):
    p = StorefrontPath(stack)
    token, access = p.start()
    _, other_access = p.start()
    stack.cli("session", "revoke", "--site", "storefront", "--family", family_of(token))
    assert not p.access_works(access)
    assert p.access_works(other_access), "another family is untouched"


# --- the successor at rest --------------------------------------------------------------------------

def test_the_kept_successor_is_sealed_and_forgotten_after_the_grace(stack, path):
    first, _ = path.start()
    second = path.successor(path.rotate(first))
    family, successor_jti = family_of(first), parts(second)[1]["jti"]
    with stack.db() as db:
        [sealed] = [bytes(r[0]) for r in db.execute(
            "SELECT successor FROM refresh_tokens WHERE family_id = ? AND rotated_at IS NOT NULL",
            (family,))]
    assert len(sealed) >= 40 + len(successor_jti)  # nonce, MAC and the sealed id
    for plain in (successor_jti.encode(), bytes.fromhex(successor_jti), second.encode()):
        assert plain not in sealed, "no successor in the clear"
    wait_past_the_grace(stack)
    path.start()  # any sign-in or rotation forgets sealed successors whose grace has passed
    with stack.db() as db:
        assert db.execute("SELECT COUNT(*) FROM refresh_tokens WHERE family_id = ? AND "
                          "successor IS NOT NULL", (family,)).fetchone()[0] == 0
    path.assert_refused(path.rotate(first))
