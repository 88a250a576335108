-- PostgreSQL spelling of sql/006_signing_keys.sql: BIGINT for integers and times, identity columns for
-- SQLite's INTEGER PRIMARY KEY, BYTEA for BLOB, no WITHOUT ROWID.
-- The versions of each site's token signing key. The keys themselves are never stored: they are
-- derived from the master key, the site, the version and the algorithm (core/keys.cpp). A row
-- says a version exists, which algorithm it uses and since when; `latchkey key rotate` adds one.
CREATE TABLE signing_keys (
    site       TEXT    NOT NULL,
    version    BIGINT NOT NULL CHECK (version >= 1),
    alg        TEXT    NOT NULL CHECK (alg IN ('HS256', 'EdDSA')),
    created_at BIGINT NOT NULL,  -- Unix seconds
    retired_at BIGINT,           -- when a newer version took over; NULL for the current one
    PRIMARY KEY (site, version)
);
