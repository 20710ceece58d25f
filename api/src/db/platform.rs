//! The platform-wide statements of the operator console: the MACs that called but no account
//! registered, and the platform's figures. Nothing here is scoped by account: only the
//! console (operators) and the CLI reach it.

use sqlx::{Any, Executor, FromRow};

use super::summary::{DAY, DAYS};
use super::{Db, Dialect};

/// What marks an unknown contact: recorded with no account by the device routes when the MAC
/// is registered nowhere. A MAC registered since then is no longer unknown.
const UNKNOWN: &str = "e.account_id IS NULL AND e.outcome = 'unknown' \
     AND NOT EXISTS (SELECT 1 FROM phones p WHERE p.mac = e.mac)";

/// The marker the device routes put before the certificate's issuer in an unknown contact's
/// detail (`... (certificate issuer: CN=...)`).
pub const ISSUER_MARK: &str = "(certificate issuer: ";

#[derive(Debug, Clone, FromRow)]
pub struct UnknownRow {
    pub mac: String,
    pub first_at: i64,
    pub last_at: i64,
    pub contacts: i64,
    pub detail: Option<String>,
    pub model: Option<String>,
}

impl UnknownRow {
    /// The issuer named in the newest contact's detail, if it named one.
    pub fn issuer(&self) -> Option<String> {
        let detail = self.detail.as_deref()?;
        let start = detail.find(ISSUER_MARK)? + ISSUER_MARK.len();
        let rest = &detail[start..];
        Some(rest.strip_suffix(')').unwrap_or(rest).to_string())
    }
}

/// A page of unknown MACs, the most recent contact first: `limit` rows after `offset`. The
/// unattributed history is bounded by housekeeping, so an offset stays cheap.
pub async fn unknown_page(db: &Db, limit: i64, offset: i64) -> sqlx::Result<Vec<UnknownRow>> {
    let newest = |column: &str| {
        format!(
            "(SELECT d.{column} FROM boot_events d WHERE d.mac = g.mac AND d.account_id IS NULL \
               AND d.outcome = 'unknown' ORDER BY d.id DESC LIMIT 1) AS {column}"
        )
    };
    sqlx::query_as(&format!(
        "SELECT g.mac, g.first_at, g.last_at, g.contacts, {}, {} FROM ( \
           SELECT e.mac, MIN(e.at) AS first_at, MAX(e.at) AS last_at, COUNT(*) AS contacts \
           FROM boot_events e WHERE {UNKNOWN} GROUP BY e.mac \
           ORDER BY last_at DESC, e.mac LIMIT $1 OFFSET $2) g \
         ORDER BY g.last_at DESC, g.mac",
        newest("detail"),
        newest("model"),
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await
}

/// How many distinct MACs are unknown.
pub async fn unknown_count<'e>(exec: impl Executor<'e, Database = Any>) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!(
        "SELECT COUNT(DISTINCT e.mac) FROM boot_events e WHERE {UNKNOWN}"
    ))
    .fetch_one(exec)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct PlatformCounts {
    pub accounts: i64,
    pub suspended_accounts: i64,
    pub phones: i64,
    pub firmware_releases: i64,
}

pub async fn counts(db: &Db) -> sqlx::Result<PlatformCounts> {
    sqlx::query_as(
        "SELECT \
           (SELECT COUNT(*) FROM accounts WHERE kind = 'provider') AS accounts, \
           (SELECT COUNT(*) FROM accounts WHERE kind = 'provider' AND suspended_at IS NOT NULL) \
             AS suspended_accounts, \
           (SELECT COUNT(*) FROM phones) AS phones, \
           (SELECT COUNT(*) FROM firmware_releases) AS firmware_releases",
    )
    .fetch_one(&db.pool)
    .await
}

/// Contacts and refusals per UTC day, across every account (and none), for the [`DAYS`]
/// days ending with `now`'s: `(day index from the first, contacts, refused)`.
pub async fn boots_per_day(db: &Db, first_day: i64) -> sqlx::Result<Vec<(i64, i64, i64)>> {
    sqlx::query_as(
        "SELECT (at - $1) / 86400 AS day, COUNT(*) AS contacts, \
           COALESCE(SUM(CASE WHEN outcome = 'refused' THEN 1 ELSE 0 END), 0) AS refused \
         FROM boot_events WHERE at >= $1 AND at < $2 GROUP BY 1",
    )
    .bind(first_day)
    .bind(first_day + DAYS * DAY)
    .fetch_all(&db.pool)
    .await
}

/// Refused contacts since `since` by reason: the code that starts their detail (`code: ...`
/// on the JSON route, `"file": code: ...` on the native one), most frequent first.
pub async fn refusals(db: &Db, since: i64) -> sqlx::Result<Vec<(String, i64)>> {
    let find = |haystack: &str, needle: &str| match db.dialect {
        Dialect::Sqlite => format!("instr({haystack}, {needle})"),
        Dialect::Postgres => format!("strpos({haystack}, {needle})"),
    };
    // The native route's detail names the file first: drop it.
    let rest = format!(
        "CASE WHEN detail LIKE '\"%' THEN substr(detail, {} + 3) ELSE detail END",
        find("detail", "'\": '")
    );
    let reason = format!(
        "CASE WHEN {found} > 0 THEN substr(r.rest, 1, {found} - 1) ELSE r.rest END",
        found = find("r.rest", "':'")
    );
    sqlx::query_as(&format!(
        "SELECT {reason} AS reason, COUNT(*) AS n FROM ( \
           SELECT {rest} AS rest FROM boot_events WHERE outcome = 'refused' AND at >= $1) r \
         GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 50"
    ))
    .bind(since)
    .fetch_all(&db.pool)
    .await
}
