-- The audit log: who did what, from where, when. No secrets (no passwords, tokens or codes).
-- account_id is not a foreign key: the record outlives a deleted account.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,             -- Unix seconds
    site       TEXT    NOT NULL,
    event      TEXT    NOT NULL,             -- login.success, login.failure, lockout, register, ...
    account_id INTEGER,
    email      TEXT,
    ip         TEXT,                         -- the client address nginx saw (or "cli")
    user_agent TEXT,
    detail     TEXT
);
CREATE INDEX audit_events_at ON audit_events(at);
CREATE INDEX audit_events_site ON audit_events(site, at);
