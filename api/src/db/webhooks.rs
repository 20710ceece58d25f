//! The `webhooks` and `webhook_deliveries` tables: an account's endpoints, the queue of their
//! deliveries (the transactional outbox), and the lease that makes one node at a time deliver
//! a webhook's events.

use rcs_shared::webhooks::{DeliveryState, Webhook, WebhookDelivery, WebhookEventType};
use sqlx::{Any, AnyConnection, Executor, FromRow};

use super::{rfc3339, Db, Dialect};

/// A webhook as stored, without its secret.
#[derive(Debug, Clone, FromRow)]
pub struct WebhookRow {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub url: String,
    pub events: String,
    pub enabled: i64,
    pub created_by: String,
    pub created_at: i64,
    pub pending: i64,
    pub dropped: i64,
    pub last_delivery_at: Option<i64>,
    pub last_delivery_ok: Option<i64>,
}

const COLUMNS: &str = "id, account_id, name, url, events, enabled, created_by, created_at, \
                       pending, dropped, last_delivery_at, last_delivery_ok";

/// The stored spelling of an event list: comma-separated.
pub fn join_events(events: &[WebhookEventType]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The event list of its stored spelling (unknown names are skipped).
pub fn split_events(events: &str) -> Vec<WebhookEventType> {
    events
        .split(',')
        .filter_map(WebhookEventType::parse)
        .collect()
}

impl WebhookRow {
    pub fn to_dto(&self) -> Webhook {
        Webhook {
            id: self.id,
            name: self.name.clone(),
            url: self.url.clone(),
            events: split_events(&self.events),
            enabled: self.enabled != 0,
            created_by: self.created_by.clone(),
            created_at: rfc3339(self.created_at),
            pending: self.pending,
            dropped: self.dropped,
            last_delivery_at: self.last_delivery_at.map(rfc3339),
            last_delivery_ok: self.last_delivery_ok.map(|ok| ok != 0),
        }
    }
}

/// A webhook to store, or the new values of one.
pub struct WebhookValues<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub events: &'a str,
    pub enabled: bool,
}

/// Stores a webhook; a name the account uses fails on the unique index.
pub async fn insert(
    conn: &mut AnyConnection,
    account_id: i64,
    values: &WebhookValues<'_>,
    secret: &str,
    created_by: &str,
    now: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO webhooks (account_id, name, url, events, secret, enabled, created_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(account_id)
    .bind(values.name)
    .bind(values.url)
    .bind(values.events)
    .bind(secret)
    .bind(i64::from(values.enabled))
    .bind(created_by)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// The account's webhooks by name.
#[tracing::instrument(skip_all)]
pub async fn list(db: &Db, account_id: i64) -> sqlx::Result<Vec<WebhookRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM webhooks WHERE account_id = $1 ORDER BY name, id"
    ))
    .bind(account_id)
    .fetch_all(&db.pool)
    .await
}

/// A webhook of the account by id.
pub async fn find<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
) -> sqlx::Result<Option<WebhookRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM webhooks WHERE account_id = $1 AND id = $2"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(exec)
    .await
}

/// Replaces a webhook's name, URL, events and flag.
pub async fn update(
    conn: &mut AnyConnection,
    account_id: i64,
    id: i64,
    values: &WebhookValues<'_>,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE webhooks SET name = $3, url = $4, events = $5, enabled = $6 \
         WHERE account_id = $1 AND id = $2",
    )
    .bind(account_id)
    .bind(id)
    .bind(values.name)
    .bind(values.url)
    .bind(values.events)
    .bind(i64::from(values.enabled))
    .execute(conn)
    .await?
    .rows_affected())
}

/// Deletes a webhook and (by cascade) its deliveries.
pub async fn delete(conn: &mut AnyConnection, account_id: i64, id: i64) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM webhooks WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Replaces a webhook's secret: the next attempt is signed with the new one.
pub async fn set_secret(
    conn: &mut AnyConnection,
    account_id: i64,
    id: i64,
    secret: &str,
) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("UPDATE webhooks SET secret = $3 WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .bind(secret)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// An enabled webhook and the events it takes: who an event is queued for.
#[derive(Debug, Clone, FromRow)]
pub struct Subscriber {
    pub id: i64,
    pub account_id: i64,
    pub events: String,
}

impl Subscriber {
    pub fn wants(&self, event: WebhookEventType) -> bool {
        self.events.split(',').any(|e| e == event.as_str())
    }
}

/// The enabled webhooks of one account, or of every account (`None`: the boot recorder, whose
/// batches mix accounts; a handful of rows, read once per batch).
pub async fn subscribers(
    conn: &mut AnyConnection,
    account_id: Option<i64>,
) -> sqlx::Result<Vec<Subscriber>> {
    sqlx::query_as(
        "SELECT id, account_id, events FROM webhooks \
         WHERE enabled = 1 AND ($1 IS NULL OR account_id = $1)",
    )
    .bind(account_id)
    .fetch_all(conn)
    .await
}

/// A delivery to queue.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub webhook_id: i64,
    pub account_id: i64,
    pub event_id: String,
    pub event_type: &'static str,
    pub payload: String,
    pub created_at: i64,
}

/// Queues `deliveries`, all for `webhook_id`, as far as the webhook's queue has room for them
/// (`queue_max` pending at most); the rest are counted as dropped. Answers how many were
/// dropped. The counter is raised first, so concurrent writers (other nodes) serialize on the
/// webhook's row and the bound holds exactly.
pub async fn enqueue(
    conn: &mut AnyConnection,
    webhook_id: i64,
    deliveries: &[NewDelivery],
    queue_max: i64,
) -> sqlx::Result<i64> {
    let n = deliveries.len() as i64;
    let pending: i64 = sqlx::query_scalar(
        "UPDATE webhooks SET pending = pending + $2 WHERE id = $1 RETURNING pending",
    )
    .bind(webhook_id)
    .bind(n)
    .fetch_one(&mut *conn)
    .await?;
    let over = (pending - queue_max.max(0)).clamp(0, n);
    if over > 0 {
        sqlx::query(
            "UPDATE webhooks SET pending = pending - $2, dropped = dropped + $2 WHERE id = $1",
        )
        .bind(webhook_id)
        .bind(over)
        .execute(&mut *conn)
        .await?;
    }
    let kept = &deliveries[..(n - over) as usize];
    for chunk in kept.chunks(500) {
        insert_deliveries(conn, chunk).await?;
    }
    Ok(over)
}

/// One multi-row insert; rows travel as one JSON parameter (as in `boot_events::insert`).
async fn insert_deliveries(conn: &mut AnyConnection, rows: &[NewDelivery]) -> sqlx::Result<()> {
    let sql = match Dialect::of(conn) {
        Dialect::Sqlite => {
            "INSERT INTO webhook_deliveries (webhook_id, account_id, event_id, event_type, \
             payload, created_at, next_attempt_at) \
             SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), \
                    json_extract(value, '$[2]'), json_extract(value, '$[3]'), \
                    json_extract(value, '$[4]'), json_extract(value, '$[5]'), \
                    json_extract(value, '$[5]') \
             FROM json_each($1) ORDER BY key"
        }
        Dialect::Postgres => {
            "INSERT INTO webhook_deliveries (webhook_id, account_id, event_id, event_type, \
             payload, created_at, next_attempt_at) \
             SELECT CAST(e->>0 AS BIGINT), CAST(e->>1 AS BIGINT), e->>2, e->>3, e->>4, \
                    CAST(e->>5 AS BIGINT), CAST(e->>5 AS BIGINT) \
             FROM json_array_elements(CAST($1 AS json)) WITH ORDINALITY AS t(e, n) ORDER BY n"
        }
    };
    let json: Vec<(i64, i64, &str, &str, &str, i64)> = rows
        .iter()
        .map(|d| {
            (
                d.webhook_id,
                d.account_id,
                d.event_id.as_str(),
                d.event_type,
                d.payload.as_str(),
                d.created_at,
            )
        })
        .collect();
    let json = serde_json::to_string(&json).expect("deliveries serialize");
    sqlx::query(sql).bind(json).execute(conn).await?;
    Ok(())
}

/// A delivery as stored.
#[derive(Debug, Clone, FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    pub created_at: i64,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub last_attempt_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub latency_ms: Option<i64>,
}

const DELIVERY_COLUMNS: &str = "id, webhook_id, event_id, event_type, payload, created_at, \
    state, attempts, next_attempt_at, last_attempt_at, last_status, last_error, latency_ms";

impl DeliveryRow {
    pub fn to_dto(&self) -> WebhookDelivery {
        let state = DeliveryState::parse(&self.state).unwrap_or(DeliveryState::Failed);
        WebhookDelivery {
            id: self.id,
            event_id: self.event_id.clone(),
            event_type: WebhookEventType::parse(&self.event_type)
                .unwrap_or(WebhookEventType::WebhookTest),
            created_at: rfc3339(self.created_at),
            state,
            attempts: self.attempts,
            last_attempt_at: self.last_attempt_at.map(rfc3339),
            next_attempt_at: match state {
                DeliveryState::Pending => self.next_attempt_at.map(rfc3339),
                _ => None,
            },
            last_status: self.last_status.and_then(|s| i32::try_from(s).ok()),
            last_error: self.last_error.clone(),
            latency_ms: self.latency_ms,
            payload: self.payload.clone(),
        }
    }
}

/// A page of a webhook's deliveries, newest first, older than `before` when given.
pub async fn page(
    db: &Db,
    account_id: i64,
    webhook_id: i64,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<DeliveryRow>> {
    sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
         WHERE webhook_id = $1 AND account_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4"
    ))
    .bind(webhook_id)
    .bind(account_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// A delivery of one of the account's webhooks.
pub async fn find_delivery(
    conn: &mut AnyConnection,
    account_id: i64,
    webhook_id: i64,
    id: i64,
) -> sqlx::Result<Option<DeliveryRow>> {
    sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
         WHERE id = $1 AND webhook_id = $2 AND account_id = $3"
    ))
    .bind(id)
    .bind(webhook_id)
    .bind(account_id)
    .fetch_optional(conn)
    .await
}

/// Webhooks with a pending delivery due by `now` at the head of their queue, not leased by a
/// live lease: the dispatcher's candidates, at most `limit`.
pub async fn due(db: &Db, now: i64, limit: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT w.id FROM webhooks w \
         WHERE w.enabled = 1 AND w.pending > 0 \
           AND (w.lease_until IS NULL OR w.lease_until < $1) \
           AND (SELECT d.next_attempt_at FROM webhook_deliveries d \
                WHERE d.webhook_id = w.id AND d.state = 'pending' \
                ORDER BY d.id LIMIT 1) <= $1 \
         ORDER BY w.id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Takes (or renews, when `node` holds it) the lease of a webhook until `until`: true when
/// this node now holds it. The condition makes it exclusive across nodes.
pub async fn lease(db: &Db, id: i64, node: &str, now: i64, until: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE webhooks SET lease_node = $2, lease_until = $4 \
         WHERE id = $1 AND (lease_until IS NULL OR lease_until < $3 OR lease_node = $2)",
    )
    .bind(id)
    .bind(node)
    .bind(now)
    .bind(until)
    .execute(&db.pool)
    .await?
    .rows_affected()
        == 1)
}

/// Gives a lease back.
pub async fn release(db: &Db, id: i64, node: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE webhooks SET lease_node = NULL, lease_until = NULL \
         WHERE id = $1 AND lease_node = $2",
    )
    .bind(id)
    .bind(node)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// What the dispatcher needs of a leased webhook: where to, and the secret to sign with.
#[derive(Debug, Clone, FromRow)]
pub struct Target {
    pub url: String,
    pub secret: String,
    pub enabled: i64,
}

pub async fn target(db: &Db, id: i64) -> sqlx::Result<Option<Target>> {
    sqlx::query_as("SELECT url, secret, enabled FROM webhooks WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// The first `limit` pending deliveries of a webhook, in event order.
pub async fn pending(db: &Db, webhook_id: i64, limit: i64) -> sqlx::Result<Vec<DeliveryRow>> {
    sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
         WHERE webhook_id = $1 AND state = 'pending' ORDER BY id LIMIT $2"
    ))
    .bind(webhook_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// One attempt's result, to record.
pub struct AttemptResult<'a> {
    pub id: i64,
    pub webhook_id: i64,
    pub state: DeliveryState,
    pub at: i64,
    pub next_attempt_at: Option<i64>,
    pub status: Option<i64>,
    pub error: Option<&'a str>,
    pub latency_ms: i64,
}

/// Records an attempt on the delivery and on its webhook (its last delivery, and one pending
/// fewer when the delivery is finished), in one transaction.
pub async fn record_attempt(db: &Db, r: &AttemptResult<'_>) -> sqlx::Result<()> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET state = $2, attempts = attempts + 1, \
         next_attempt_at = $3, last_attempt_at = $4, last_status = $5, last_error = $6, \
         latency_ms = $7 WHERE id = $1 AND state = 'pending'",
    )
    .bind(r.id)
    .bind(r.state.as_str())
    .bind(r.next_attempt_at)
    .bind(r.at)
    .bind(r.status)
    .bind(r.error)
    .bind(r.latency_ms)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let finished = i64::from(done == 1 && r.state != DeliveryState::Pending);
    sqlx::query(
        "UPDATE webhooks SET pending = pending - $2, last_delivery_at = $3, \
         last_delivery_ok = $4 WHERE id = $1",
    )
    .bind(r.webhook_id)
    .bind(finished)
    .bind(r.at)
    .bind(i64::from(r.error.is_none()))
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Deletes finished deliveries created before `cutoff`, at most `batch`; answers how many.
pub async fn prune_finished(db: &Db, cutoff: i64, batch: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM webhook_deliveries WHERE id IN \
         (SELECT id FROM webhook_deliveries WHERE state <> 'pending' AND created_at < $1 \
          ORDER BY created_at LIMIT $2)",
    )
    .bind(cutoff)
    .bind(batch)
    .execute(&db.pool)
    .await?
    .rows_affected())
}

/// Which of `boot_keys` already have a history row (a native boot seen in an earlier batch).
pub async fn known_boot_keys(
    conn: &mut AnyConnection,
    boot_keys: &[&str],
) -> sqlx::Result<Vec<String>> {
    let sql = match Dialect::of(conn) {
        Dialect::Sqlite => {
            "SELECT boot_key FROM boot_events WHERE boot_key IN (SELECT value FROM json_each($1))"
        }
        Dialect::Postgres => {
            "SELECT boot_key FROM boot_events \
             WHERE boot_key IN (SELECT json_array_elements_text(CAST($1 AS json)))"
        }
    };
    let json = serde_json::to_string(boot_keys).expect("keys serialize");
    sqlx::query_scalar(sql).bind(json).fetch_all(conn).await
}

/// Which of the phones `(account_id, mac)` were never seen (their first contact is now).
pub async fn never_seen(
    conn: &mut AnyConnection,
    phones: &[(i64, &str)],
) -> sqlx::Result<Vec<(i64, String)>> {
    let sql = match Dialect::of(conn) {
        Dialect::Sqlite => {
            "SELECT p.account_id, p.mac FROM phones p \
             JOIN (SELECT json_extract(value, '$[0]') AS account_id, \
                          json_extract(value, '$[1]') AS mac FROM json_each($1)) AS v \
               ON p.account_id = v.account_id AND p.mac = v.mac \
             WHERE p.last_seen_at IS NULL"
        }
        Dialect::Postgres => {
            "SELECT p.account_id, p.mac FROM phones p \
             JOIN (SELECT CAST(e->>0 AS BIGINT) AS account_id, e->>1 AS mac \
                   FROM json_array_elements(CAST($1 AS json)) AS e) AS v \
               ON p.account_id = v.account_id AND p.mac = v.mac \
             WHERE p.last_seen_at IS NULL"
        }
    };
    let json = serde_json::to_string(phones).expect("phones serialize");
    sqlx::query_as(sql).bind(json).fetch_all(conn).await
}
