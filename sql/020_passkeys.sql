-- Passkeys (WebAuthn credentials; core/auth/passkeys.cpp, docs/security.md "Passkeys (WebAuthn)").
-- A passkey is a public key an authenticator made for one site's RP ID: the key, its COSE
-- algorithm and the signature counter that reveals a cloned authenticator are all a sign-in needs,
-- so nothing secret is stored. Credential ids and keys are the authenticator's bytes as unpadded
-- base64url; an id is unique per site (two accounts cannot claim one credential). Ids are never
-- reused (AUTOINCREMENT), so a stale id in a client removes nothing registered since.
CREATE TABLE passkeys (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    site            TEXT    NOT NULL,
    credential_id   TEXT    NOT NULL,
    public_key      TEXT    NOT NULL,   -- the COSE_Key
    algorithm       INTEGER NOT NULL,   -- COSE: -7 ES256, -8 EdDSA, -257 RS256
    sign_count      INTEGER NOT NULL,   -- only ever moves forward
    backup_eligible INTEGER NOT NULL,   -- 0 or 1: the authenticator may sync it (BE)
    backup_state    INTEGER NOT NULL,   -- 0 or 1: it is synced, as of the last use (BS)
    name            TEXT    NOT NULL,   -- the owner's label, at most 64 characters
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER,
    UNIQUE (site, credential_id)
);
CREATE INDEX passkeys_account ON passkeys(account_id);

-- Open WebAuthn ceremonies: the challenge a browser was given, kept only as a keyed hash (like
-- every one-time secret here), bound to its site and ceremony and, except for a discoverable
-- sign-in (no account known yet), to an account. Single use: taking one deletes it. Expired rows
-- are swept as new ceremonies begin.
CREATE TABLE webauthn_challenges (
    challenge_hash TEXT    PRIMARY KEY,
    site           TEXT    NOT NULL,
    ceremony       TEXT    NOT NULL CHECK (ceremony IN ('register', 'authenticate')),
    account_id     INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    expires_at     INTEGER NOT NULL
);
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges(expires_at);
