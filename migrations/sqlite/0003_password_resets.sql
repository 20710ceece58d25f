-- Password-reset links sent by email. Only the SHA-256 of a link's token is stored, so a copy
-- of the database cannot be used to reset anyone's password. One row per user (the primary
-- key): a newer request replaces the older link, and using a link deletes its row. The
-- PostgreSQL twin is the same.
CREATE TABLE password_resets (
    user_id     BIGINT  PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX password_resets_expires_idx ON password_resets (expires_at);
