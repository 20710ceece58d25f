//! Boot history: one row per phone contact, written in batches by the boot recorder, read a
//! page at a time by account users, pruned after the retention period.

use std::collections::hash_map::{Entry, HashMap};

use sqlx::{AnyConnection, FromRow};

use super::{rfc3339, Db, Dialect};
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
    /// The vendor whose native protocol the contact spoke (`None`: rcs's own protocol, or not
    /// known).
    pub vendor: Option<String>,
    /// Set for the files of one native boot: every event with the same key is one history
    /// entry, whose detail lists the files and whose outcome is the boot's so far.
    pub boot_key: Option<String>,
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
    pub vendor: Option<String>,
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
            vendor: self.vendor.clone(),
        }
    }
}

/// Rows per statement. Rows travel as one JSON text parameter that the engine unpacks
/// (`json_each` on SQLite, `json_array_elements` on PostgreSQL), so the statement text is the
/// same whatever the batch size: each connection prepares it once. Writing `VALUES` lists
/// with a placeholder per column gave every batch size its own statement, which PostgreSQL
/// parsed and planned afresh (profiled: the planner was the largest cost of its backends in
/// a boot storm), and SQLite prepared afresh too.
const ROWS_PER_STATEMENT: usize = 1_000;

/// One event as [`insert`]'s JSON carries it, in column order.
type JsonEvent<'a> = (
    Option<i64>,
    &'a str,
    i64,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
);

/// One phone's last-seen facts as [`insert`]'s JSON carries them: `[mac, account_id, at,
/// addr, model, firmware, state, vendor]`.
type JsonSeen<'a> = (
    &'a str,
    i64,
    i64,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    &'a str,
    Option<&'a str>,
);

/// The statements of [`insert`] for one engine.
struct Statements {
    events: &'static str,
    seen: &'static str,
}

const SQLITE: Statements = Statements {
    events: "INSERT INTO boot_events \
             (account_id, mac, at, addr, user_agent, model, firmware, outcome, detail, vendor, \
              boot_key) \
             SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), \
                    json_extract(value, '$[2]'), json_extract(value, '$[3]'), \
                    json_extract(value, '$[4]'), json_extract(value, '$[5]'), \
                    json_extract(value, '$[6]'), json_extract(value, '$[7]'), \
                    json_extract(value, '$[8]'), json_extract(value, '$[9]'), \
                    json_extract(value, '$[10]') \
             FROM json_each($1) WHERE true ORDER BY key \
             ON CONFLICT (boot_key) DO UPDATE SET \
               detail = substr(boot_events.detail || ' | ' || excluded.detail, 1, 4000), \
               outcome = CASE WHEN (CASE excluded.outcome WHEN 'firmware_sent' THEN 4 \
                              WHEN 'branding_sent' THEN 3 WHEN 'redirected' THEN 2 \
                              WHEN 'unknown' THEN 1 ELSE 0 END) >= (CASE boot_events.outcome WHEN 'firmware_sent' THEN 4 \
                              WHEN 'branding_sent' THEN 3 WHEN 'redirected' THEN 2 \
                              WHEN 'unknown' THEN 1 ELSE 0 END) THEN excluded.outcome \
                              ELSE boot_events.outcome END, \
               model = COALESCE(excluded.model, boot_events.model), \
               firmware = COALESCE(excluded.firmware, boot_events.firmware), \
               vendor = COALESCE(excluded.vendor, boot_events.vendor)",
    seen: "UPDATE phones SET last_seen_at = v.at, last_seen_addr = v.addr, \
             model = COALESCE(v.model, phones.model), \
             reported_firmware = COALESCE(v.firmware, phones.reported_firmware), \
             vendor = COALESCE(v.vendor, phones.vendor), \
             state = v.state \
           FROM (SELECT json_extract(value, '$[0]') AS mac, \
                        json_extract(value, '$[1]') AS account_id, \
                        json_extract(value, '$[2]') AS at, json_extract(value, '$[3]') AS addr, \
                        json_extract(value, '$[4]') AS model, \
                        json_extract(value, '$[5]') AS firmware, \
                        json_extract(value, '$[6]') AS state, \
                        json_extract(value, '$[7]') AS vendor \
                 FROM json_each($1)) AS v \
           WHERE phones.mac = v.mac AND phones.account_id = v.account_id \
             AND (phones.last_seen_at IS NULL OR phones.last_seen_at <= v.at)",
};

const POSTGRES: Statements = Statements {
    events: "INSERT INTO boot_events \
             (account_id, mac, at, addr, user_agent, model, firmware, outcome, detail, vendor, \
              boot_key) \
             SELECT CAST(e->>0 AS BIGINT), e->>1, CAST(e->>2 AS BIGINT), e->>3, e->>4, e->>5, \
                    e->>6, e->>7, e->>8, e->>9, e->>10 \
             FROM json_array_elements(CAST($1 AS json)) WITH ORDINALITY AS t(e, n) ORDER BY n \
             ON CONFLICT (boot_key) DO UPDATE SET \
               detail = substr(boot_events.detail || ' | ' || excluded.detail, 1, 4000), \
               outcome = CASE WHEN (CASE excluded.outcome WHEN 'firmware_sent' THEN 4 \
                              WHEN 'branding_sent' THEN 3 WHEN 'redirected' THEN 2 \
                              WHEN 'unknown' THEN 1 ELSE 0 END) >= (CASE boot_events.outcome WHEN 'firmware_sent' THEN 4 \
                              WHEN 'branding_sent' THEN 3 WHEN 'redirected' THEN 2 \
                              WHEN 'unknown' THEN 1 ELSE 0 END) THEN excluded.outcome \
                              ELSE boot_events.outcome END, \
               model = COALESCE(excluded.model, boot_events.model), \
               firmware = COALESCE(excluded.firmware, boot_events.firmware), \
               vendor = COALESCE(excluded.vendor, boot_events.vendor)",
    seen: "UPDATE phones SET last_seen_at = v.at, last_seen_addr = v.addr, \
             model = COALESCE(v.model, phones.model), \
             reported_firmware = COALESCE(v.firmware, phones.reported_firmware), \
             vendor = COALESCE(v.vendor, phones.vendor), \
             state = v.state \
           FROM (SELECT e->>0 AS mac, CAST(e->>1 AS BIGINT) AS account_id, \
                        CAST(e->>2 AS BIGINT) AS at, e->>3 AS addr, e->>4 AS model, \
                        e->>5 AS firmware, e->>6 AS state, e->>7 AS vendor \
                 FROM json_array_elements(CAST($1 AS json)) AS e) AS v \
           WHERE phones.mac = v.mac AND phones.account_id = v.account_id \
             AND (phones.last_seen_at IS NULL OR phones.last_seen_at <= v.at)",
};

/// Writes `events` and the last-seen facts of the registered phones among them, in the
/// caller's transaction: one statement for the events and one for the phones per
/// [`ROWS_PER_STATEMENT`] rows, so a boot storm's batch of a thousand contacts costs two
/// statements, not a thousand round trips.
pub async fn insert(conn: &mut AnyConnection, events: &[NewBootEvent]) -> sqlx::Result<()> {
    let sql = match Dialect::of(conn) {
        Dialect::Sqlite => &SQLITE,
        Dialect::Postgres => &POSTGRES,
    };
    let merged;
    let events = if events.iter().any(|e| e.boot_key.is_some()) {
        merged = merge_boots(events);
        merged.as_slice()
    } else {
        events
    };
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<JsonEvent> = chunk
            .iter()
            .map(|e| {
                (
                    e.account_id,
                    e.mac.as_str(),
                    e.at,
                    e.addr.as_deref(),
                    e.user_agent.as_deref(),
                    e.model.as_deref(),
                    e.firmware.as_deref(),
                    e.outcome.as_str(),
                    e.detail.as_str(),
                    e.vendor.as_deref(),
                    e.boot_key.as_deref(),
                )
            })
            .collect();
        let json = serde_json::to_string(&rows).expect("events serialize");
        sqlx::query(sql.events)
            .bind(json)
            .execute(&mut *conn)
            .await?;
    }
    let seen = last_seen(events);
    for chunk in seen.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<JsonSeen> = chunk
            .iter()
            .map(|s| {
                (
                    s.mac,
                    s.account_id,
                    s.at,
                    s.addr,
                    s.model,
                    s.firmware,
                    s.state,
                    s.vendor,
                )
            })
            .collect();
        let json = serde_json::to_string(&rows).expect("phones serialize");
        sqlx::query(sql.seen).bind(json).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The batch with the events of each native boot folded into one (first time, best outcome
/// as `plan::rank` orders them, later facts, details joined), in the order the boots began. One statement may not touch a
/// row twice on PostgreSQL, so a boot whose files all arrive in one batch must be one row of
/// it; a boot spread over batches is folded by the statement's `ON CONFLICT (boot_key)`.
pub fn merge_boots(events: &[NewBootEvent]) -> Vec<NewBootEvent> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut out: Vec<NewBootEvent> = Vec::with_capacity(events.len());
    for e in events {
        let Some(key) = e.boot_key.as_deref() else {
            out.push(e.clone());
            continue;
        };
        match index.entry(key) {
            Entry::Occupied(i) => {
                let boot = &mut out[*i.get()];
                boot.detail = format!("{} | {}", boot.detail, e.detail);
                if crate::device::native::plan::rank(e.outcome)
                    >= crate::device::native::plan::rank(boot.outcome)
                {
                    boot.outcome = e.outcome;
                }
                boot.addr = e.addr.clone().or(boot.addr.take());
                boot.user_agent = e.user_agent.clone().or(boot.user_agent.take());
                boot.model = e.model.clone().or(boot.model.take());
                boot.firmware = e.firmware.clone().or(boot.firmware.take());
                boot.vendor = e.vendor.clone().or(boot.vendor.take());
            }
            Entry::Vacant(v) => {
                v.insert(out.len());
                out.push(e.clone());
            }
        }
    }
    out
}

/// What a batch tells about one registered phone: its last answered contact, with the model
/// and firmware most recently reported (a later contact that reports none keeps them).
#[derive(Debug, PartialEq, Eq)]
struct Seen<'a> {
    mac: &'a str,
    account_id: i64,
    at: i64,
    addr: Option<&'a str>,
    model: Option<&'a str>,
    firmware: Option<&'a str>,
    state: &'static str,
    vendor: Option<&'a str>,
}

/// The last-seen facts of the registered phones among `events` (in the order they happened),
/// one per phone: refusals and unknown MACs say nothing about a phone.
fn last_seen(events: &[NewBootEvent]) -> Vec<Seen<'_>> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut seen: Vec<Seen<'_>> = Vec::new();
    for e in events {
        let Some(account_id) = e.account_id else {
            continue;
        };
        if matches!(e.outcome, BootOutcome::Refused | BootOutcome::Unknown) {
            continue;
        }
        let next = Seen {
            mac: &e.mac,
            account_id,
            at: e.at,
            addr: e.addr.as_deref(),
            model: e.model.as_deref(),
            firmware: e.firmware.as_deref(),
            state: e.outcome.as_str(),
            vendor: e.vendor.as_deref(),
        };
        match index.entry(&e.mac) {
            Entry::Occupied(i) => {
                let earlier = &mut seen[*i.get()];
                *earlier = Seen {
                    model: next.model.or(earlier.model),
                    firmware: next.firmware.or(earlier.firmware),
                    vendor: next.vendor.or(earlier.vendor),
                    ..next
                };
            }
            Entry::Vacant(v) => {
                v.insert(seen.len());
                seen.push(next);
            }
        }
    }
    seen
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
        "SELECT id, mac, at, addr, user_agent, model, firmware, outcome, detail, vendor \
         FROM boot_events \
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

/// Deletes all but the newest `keep` events that belong to no account (unregistered MACs,
/// senders without a trusted certificate), at most `batch` per statement; returns how many
/// went. Anybody can cause such events, so housekeeping bounds them by count, not only by age.
pub async fn trim_unattributed(db: &Db, keep: u64, batch: i64) -> sqlx::Result<u64> {
    let keep = i64::try_from(keep).unwrap_or(i64::MAX);
    let mut deleted = 0;
    loop {
        // Newest first by time, then id: the (account_id, at) index serves the scan.
        let done = sqlx::query(
            "DELETE FROM boot_events WHERE id IN \
             (SELECT id FROM boot_events WHERE account_id IS NULL \
              ORDER BY at DESC, id DESC LIMIT $1 OFFSET $2)",
        )
        .bind(batch)
        .bind(keep)
        .execute(&db.pool)
        .await?
        .rows_affected();
        deleted += done;
        if done == 0 || done < u64::try_from(batch).unwrap_or(0) {
            return Ok(deleted);
        }
    }
}

/// Refused contacts that belong to no account since `since`, by MAC and reason, most frequent
/// first: `(mac, detail, contacts, last_at)` for the operator (`rcs phones refused`).
pub async fn unattributed_refusals(
    db: &Db,
    since: i64,
    limit: i64,
) -> sqlx::Result<Vec<(String, String, i64, i64)>> {
    sqlx::query_as(
        "SELECT mac, detail, COUNT(*) AS contacts, MAX(at) AS last_at FROM boot_events \
         WHERE account_id IS NULL AND outcome = 'refused' AND at >= $1 \
         GROUP BY mac, detail ORDER BY contacts DESC, mac, detail LIMIT $2",
    )
    .bind(since)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
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

#[cfg(test)]
mod tests {
    use super::*;

    fn event(mac: &str, at: i64, outcome: BootOutcome, model: Option<&str>) -> NewBootEvent {
        NewBootEvent {
            account_id: Some(1),
            mac: mac.to_string(),
            at,
            addr: Some(format!("10.0.0.{at}")),
            user_agent: None,
            model: model.map(str::to_string),
            firmware: None,
            outcome,
            detail: String::new(),
            vendor: None,
            boot_key: None,
        }
    }

    #[test]
    fn a_native_boot_in_one_batch_is_one_event() {
        let mut files = Vec::new();
        for (i, (file, outcome)) in [
            ("aastra.cfg", BootOutcome::Redirected),
            ("00085D000001.cfg", BootOutcome::BrandingSent),
            ("6757i.st", BootOutcome::FirmwareSent),
        ]
        .into_iter()
        .enumerate()
        {
            let mut e = event("00085D000001", 10 + i as i64, outcome, Some("6757i"));
            e.detail = file.to_string();
            e.boot_key = Some("n1-1".into());
            e.vendor = Some("aastra".into());
            files.push(e);
        }
        files.insert(1, event("00085D000002", 11, BootOutcome::Redirected, None));
        let merged = merge_boots(&files);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].detail, "aastra.cfg | 00085D000001.cfg | 6757i.st");
        assert_eq!(merged[0].at, 10, "a boot is dated by its first file");
        assert_eq!(merged[0].outcome, BootOutcome::FirmwareSent);
        assert_eq!(merged[0].addr.as_deref(), Some("10.0.0.12"));
        assert_eq!(merged[1].mac, "00085D000002");
    }

    #[test]
    fn a_batch_gives_each_phone_its_last_answered_contact() {
        let mut unknown = event("00085D000009", 1, BootOutcome::Unknown, None);
        unknown.account_id = None;
        let events = [
            event("00085D000001", 1, BootOutcome::Redirected, Some("6757i")),
            event("00085D000002", 2, BootOutcome::Redirected, None),
            event("00085D000001", 3, BootOutcome::FirmwareSent, None),
            event("00085D000001", 4, BootOutcome::Refused, Some("6731i")),
            unknown,
        ];
        let seen = last_seen(&events);
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].mac, "00085D000001");
        assert_eq!(seen[0].at, 3, "the refusal at 4 says nothing");
        assert_eq!(seen[0].addr, Some("10.0.0.3"));
        assert_eq!(seen[0].state, BootOutcome::FirmwareSent.as_str());
        assert_eq!(
            seen[0].model,
            Some("6757i"),
            "kept from the earlier contact"
        );
        assert_eq!(seen[1].mac, "00085D000002");
    }
}
