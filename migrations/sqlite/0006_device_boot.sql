-- The device side: trusted device CAs (managed with `rcs device-ca`) and richer boot events.

CREATE TABLE device_cas (
    id          INTEGER PRIMARY KEY,
    subject     TEXT    NOT NULL,
    sha256      TEXT    NOT NULL UNIQUE,
    pem         TEXT    NOT NULL,
    not_after   BIGINT  NOT NULL,
    added_at    BIGINT  NOT NULL
);

ALTER TABLE boot_events ADD COLUMN user_agent TEXT;
-- Retention prunes by time across accounts.
CREATE INDEX boot_events_at_idx ON boot_events (at);
