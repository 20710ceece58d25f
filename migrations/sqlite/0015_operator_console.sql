-- The operator console (issue 21): operators, account suspension and quotas, and the
-- operator's own audit trail. Identical on both engines but for the identity column.

-- 'provider' is a service provider's account. 'platform' is the one account that holds the
-- platform's operators: its users are operators (never staff of a provider), it is never
-- listed, counted or given phones. Operators live in `users` so logins, sessions, resets,
-- second factors and throttling are the same code for everyone.
ALTER TABLE accounts ADD COLUMN kind TEXT NOT NULL DEFAULT 'provider';

-- Set while an account is suspended: its staff cannot log in, its keys stop and its phones
-- are answered 403 `account_suspended`. NULL when active.
ALTER TABLE accounts ADD COLUMN suspended_at BIGINT;

-- The most phones the account may hold; NULL for no limit. Every write path that adds
-- phones checks it inside its own transaction.
ALTER TABLE accounts ADD COLUMN phone_quota BIGINT;

-- Every operator action, whoever did it (console or CLI). `account_id` names the account it
-- touched, if any; it is not a foreign key so the record outlives a deleted account, whose
-- name is kept in `account_name`. The touched account's own trail gets an entry too.
CREATE TABLE operator_audit (
    id            INTEGER PRIMARY KEY,
    operator_id   BIGINT,
    actor         TEXT    NOT NULL,
    action        TEXT    NOT NULL,
    account_id    BIGINT,
    account_name  TEXT    NOT NULL DEFAULT '',
    target        TEXT    NOT NULL DEFAULT '',
    detail        TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL
);
CREATE INDEX operator_audit_id_idx ON operator_audit (created_at, id);
CREATE INDEX operator_audit_account_idx ON operator_audit (account_id, id);
