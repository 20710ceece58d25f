-- API keys (issue 23): credentials for scripts, per account, kept apart from users' passwords.
-- Identical on both engines but for the identity column.
--
-- Only the SHA-256 of the secret is stored: the secret has 256 random bits, so a fast hash is
-- enough (as for recovery codes), and the lookup on every request stays one indexed read.
-- `prefix` is the public start of the secret, so a listing can tell keys apart without
-- showing them. `created_by` keeps the creator's name as it was, for when the user is gone.
-- A revoked key keeps its row (with revoked_at) for the record; it never authenticates again.
CREATE TABLE api_keys (
    id                  INTEGER PRIMARY KEY,
    account_id          BIGINT  NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name                TEXT    NOT NULL,
    role                TEXT    NOT NULL CHECK (role IN ('read_only', 'user', 'super_user')),
    prefix              TEXT    NOT NULL,
    secret_hash         TEXT    NOT NULL,
    created_by_user_id  BIGINT,
    created_by          TEXT    NOT NULL,
    created_at          BIGINT  NOT NULL,
    expires_at          BIGINT,
    last_used_at        BIGINT,
    last_used_addr      TEXT,
    revoked_at          BIGINT
);

-- Every authenticated request with a key looks it up by this hash.
CREATE UNIQUE INDEX api_keys_secret_hash_idx ON api_keys (secret_hash);

-- A name means one live key of the account; a revoked key's name may be used again. The
-- index decides (409), so two concurrent creations cannot both take a name.
CREATE UNIQUE INDEX api_keys_live_name_idx ON api_keys (account_id, name) WHERE revoked_at IS NULL;
