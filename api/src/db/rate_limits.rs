//! Fixed-window counters in the database, shared by every node.
//!
//! A key (`login:email:...`, `login:client:...`) counts events in a window that starts at
//! its first event. Once the window has passed the count starts again, so a limit never
//! locks anyone out for longer than one window.

use super::Db;

/// Seconds until `key` may be tried again, or `None` when it is under `max` events.
pub async fn blocked_for(
    db: &Db,
    key: &str,
    max: u32,
    window: i64,
    now: i64,
) -> sqlx::Result<Option<u64>> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT window_start, count FROM rate_limits WHERE key = $1")
            .bind(key)
            .fetch_optional(&db.pool)
            .await?;
    Ok(match row {
        Some((start, count)) if count >= i64::from(max) && start + window > now => {
            Some((start + window - now).max(1) as u64)
        }
        _ => None,
    })
}

/// Counts one event, starting a new window when the current one has passed.
pub async fn hit(db: &Db, key: &str, window: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           count = CASE WHEN rate_limits.window_start + $3 <= $2 THEN 1 ELSE rate_limits.count + 1 END, \
           window_start = CASE WHEN rate_limits.window_start + $3 <= $2 THEN $2 ELSE rate_limits.window_start END",
    )
    .bind(key)
    .bind(now)
    .bind(window)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn clear(db: &Db, key: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM rate_limits WHERE key = $1")
        .bind(key)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Drops counters whose window ended (housekeeping).
pub async fn delete_expired(db: &Db, window: i64, now: i64) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM rate_limits WHERE window_start + $1 <= $2")
            .bind(window)
            .bind(now)
            .execute(&db.pool)
            .await?
            .rows_affected(),
    )
}
