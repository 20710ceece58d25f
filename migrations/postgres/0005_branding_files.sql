-- The files of a branding (logo, screen image, brand settings). Bytes live in the
-- content-addressed blob store of the data directory, like firmware images; a row names them
-- by SHA-256, so brandings sharing a logo store it once. Deleting a branding deletes its rows
-- (the blobs stay: other brandings or firmware may share them). The SQLite twin is the
-- same.
CREATE TABLE branding_files (
    branding_id   BIGINT  NOT NULL REFERENCES brandings(id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    sha256        TEXT    NOT NULL,
    size          BIGINT  NOT NULL,
    content_type  TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    PRIMARY KEY (branding_id, name)
);

-- At most one default branding per account, even when two requests set one at once.
CREATE UNIQUE INDEX brandings_one_default_idx ON brandings (account_id) WHERE is_default = 1;
