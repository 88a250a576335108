-- PostgreSQL spelling of sql/008_guess_throttle.sql: BIGINT for counts and times, no WITHOUT ROWID.
DROP TABLE login_failures;
CREATE TABLE guess_buckets (
    bucket_key   TEXT   PRIMARY KEY,
    failures     BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX guess_buckets_expiry ON guess_buckets(expires_at);
