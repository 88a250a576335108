-- The devices an account has signed in from: a keyed digest of the client network and the user
-- agent, never either in the clear. A sign-in from one not listed is worth a notice by mail
-- (core/auth/devices.cpp); each account keeps its most recent few.
CREATE TABLE known_devices (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    device     TEXT    NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    PRIMARY KEY (account_id, device)
) WITHOUT ROWID;
