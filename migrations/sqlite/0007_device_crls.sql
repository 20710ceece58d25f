-- Certificate revocation lists for device certificates (managed with `rcs device-crl`).
-- One list per issuer is kept: a newer list from the same CA replaces the older one.

CREATE TABLE device_crls (
    id          INTEGER PRIMARY KEY,
    issuer      TEXT    NOT NULL UNIQUE,
    sha256      TEXT    NOT NULL UNIQUE,
    pem         TEXT    NOT NULL,
    this_update BIGINT  NOT NULL,
    next_update BIGINT,
    revoked     BIGINT  NOT NULL,
    added_at    BIGINT  NOT NULL
);
