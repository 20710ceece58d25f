//! Fixed-window counters in the database, shared by every node.
//!
//! A key (`login:pair:...`, `login:client:...`, `login:email:...`) counts events in a window
//! that starts at its first event. Once the window has passed the count starts again, so a
//! limit never locks anyone out for longer than one window. Each counter also keeps when it
//! last counted an event (`last_at`), for delays measured from a client's own last attempt.

use sqlx::FromRow;

use super::Db;

/// A counter in its current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromRow)]
pub struct Counter {
    pub count: i64,
    pub window_start: i64,
    /// When the last event was counted.
    pub last_at: i64,
}

/// The counter of `key` in its current window; `None` when it has counted nothing yet or its
/// window has passed.
pub async fn get(db: &Db, key: &str, window: i64, now: i64) -> sqlx::Result<Option<Counter>> {
    let row: Option<Counter> =
        sqlx::query_as("SELECT count, window_start, last_at FROM rate_limits WHERE key = $1")
            .bind(key)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.filter(|c| c.window_start + window > now))
}

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

/// Counts one event, starting a new window when the current one has passed, and answers the
/// counter including it. One statement: concurrent events each get their own count, so a
/// caller that compares the answer with its limit admits at most `max` of a burst.
pub async fn hit(db: &Db, key: &str, window: i64, now: i64) -> sqlx::Result<Counter> {
    sqlx::query_as(
        "INSERT INTO rate_limits (key, window_start, count, last_at) VALUES ($1, $2, 1, $2) \
         ON CONFLICT (key) DO UPDATE SET \
           count = CASE WHEN rate_limits.window_start + $3 <= $2 THEN 1 ELSE rate_limits.count + 1 END, \
           window_start = CASE WHEN rate_limits.window_start + $3 <= $2 THEN $2 ELSE rate_limits.window_start END, \
           last_at = $2 \
         RETURNING count, window_start, last_at",
    )
    .bind(key)
    .bind(now)
    .bind(window)
    .fetch_one(&db.pool)
    .await
}

/// Takes one event back (an attempt counted up front that turned out not to be a failure).
pub async fn take_back(db: &Db, key: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE rate_limits SET count = count - 1 WHERE key = $1 AND count > 0")
        .bind(key)
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
