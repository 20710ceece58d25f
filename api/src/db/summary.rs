//! Account statistics for the dashboard: phone counts by state and daily phone contacts.
//!
//! Counted in the database with one pass over the account's phones (conditional sums) and
//! one grouped range scan of its boot events, so the cost does not grow with round trips.

use rcs_shared::{DailyContacts, Summary};
use sqlx::FromRow;

use super::Db;

/// Seconds in a day; days are UTC days.
pub const DAY: i64 = 86_400;
/// How many days `contacts_per_day` covers, today included.
pub const DAYS: i64 = 30;

#[derive(Debug, FromRow)]
struct Counts {
    phones: i64,
    redirected: i64,
    firmware_pinned: i64,
    own_branding: i64,
    default_branding: i64,
    seen_last_24h: i64,
    seen_last_7d: i64,
    never_seen: i64,
    servers: i64,
    users: i64,
}

/// The statistics of `account_id` as of `now` (Unix seconds).
#[tracing::instrument(skip(db))]
pub async fn summary(db: &Db, account_id: i64, now: i64) -> sqlx::Result<Summary> {
    let counts: Counts = sqlx::query_as(
        "SELECT COUNT(*) AS phones, \
           COALESCE(SUM(CASE WHEN server_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS redirected, \
           COALESCE(SUM(CASE WHEN firmware IS NOT NULL AND firmware <> '' THEN 1 ELSE 0 END), 0) \
             AS firmware_pinned, \
           COALESCE(SUM(CASE WHEN branding_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS own_branding, \
           (SELECT COUNT(*) FROM brandings WHERE account_id = $1 AND is_default = 1) \
             AS default_branding, \
           COALESCE(SUM(CASE WHEN last_seen_at >= $2 THEN 1 ELSE 0 END), 0) AS seen_last_24h, \
           COALESCE(SUM(CASE WHEN last_seen_at >= $3 THEN 1 ELSE 0 END), 0) AS seen_last_7d, \
           COALESCE(SUM(CASE WHEN last_seen_at IS NULL THEN 1 ELSE 0 END), 0) AS never_seen, \
           (SELECT COUNT(*) FROM servers WHERE account_id = $1) AS servers, \
           (SELECT COUNT(*) FROM users WHERE account_id = $1) AS users \
         FROM phones WHERE account_id = $1",
    )
    .bind(account_id)
    .bind(now - DAY)
    .bind(now - 7 * DAY)
    .fetch_one(&db.pool)
    .await?;

    let first_day = now.div_euclid(DAY) * DAY - (DAYS - 1) * DAY;
    let per_day: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT (at - $2) / 86400 AS day, COUNT(*) AS contacts, \
           COALESCE(SUM(CASE WHEN outcome = 'refused' THEN 1 ELSE 0 END), 0) AS refused \
         FROM boot_events \
         WHERE account_id = $1 AND at >= $2 AND at < $3 GROUP BY 1",
    )
    .bind(account_id)
    .bind(first_day)
    .bind(first_day + DAYS * DAY)
    .fetch_all(&db.pool)
    .await?;
    let mut contacts = vec![(0i64, 0i64); DAYS as usize];
    for (day, n, refused) in per_day {
        if let Some(slot) = usize::try_from(day).ok().and_then(|d| contacts.get_mut(d)) {
            *slot = (n, refused);
        }
    }
    let contacts_per_day = contacts
        .into_iter()
        .enumerate()
        .map(|(i, (contacts, refused))| DailyContacts {
            date: utc_date(first_day + i as i64 * DAY),
            contacts,
            refused,
        })
        .collect();

    Ok(Summary {
        phones: counts.phones,
        redirected: counts.redirected,
        unaffiliated: counts.phones - counts.redirected,
        firmware_pinned: counts.firmware_pinned,
        branded: branded(&counts),
        own_branding: counts.own_branding,
        default_branding: counts.default_branding > 0,
        seen_last_24h: counts.seen_last_24h,
        seen_last_7d: counts.seen_last_7d,
        never_seen: counts.never_seen,
        servers: counts.servers,
        users: counts.users,
        contacts_per_day,
    })
}

/// Phones that get a branding: every phone when the account has a default branding, else
/// those with one of their own.
fn branded(counts: &Counts) -> i64 {
    if counts.default_branding > 0 {
        counts.phones
    } else {
        counts.own_branding
    }
}

/// `YYYY-MM-DD` of a Unix time, in UTC.
pub fn utc_date(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.date().format(&format).ok())
        .unwrap_or_default()
}
