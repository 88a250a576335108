-- Refresh tokens live in families (RFC 9700 4.14.2): each login starts a family, each refresh
-- rotates to a new token of the same family, and presenting a rotated token again (outside a
-- short grace window) revokes the whole family. A family dies at its absolute expiry whatever the
-- rotations.
CREATE TABLE refresh_families (
    id             TEXT    PRIMARY KEY,          -- random, carried in the token as `fam`
    site           TEXT    NOT NULL,
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,             -- absolute lifetime
    revoked_at     INTEGER,
    revoked_reason TEXT                          -- logout, reuse, password
) WITHOUT ROWID;
CREATE INDEX refresh_families_account ON refresh_families(account_id);
CREATE INDEX refresh_families_expiry ON refresh_families(expires_at);

CREATE TABLE refresh_tokens (
    token_hash TEXT    PRIMARY KEY,              -- keyed hash of the token's jti
    family_id  TEXT    NOT NULL REFERENCES refresh_families(id) ON DELETE CASCADE,
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    rotated_at INTEGER                           -- set when exchanged for a successor
) WITHOUT ROWID;
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);

-- Failed password logins per (site, account type, email), whether or not the account exists, so a
-- lockout says nothing about existence.
CREATE TABLE login_failures (
    site         TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    email_key    TEXT    NOT NULL,
    window_start INTEGER NOT NULL,
    failures     INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (site, kind, email_key)
) WITHOUT ROWID;
