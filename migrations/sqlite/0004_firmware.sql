-- The firmware catalog: platform-wide releases curated by the operator (`rcs firmware
-- import`), one image per phone model. Image bytes live in the content-addressed blob store
-- of the data directory (see firmware/README.md); rows name them by SHA-256. A release is
-- keyed by its version text, which is also what phones.firmware holds. The PostgreSQL twin is
-- the same.
CREATE TABLE firmware_releases (
    version     TEXT    PRIMARY KEY,
    released    BIGINT  NOT NULL,
    notes       TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL
);

CREATE TABLE firmware_images (
    version  TEXT    NOT NULL REFERENCES firmware_releases(version) ON DELETE CASCADE,
    model    TEXT    NOT NULL,
    file     TEXT    NOT NULL,
    sha256   TEXT    NOT NULL,
    size     BIGINT  NOT NULL,
    PRIMARY KEY (version, model)
);
-- Which phones pin a release (removal refuses while any do).
CREATE INDEX phones_firmware_idx ON phones (firmware);
