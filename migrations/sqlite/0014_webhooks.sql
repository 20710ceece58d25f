-- Webhooks (issue 23): an account's endpoints that rcs calls when something happens, and the
-- queue of their deliveries. Identical on both engines but for the identity columns.
--
-- The secret is stored as it is (not hashed): rcs needs it to sign every delivery, and it is
-- worth nothing beyond that (it only proves that a delivery came from rcs). `events` is the
-- comma-separated list of event types. `pending` and `dropped` are counters kept with the
-- queue, so the bound on a webhook's queue is one indexed read, not a count of its rows.
-- Flags are 0 or 1 as elsewhere in the schema (one spelling for both engines through sqlx's Any
-- driver). `lease_node` and `lease_until` say which node delivers the webhook's events right now: one
-- node at a time, so every event is delivered once and in order, however many nodes run.
CREATE TABLE webhooks (
    id                  INTEGER PRIMARY KEY,
    account_id          BIGINT  NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name                TEXT    NOT NULL,
    url                 TEXT    NOT NULL,
    events              TEXT    NOT NULL,
    secret              TEXT    NOT NULL,
    enabled             BIGINT  NOT NULL DEFAULT 1,
    created_by          TEXT    NOT NULL,
    created_at          BIGINT  NOT NULL,
    pending             BIGINT  NOT NULL DEFAULT 0,
    dropped             BIGINT  NOT NULL DEFAULT 0,
    last_delivery_at    BIGINT,
    last_delivery_ok    BIGINT,
    lease_node          TEXT,
    lease_until         BIGINT
);

-- A name means one webhook of the account; the index decides (409), so two concurrent
-- creations cannot both take a name.
CREATE UNIQUE INDEX webhooks_name_idx ON webhooks (account_id, name);

-- The transactional outbox: a delivery is written in the transaction of the change that
-- causes it, so an event is queued exactly when its change commits. `event_id` is the
-- `webhook-id` header, the same on every retry and re-send (receivers de-duplicate by it).
-- `account_id` is kept with the row so every query can be limited to one account.
CREATE TABLE webhook_deliveries (
    id                  INTEGER PRIMARY KEY,
    webhook_id          BIGINT  NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    account_id          BIGINT  NOT NULL,
    event_id            TEXT    NOT NULL,
    event_type          TEXT    NOT NULL,
    payload             TEXT    NOT NULL,
    created_at          BIGINT  NOT NULL,
    state               TEXT    NOT NULL DEFAULT 'pending'
                                CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts            BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at     BIGINT,
    last_attempt_at     BIGINT,
    last_status         BIGINT,
    last_error          TEXT,
    latency_ms          BIGINT
);

-- The dispatcher's question: a webhook's pending deliveries in event order (the oldest one
-- decides when the webhook is due, and holds later ones back while it waits for a retry).
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (webhook_id, id)
    WHERE state = 'pending';

-- The web page's question: a page of a webhook's deliveries, newest first.
CREATE INDEX webhook_deliveries_page_idx ON webhook_deliveries (webhook_id, id DESC);

-- Housekeeping's question: finished deliveries past their retention.
CREATE INDEX webhook_deliveries_finished_idx ON webhook_deliveries (created_at)
    WHERE state <> 'pending';
