//! Boot history: one row per phone contact, written in batches by the boot recorder, read a
//! page at a time by account users, pruned after the retention period.

use sqlx::{AnyConnection, FromRow};

use super::{rfc3339, Db};
use rcs_shared::{BootEvent, BootOutcome};

/// A contact to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBootEvent {
    /// `None` for a MAC no account registered.
    pub account_id: Option<i64>,
    pub mac: String,
    pub at: i64,
    pub addr: Option<String>,
    pub user_agent: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub outcome: BootOutcome,
    pub detail: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct BootEventRow {
    pub id: i64,
    pub mac: String,
    pub at: i64,
    pub addr: Option<String>,
    pub user_agent: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub outcome: String,
    pub detail: String,
}

impl BootEventRow {
    pub fn to_dto(&self) -> BootEvent {
        BootEvent {
            id: self.id,
            mac: self.mac.clone(),
            at: rfc3339(self.at),
            addr: self.addr.clone(),
            user_agent: self.user_agent.clone(),
            model: self.model.clone(),
            firmware: self.firmware.clone(),
            outcome: BootOutcome::parse(&self.outcome).unwrap_or(BootOutcome::Refused),
            detail: self.detail.clone(),
        }
    }
}

/// Rows per INSERT statement (9 parameters a row stays far below every engine's limit).
const ROWS_PER_STATEMENT: usize = 100;

/// Writes `events` and the last-seen facts of the registered phones among them, in the
/// caller's transaction.
pub async fn insert(conn: &mut AnyConnection, events: &[NewBootEvent]) -> sqlx::Result<()> {
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
        let mut sql = String::from(
            "INSERT INTO boot_events \
             (account_id, mac, at, addr, user_agent, model, firmware, outcome, detail) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 9;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${},${},${},${},${},${},${},${},${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9
            ));
        }
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q
                .bind(e.account_id)
                .bind(&e.mac)
                .bind(e.at)
                .bind(&e.addr)
                .bind(&e.user_agent)
                .bind(&e.model)
                .bind(&e.firmware)
                .bind(e.outcome.as_str())
                .bind(&e.detail);
        }
        q.execute(&mut *conn).await?;
    }
    // Last-seen facts: only contacts that were answered (not refusals) and only for registered
    // phones. A batch may hold several contacts of one phone; the newest wins by order.
    for e in events.iter().filter(|e| {
        e.account_id.is_some() && !matches!(e.outcome, BootOutcome::Refused | BootOutcome::Unknown)
    }) {
        sqlx::query(
            "UPDATE phones SET last_seen_at = $1, last_seen_addr = $2, \
               model = COALESCE($3, model), reported_firmware = COALESCE($4, reported_firmware), \
               state = $5 \
             WHERE mac = $6 AND account_id = $7 AND (last_seen_at IS NULL OR last_seen_at <= $1)",
        )
        .bind(e.at)
        .bind(&e.addr)
        .bind(&e.model)
        .bind(&e.firmware)
        .bind(e.outcome.as_str())
        .bind(&e.mac)
        .bind(e.account_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A phone's events newest first, older than `before` (an event id) when given.
pub async fn list(
    db: &Db,
    account_id: i64,
    mac: &str,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<BootEventRow>> {
    sqlx::query_as(
        "SELECT id, mac, at, addr, user_agent, model, firmware, outcome, detail FROM boot_events \
         WHERE mac = $1 AND account_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4",
    )
    .bind(mac)
    .bind(account_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Deletes events older than `cutoff`, at most `batch` at a time (so a large backlog does not
/// hold one long write lock); returns how many went.
pub async fn prune(db: &Db, cutoff: i64, batch: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "DELETE FROM boot_events WHERE id IN \
         (SELECT id FROM boot_events WHERE at < $1 ORDER BY at LIMIT $2)",
    )
    .bind(cutoff)
    .bind(batch)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

/// MACs no account registered that contacted rcs since `since`, most frequent first: for
/// the operator (`rcs phones unknown`).
pub async fn unknown_macs(
    db: &Db,
    since: i64,
    limit: i64,
) -> sqlx::Result<Vec<(String, i64, i64)>> {
    sqlx::query_as(
        "SELECT mac, COUNT(*) AS contacts, MAX(at) AS last_at FROM boot_events \
         WHERE account_id IS NULL AND outcome = 'unknown' AND at >= $1 \
         GROUP BY mac ORDER BY contacts DESC, mac LIMIT $2",
    )
    .bind(since)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}
