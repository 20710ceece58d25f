-- Native device protocols (issue 22). Identical on both engines.

-- The vendor a phone was last detected as (from its User-Agent, the files it asked for, or its
-- MAC's maker prefix), written only by the device route like the other boot facts.
ALTER TABLE phones ADD COLUMN vendor TEXT;

-- The vendor of each contact, and the key that makes one native boot one entry: a phone that
-- fetches aastra.cfg, 6757i.cfg, <MAC>.cfg and an image in one boot writes one row whose
-- detail lists the files. NULL for contacts that are a boot on their own (rcs's JSON protocol,
-- refusals). A unique index allows any number of NULLs on both engines.
ALTER TABLE boot_events ADD COLUMN vendor TEXT;
ALTER TABLE boot_events ADD COLUMN boot_key TEXT;
CREATE UNIQUE INDEX boot_events_boot_key_idx ON boot_events (boot_key);

-- Every release belongs to one vendor; releases imported before vendors existed are Aastra's
-- (the only family rcs served then). The 2.4.0 floor is an Aastra rule.
ALTER TABLE firmware_releases ADD COLUMN vendor TEXT NOT NULL DEFAULT 'aastra';
