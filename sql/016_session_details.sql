-- A session is one sign-in: a refresh family on storefront and booking, and on the contracts that
-- hand out access tokens only, a family without refresh tokens whose id the access token carries
-- (`fam`). What its owner is shown of it: the user agent and client address of the sign-in (as
-- nginx passed them, cut to printable ASCII and a bounded length) and when it was last used
-- (written at most once per few minutes). They go with the account (the family cascades).
ALTER TABLE refresh_families ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE refresh_families ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE refresh_families ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
