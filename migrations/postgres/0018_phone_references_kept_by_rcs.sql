-- The phones' references (account, server, branding) are kept by rcs on PostgreSQL, not by
-- foreign keys (issue 24). A foreign key checks every inserted or changed row on its own: a
-- query and a `FOR KEY SHARE` lock of the account and of the server for each phone, 7 µs a
-- row, and the largest part of a million-phone import (measured in BENCHMARKS.md: COPY of
-- the bench's rows 1.2 s into the table with its primary key only, 8.4 s with the foreign
-- keys; rcs's own upsert 21.5 s with them, 14.9 s without). rcs takes the same lock once per
-- referenced row and transaction instead of once per phone:
--   - a write that points phones at a server or branding locks that row `FOR KEY SHARE`
--     when it checks that the row is in the account (`db::phones::lock_row`);
--   - deleting a server or branding locks its row `FOR UPDATE` before it counts or moves its
--     phones: the two locks conflict, so a write in flight commits first and its phones are
--     counted, or waits for the delete and then finds the row gone;
--   - a write that adds phones locks the account row (`db::accounts::lock_for_phones`) and
--     refuses when the account is gone; deleting an account takes the same lock before it
--     counts and deletes its phones.
-- SQLite keeps its foreign keys (dropping one there means rebuilding the table, and its
-- write transactions take turns anyway); the same code runs on both engines.
ALTER TABLE phones DROP CONSTRAINT IF EXISTS phones_account_id_fkey;
ALTER TABLE phones DROP CONSTRAINT IF EXISTS phones_server_id_fkey;
ALTER TABLE phones DROP CONSTRAINT IF EXISTS phones_branding_id_fkey;
