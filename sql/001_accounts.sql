-- Accounts live in a namespace: (site, kind). The same email may exist once per namespace.
CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY,          -- the integer id contracts such as fastapi show
    public_id      TEXT    NOT NULL UNIQUE,      -- the token subject: a UUID or 24 hex characters
    site           TEXT    NOT NULL,
    kind           TEXT    NOT NULL,             -- account type: user, merchant, customer, ...
    email          TEXT    NOT NULL,             -- as the user typed it (trimmed)
    email_key      TEXT    NOT NULL,             -- lower-cased: what uniqueness and login match on
    username       TEXT,
    username_key   TEXT,
    password_hash  TEXT,                         -- argon2id (or an imported bcrypt hash)
    profile        TEXT    NOT NULL DEFAULT '{}',-- contract fields (names, store name) as JSON
    email_verified INTEGER NOT NULL DEFAULT 0,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,             -- Unix seconds
    updated_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX accounts_email ON accounts(site, kind, email_key);
CREATE UNIQUE INDEX accounts_username ON accounts(site, kind, username_key)
    WHERE username_key IS NOT NULL;

-- Access tokens revoked before their expiry (logout), by jti; rows die with the token.
CREATE TABLE revoked_tokens (
    jti        TEXT    PRIMARY KEY,
    site       TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX revoked_tokens_expiry ON revoked_tokens(expires_at);
