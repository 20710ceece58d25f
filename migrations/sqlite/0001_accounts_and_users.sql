-- Accounts (service providers) and their users, sessions, login throttling, and
-- installation-wide settings. Times are Unix seconds (BIGINT) on both engines, so one query
-- layer reads them the same way; the PostgreSQL migrations mirror this file.

-- A service provider. Everything a provider owns hangs off its account id.
CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    created_at  BIGINT  NOT NULL
);

-- Staff of an account. The email is the username: unique platform-wide (a login names no
-- account) and never changed after creation.
CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    account_id     BIGINT  NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    email          TEXT    NOT NULL UNIQUE,
    role           TEXT    NOT NULL CHECK (role IN ('user', 'super_user')),
    name           TEXT    NOT NULL DEFAULT '',
    address        TEXT    NOT NULL DEFAULT '',
    phone1         TEXT    NOT NULL DEFAULT '',
    phone2         TEXT    NOT NULL DEFAULT '',
    password_hash  TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);
CREATE INDEX users_account_idx ON users (account_id);

-- One row per issued session token (keyed by the JWT's jti). A token is honoured only while
-- its row exists: logout deletes one row, a password change deletes all of a user's rows.
-- Kept in the database so every node of a multi-node deployment agrees.
CREATE TABLE sessions (
    id          TEXT    PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Fixed-window counters for throttling (failed logins per email and per client address).
-- Shared through the database so a client cannot dodge the limit by switching nodes.
CREATE TABLE rate_limits (
    key           TEXT    PRIMARY KEY,
    window_start  BIGINT  NOT NULL,
    count         BIGINT  NOT NULL
);

-- Installation-wide values generated on first start (the token signing secret).
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
