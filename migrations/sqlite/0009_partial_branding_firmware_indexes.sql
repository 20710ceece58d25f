-- Most phones have no branding of their own and no pinned firmware, yet every registered or
-- imported phone added an entry to both per-account indexes below, for a NULL that no query
-- looks up: the web UI filters by one branding or one release (`branding_id = $n`,
-- `firmware = $n`), which implies NOT NULL, so both engines still use these indexes for it.
-- Leaving NULLs out spares every bulk write two B-tree insertions a phone.
DROP INDEX IF EXISTS phones_account_branding_idx;
CREATE INDEX phones_account_branding_idx ON phones (account_id, branding_id, mac)
    WHERE branding_id IS NOT NULL;
DROP INDEX IF EXISTS phones_account_firmware_idx;
CREATE INDEX phones_account_firmware_idx ON phones (account_id, firmware, mac)
    WHERE firmware IS NOT NULL;
