-- PostgreSQL spelling of sql/015_account_ids.sql: nothing to do. accounts.id is an identity
-- column, whose sequence never hands out a value twice.
SELECT 1;
