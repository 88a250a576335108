-- Guess throttling (core/throttle.hpp): one row per bucket of failed guesses at a secret, named by
-- a keyed hash of the bucket (class, site, account and/or client network), so no email or address
-- is stored in clear. A row with failures = 0 records a network the account signed in from.
-- Replaces login_failures (storefront's per-email lockout, whose check and count were two steps).
DROP TABLE login_failures;
CREATE TABLE guess_buckets (
    bucket_key   TEXT    PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until INTEGER NOT NULL,       -- no guess is counted (or checked) before this time
    expires_at   INTEGER NOT NULL        -- after this the row means nothing and may be purged
) WITHOUT ROWID;
CREATE INDEX guess_buckets_expiry ON guess_buckets(expires_at);
