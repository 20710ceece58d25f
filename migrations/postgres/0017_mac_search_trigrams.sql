-- Twin of migrations/sqlite/0017 (the schema version is the same number on both engines).
-- PostgreSQL already has its trigram index for the MAC search (0016: phones_mac_trgm_idx),
-- and its planner chooses between that index and the account's own by its statistics.
SELECT 1;
