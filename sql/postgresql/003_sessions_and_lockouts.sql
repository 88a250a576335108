-- PostgreSQL spelling of sql/003_sessions_and_lockouts.sql: BIGINT for integers and times, identity columns for
-- SQLite's INTEGER PRIMARY KEY, BYTEA for BLOB, no WITHOUT ROWID.
-- Refresh tokens live in families (RFC 9700 4.14.2): each login starts a family, each refresh
-- rotates to a new token of the same family, and presenting a rotated token again (outside a
-- short grace window) revokes the whole family. A family dies at its absolute expiry whatever the
-- rotations.
CREATE TABLE refresh_families (
    id             TEXT    PRIMARY KEY,          -- random, carried in the token as `fam`
    site           TEXT    NOT NULL,
    account_id     BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,             -- absolute lifetime
    revoked_at     BIGINT,
    revoked_reason TEXT                          -- logout, reuse, password
);
CREATE INDEX refresh_families_account ON refresh_families(account_id);
CREATE INDEX refresh_families_expiry ON refresh_families(expires_at);

CREATE TABLE refresh_tokens (
    token_hash TEXT    PRIMARY KEY,              -- keyed hash of the token's jti
    family_id  TEXT    NOT NULL REFERENCES refresh_families(id) ON DELETE CASCADE,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    rotated_at BIGINT                           -- set when exchanged for a successor
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);

-- Failed password logins per (site, account type, email), whether or not the account exists, so a
-- lockout says nothing about existence.
CREATE TABLE login_failures (
    site         TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    email_key    TEXT    NOT NULL,
    window_start BIGINT NOT NULL,
    failures     BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (site, kind, email_key)
);
