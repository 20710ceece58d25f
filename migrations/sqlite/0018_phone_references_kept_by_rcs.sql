-- Twin of migrations/postgres/0018 (the schema version is the same number on both engines).
-- PostgreSQL drops the phones' foreign keys there and rcs keeps the references itself; SQLite
-- keeps its foreign keys as well (dropping one means rebuilding the table, and its write
-- transactions take turns anyway), so the same checks run on both engines.
SELECT 1;
