-- Mail sending limits (core/send_limits.cpp), for every endpoint that mails. One row per send
-- allowed, kept a day. `address` is a keyed hash of the site and the address (requests for
-- addresses without an account count too, so no address is stored); `network` is the client
-- network (IPv4 /32, IPv6 /64); `proven` says the account had proven that network before.
CREATE TABLE mail_sends (
    id       INTEGER PRIMARY KEY,
    site     TEXT    NOT NULL,
    kind     TEXT    NOT NULL,               -- verify_email, reset_password, sign_in_code
    address  TEXT    NOT NULL,
    network  TEXT    NOT NULL,
    proven   INTEGER NOT NULL,
    sent_at  INTEGER NOT NULL
);
CREATE INDEX mail_sends_by_address ON mail_sends(site, kind, address, sent_at);
CREATE INDEX mail_sends_by_network ON mail_sends(site, kind, network, sent_at);
CREATE INDEX mail_sends_by_time ON mail_sends(sent_at);

-- Networks an account has proven (signed in, reset its password or followed a link from), for
-- 90 days after the last use: sends from them do not count against the per-address ceiling, so
-- strangers elsewhere cannot keep a returning owner from getting mail.
CREATE TABLE known_networks (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    network    TEXT    NOT NULL,
    seen_at    INTEGER NOT NULL,
    PRIMARY KEY (account_id, network)
) WITHOUT ROWID;

-- Replaced by mail_sends (per address and network rather than per address alone).
DROP TABLE code_sends;
