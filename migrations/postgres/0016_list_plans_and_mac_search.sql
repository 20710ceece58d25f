-- Phone list plans that do not depend on the planner's statistics of the moment, and a MAC
-- search that uses an index (issue 24). PostgreSQL only: SQLite's planner already takes the
-- per-account indexes, and it has no trigram index.
--
-- The list sorts by MAC within an account. The primary key (mac) gives that order too, so
-- for an account holding most of the phones the planner took either index by a hair of
-- estimated cost, and walking the primary key meant skipping every other account's phones
-- first (measured at 1.1 million phones: 26 ms against 0.2 ms for the same page). The list
-- now sorts and compares MACs in the "C" collation (the same order for 12 upper-case hex
-- digits, and SQLite's BINARY order), which only the per-account indexes below carry: the
-- primary key keeps the column's collation for equality and uniqueness, and can no longer
-- serve a sort it was never meant for.
DROP INDEX IF EXISTS phones_account_mac_idx;
CREATE INDEX phones_account_mac_idx ON phones (account_id, mac COLLATE "C");
-- The unaffiliated phones (`server_id IS NULL`, the guide's own screen) get an index of their
-- own in MAC order: `IS NULL` is not an equality, so PostgreSQL does not see that the server
-- index, walked at its NULLs, is in MAC order, and it walked every phone of the account to
-- find them (49 ms at a million phones, one in eight unaffiliated). The server index leaves
-- them out in exchange, so every phone still has one entry between the two.
DROP INDEX IF EXISTS phones_account_server_idx;
CREATE INDEX phones_account_server_idx ON phones (account_id, server_id, mac COLLATE "C")
    WHERE server_id IS NOT NULL;
CREATE INDEX phones_account_unaffiliated_idx ON phones (account_id, mac COLLATE "C")
    WHERE server_id IS NULL;
DROP INDEX IF EXISTS phones_account_seen_idx;
CREATE INDEX phones_account_seen_idx ON phones (account_id, last_seen_at NULLS FIRST, mac COLLATE "C");
DROP INDEX IF EXISTS phones_account_branding_idx;
CREATE INDEX phones_account_branding_idx ON phones (account_id, branding_id, mac COLLATE "C")
    WHERE branding_id IS NOT NULL;
DROP INDEX IF EXISTS phones_account_firmware_idx;
CREATE INDEX phones_account_firmware_idx ON phones (account_id, firmware, mac COLLATE "C")
    WHERE firmware IS NOT NULL;

-- The MAC search (`q`) is a substring match (`mac LIKE '%3A7%'`), which no B-tree serves:
-- counting a three-digit fragment's matches scanned the whole table (84 ms at 1.1 million
-- phones). A trigram index answers any fragment of three or more digits from the few
-- thousand phones that hold it (1.7 ms). pg_trgm ships with PostgreSQL and is a trusted
-- extension: the database's owner may create it without being a superuser. It costs every
-- phone insert about a dozen index entries (measured: 300,000 inserts 3.6 s without, 6.1 s
-- with), the price of a search that stays fast at any size.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX phones_mac_trgm_idx ON phones USING gin (mac gin_trgm_ops);
