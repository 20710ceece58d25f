-- A trigram index of the MACs for the phone list's MAC search (issue 24). The search is a
-- substring match (`mac LIKE '%3A7%'`) that no B-tree serves: on SQLite it walked the
-- account's (account_id, mac) index until the page and its capped total were found, which
-- for a rare fragment is every phone of the account (90 ms at a million phones).
--
-- `phone_macs` is an FTS5 table with the trigram tokenizer over the `mac` column of `phones`.
-- It holds only which rows hold each trigram: external content (no copy of the MACs),
-- `detail=none` (no positions: the search rechecks `mac LIKE` on each candidate anyway) and
-- `columnsize=0` (no per-row length table, which ranking would use and the search does not:
-- a third less time added to each insert). The triggers keep it exact on every write path,
-- the foreign keys' cascades and a data transfer's import included; a MAC never changes once
-- written, but the update trigger keeps the index right if one ever does. (Adding the new rows
-- in one statement after each bulk insert instead of a trigger per row measured no faster in
-- the benchmark's import.) The list reads the index only for fragments rare enough that
-- fetching each candidate beats walking the account (`db::phone_list::plan_search`).
CREATE VIRTUAL TABLE phone_macs USING fts5(
    mac, content = 'phones', content_rowid = 'rowid', tokenize = 'trigram', detail = none,
    columnsize = 0
);
CREATE TRIGGER phone_macs_insert AFTER INSERT ON phones BEGIN
    INSERT INTO phone_macs (rowid, mac) VALUES (new.rowid, new.mac);
END;
CREATE TRIGGER phone_macs_delete AFTER DELETE ON phones BEGIN
    INSERT INTO phone_macs (phone_macs, rowid, mac) VALUES ('delete', old.rowid, old.mac);
END;
CREATE TRIGGER phone_macs_update AFTER UPDATE OF mac ON phones BEGIN
    INSERT INTO phone_macs (phone_macs, rowid, mac) VALUES ('delete', old.rowid, old.mac);
    INSERT INTO phone_macs (rowid, mac) VALUES (new.rowid, new.mac);
END;
INSERT INTO phone_macs (phone_macs) VALUES ('rebuild');
