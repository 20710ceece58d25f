-- Configuration servers, phones, brandings (names only; files arrive with the branding
-- feature), the audit trail, and boot events (written by the device route). The PostgreSQL
-- twin differs only in identity columns.

-- Where a phone fetches its configuration. Names are unique within an account.
CREATE TABLE servers (
    id          INTEGER PRIMARY KEY,
    account_id  BIGINT  NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    url         TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    UNIQUE (account_id, name)
);

-- Named sets of branding files per account.
CREATE TABLE brandings (
    id          INTEGER PRIMARY KEY,
    account_id  BIGINT  NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    is_default  BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    UNIQUE (account_id, name)
);

-- A phone, keyed by its canonical MAC (12 upper-case hex digits). The primary key is what
-- makes a MAC belong to at most one account platform-wide. server_id NULL = unaffiliated.
-- Boot facts (model .. state) are written only by the device route.
CREATE TABLE phones (
    mac                TEXT    PRIMARY KEY,
    account_id         BIGINT  NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    server_id          BIGINT  REFERENCES servers(id),
    branding_id        BIGINT  REFERENCES brandings(id),
    firmware           TEXT,
    model              TEXT,
    reported_firmware  TEXT,
    last_seen_at       BIGINT,
    last_seen_addr     TEXT,
    state              TEXT,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL
);
-- Keyset pagination walks (account_id, mac); filters by server/branding/firmware/last seen
-- use their own composite indexes so a page stays an index range scan at a million phones.
CREATE INDEX phones_account_mac_idx ON phones (account_id, mac);
CREATE INDEX phones_account_server_idx ON phones (account_id, server_id, mac);
CREATE INDEX phones_account_branding_idx ON phones (account_id, branding_id, mac);
CREATE INDEX phones_account_firmware_idx ON phones (account_id, firmware, mac);
CREATE INDEX phones_account_seen_idx ON phones (account_id, last_seen_at, mac);

-- Who changed what, when, and how many things. user_id is not a foreign key: the trail
-- outlives deleted users, and actor keeps the username as it was.
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY,
    account_id  BIGINT  NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id     BIGINT,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL DEFAULT '',
    count       BIGINT  NOT NULL DEFAULT 1,
    detail      TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL
);
CREATE INDEX audit_events_account_idx ON audit_events (account_id, id);

-- Every contact of a phone with the device route (boot history, statistics).
CREATE TABLE boot_events (
    id          INTEGER PRIMARY KEY,
    account_id  BIGINT,
    mac         TEXT    NOT NULL,
    at          BIGINT  NOT NULL,
    model       TEXT,
    firmware    TEXT,
    addr        TEXT,
    outcome     TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX boot_events_mac_idx ON boot_events (mac, id);
CREATE INDEX boot_events_account_at_idx ON boot_events (account_id, at);
