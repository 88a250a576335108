-- Bumped by a password reset or change: access tokens carry it (claim `sv`) and a token whose
-- version is not the account's current one is refused.
ALTER TABLE accounts ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;

-- Single-use secrets sent by mail (verification and reset links). Only a keyed hash is stored.
CREATE TABLE one_time_tokens (
    token_hash TEXT    PRIMARY KEY,              -- keyed BLAKE2b of the token, hex
    purpose    TEXT    NOT NULL,                 -- verify_email, reset_password
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER                           -- NULL until consumed
) WITHOUT ROWID;
CREATE INDEX one_time_tokens_account ON one_time_tokens(account_id, purpose);
CREATE INDEX one_time_tokens_expiry ON one_time_tokens(expires_at);

-- Mail waiting to go out, written in the same transaction as the change that caused it. The
-- message is sealed (XChaCha20-Poly1305 with a key derived from the master key) because links
-- carry secrets, and erased once sent.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    site            TEXT    NOT NULL,
    kind            TEXT    NOT NULL,            -- verify_email, reset_password, ...
    recipient       TEXT    NOT NULL,
    sealed_message  BLOB,                        -- NULL once sent
    status          TEXT    NOT NULL DEFAULT 'pending',  -- pending, sending, sent, failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER,                     -- a 'sending' row whose lease ran out is retried
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
