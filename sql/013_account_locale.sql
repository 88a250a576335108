-- The language an account's mail is written in ("en", "es"): chosen at registration from the
-- request's Accept-Language, later from a stored preference (booking's preferred_language).
ALTER TABLE accounts ADD COLUMN locale TEXT NOT NULL DEFAULT 'en';
