-- PostgreSQL spelling of sql/014_known_devices.sql: BIGINT for ids and times, no WITHOUT ROWID.
CREATE TABLE known_devices (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    device     TEXT   NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    PRIMARY KEY (account_id, device)
);
