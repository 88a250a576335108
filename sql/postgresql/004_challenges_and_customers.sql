-- PostgreSQL spelling of sql/004_challenges_and_customers.sql: BIGINT for integers and times, identity columns for
-- SQLite's INTEGER PRIMARY KEY, BYTEA for BLOB, no WITHOUT ROWID.
-- Passwordless sign-in state (the booking contract's Cognito-compatible endpoint). A challenge is
-- what the client's opaque Session names: an emailed one-time code to check, or a step that needs
-- no code (choosing the challenge, signing in right after confirming the sign-up). Only keyed
-- hashes of sessions and codes are stored.
CREATE TABLE auth_challenges (
    session_hash TEXT    PRIMARY KEY,
    site         TEXT    NOT NULL,
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    purpose      TEXT    NOT NULL,               -- confirm_sign_up, sign_in_code, select_challenge, auto_sign_in
    code_hash    TEXT,                           -- NULL for steps without a code
    attempts     BIGINT NOT NULL DEFAULT 0,     -- wrong codes so far
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    closed_at    BIGINT                         -- answered, replaced, or too many wrong codes
);
CREATE INDEX auth_challenges_account ON auth_challenges(account_id, purpose, created_at);
CREATE INDEX auth_challenges_expiry ON auth_challenges(expires_at);

-- Codes sent, for the per-email sending limits (checked before anything is sent).
CREATE TABLE code_sends (
    site      TEXT    NOT NULL,
    email_key TEXT    NOT NULL,
    sent_at   BIGINT NOT NULL
);
CREATE INDEX code_sends_by_email ON code_sends(site, email_key, sent_at);

-- The booking contract's customer profile: one per account.
CREATE TABLE customers (
    customer_id        TEXT    PRIMARY KEY,      -- UUID
    site               TEXT    NOT NULL,
    account_id         BIGINT NOT NULL UNIQUE REFERENCES accounts(id) ON DELETE CASCADE,
    subject            TEXT    NOT NULL,         -- the token's sub (cognito_sub)
    email              TEXT    NOT NULL,
    email_verified     BIGINT NOT NULL,
    name               TEXT,
    phone              TEXT,
    preferred_language TEXT    NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
