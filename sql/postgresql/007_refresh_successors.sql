-- PostgreSQL spelling of sql/007_refresh_successors.sql: BYTEA for BLOB.
-- One live chain per refresh family: a token presented again within the reuse grace gets the same
-- successor it was rotated to, not a sibling. The successor's id is kept sealed (core/seal.hpp,
-- the KeyRing's successor key) in the spent token's row, and only through the grace window:
-- rotations and sign-ins clear the sealed values whose window has passed (the partial index finds
-- them), and a spent token past the grace is refused whatever its row still holds.
ALTER TABLE refresh_tokens ADD COLUMN successor BYTEA;
CREATE INDEX refresh_tokens_sealed ON refresh_tokens(rotated_at) WHERE successor IS NOT NULL;
