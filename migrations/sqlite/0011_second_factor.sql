-- Two-factor login: TOTP (RFC 6238) with single-use recovery codes. Identical on both engines.

-- A user's authenticator. The secret is base32 text: it is needed in clear to compute codes,
-- so it is never returned after enrolment (see SECURITY.md on database copies). A row without
-- confirmed_at is an enrolment in progress: it does not protect the login until a code from
-- the app confirms it. last_step is the RFC 6238 time step of the last accepted code: a code
-- is accepted only for a later step, so each code works once.
CREATE TABLE second_factors (
    user_id       BIGINT  PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret        TEXT    NOT NULL,
    confirmed_at  BIGINT,
    last_step     BIGINT  NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL
);

-- Single-use recovery codes, as the SHA-256 of each (80 random bits: a fast hash is enough).
-- A used code keeps its row with used_at set, so "codes left" can be counted.
CREATE TABLE recovery_codes (
    user_id    BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- The half-finished logins of users with a second factor: the password was right, and the
-- holder of the challenge may now give a code (enrolment = 0) or set up a second factor the
-- account requires (enrolment = 1). Only the SHA-256 of the challenge is stored; it is used
-- once, expires within minutes, and dies after a few wrong codes.
CREATE TABLE login_challenges (
    token_hash  TEXT    PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    enrolment   BIGINT  NOT NULL DEFAULT 0,
    failures    BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX login_challenges_user_idx ON login_challenges (user_id);
CREATE INDEX login_challenges_expires_idx ON login_challenges (expires_at);

-- A Super User's requirement for their whole account: every user must log in with a second
-- factor (those without one set it up at their next login).
ALTER TABLE accounts ADD COLUMN require_second_factor BIGINT NOT NULL DEFAULT 0;
