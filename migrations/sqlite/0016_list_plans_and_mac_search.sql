-- Twin of migrations/postgres/0016 (the schema version is the same number on both engines, so
-- an export from one imports into the other). Nothing changes on SQLite: its planner already
-- takes the per-account indexes for the phone list whatever the statistics, and the MAC
-- search stays a pass over the account's (account_id, mac) index. SQLite's only substring
-- index, an FTS5 trigram table kept by triggers, was measured at 1,000,000 inserted phones:
-- 4.4 s without it, 11.1 s with it, a price every import would pay for one search.
SELECT 1;
