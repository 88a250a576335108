-- PostgreSQL spelling of sql/019_second_factors.sql: BIGINT for ids and times.
-- Second factors of password accounts. `totp_factors`: an authenticator app's key, sealed under
-- the master key's factor key (a copied database alone computes no code); `confirmed_at` stays
-- NULL until the first code proves the app has it, and only then does sign-in ask for codes.
-- `last_step` is the newest 30-second step a code was accepted for: a code answers once, and
-- nothing older than it is accepted again. `recovery_codes`: single-use codes, only as keyed
-- hashes; `used_at` marks a spent one, so the count left can be shown.
CREATE TABLE totp_factors (
    account_id   BIGINT  PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    secret       TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    confirmed_at BIGINT,
    last_step    BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE recovery_codes (
    account_id BIGINT  NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (account_id, code_hash)
);
