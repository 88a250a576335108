-- A pending email change is a one-time token (purpose change_email) mailed to the new address; the
-- address it moves the account to waits on the token's row until the link is followed. NULL for
-- every other purpose.
ALTER TABLE one_time_tokens ADD COLUMN new_email TEXT;
