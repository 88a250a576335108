-- PostgreSQL spelling of sql/018_pending_emails.sql: BIGINT for ids and times.
-- A booking user's change of email waiting for its code (Cognito's UpdateUserAttributes with the
-- original address kept active until VerifyUserAttribute): at most one per account, the newest
-- request replacing the one before. `session` names the auth_challenges step whose code was mailed
-- to the new address; it is kept in clear because it is only ever used by the server with the
-- code the owner types, and the code itself is stored only as a keyed hash (auth_challenges).
CREATE TABLE pending_emails (
    account_id   BIGINT  PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    site         TEXT    NOT NULL,
    email        TEXT    NOT NULL,
    session      TEXT    NOT NULL,
    requested_at BIGINT  NOT NULL
);
