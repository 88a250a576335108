-- Account ids are never handed out twice. SQLite gives a new row the largest rowid plus one, so
-- the next registration after a deletion of the newest account took its id, and the deleted
-- account's tombstone in the audit log read as the new account's history. An AUTOINCREMENT table
-- keeps the high-water mark (sqlite_sequence) that accounts.id now comes from.
CREATE TABLE account_ids (id INTEGER PRIMARY KEY AUTOINCREMENT);
INSERT INTO account_ids(id) SELECT MAX(id) FROM accounts HAVING MAX(id) IS NOT NULL;
DELETE FROM account_ids;
