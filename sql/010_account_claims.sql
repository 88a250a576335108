-- An email (and username) claimed by a registration that is hashing its password. The claim is
-- taken in a short transaction before the hash, so a crowd registering one address has a single
-- winner and every loser gets the duplicate answer at once, without hashing; it is replaced by the
-- account when the hash is done, removed if hashing fails, and ignored (then purged) after
-- expires_at, so a process that died mid-hash cannot block an address for long. A claim is not an
-- account: nothing but the uniqueness checks of registration ever reads this table.
CREATE TABLE account_claims (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: a lapsed claim's id names no other
    site         TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    email_key    TEXT    NOT NULL,
    username_key TEXT,
    expires_at   INTEGER NOT NULL              -- Unix seconds
);
CREATE UNIQUE INDEX account_claims_email ON account_claims(site, kind, email_key);
CREATE UNIQUE INDEX account_claims_username ON account_claims(site, kind, username_key)
    WHERE username_key IS NOT NULL;
CREATE INDEX account_claims_expiry ON account_claims(expires_at);
