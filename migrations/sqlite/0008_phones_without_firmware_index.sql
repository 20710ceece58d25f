-- Every imported or registered phone updates each index of the phone table, and
-- phones_firmware_idx (from 0004) served one rare query: the operator's `rcs firmware remove`
-- counting the phones of any account pinned to a release. That count now scans the table
-- (a fraction of a second at a million phones, once per removal) so that every bulk write
-- maintains one B-tree less. The per-account (account_id, firmware, mac) index still serves
-- the web UI's firmware filter.
DROP INDEX IF EXISTS phones_firmware_idx;
