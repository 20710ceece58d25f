//! Installation-wide values generated on first start and shared by every node.

use super::Db;

/// The stored value of `key`; on first use `generate()` is stored. When two nodes start at
/// once, both insert-if-absent and then read, so they end up with the same value.
pub async fn get_or_init(
    db: &Db,
    key: &str,
    generate: impl FnOnce() -> String,
) -> sqlx::Result<String> {
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(generate())
        .execute(&db.pool)
        .await?;
    sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_one(&db.pool)
        .await
}

/// The key of the device directory's version: a counter every change that can alter a device
/// answer moves on, which each node's directory follows (`crate::device::directory`).
const DIRECTORY_VERSION: &str = "directory_version";

/// The device directory's version (0 until the first change).
pub async fn directory_version(db: &Db) -> sqlx::Result<i64> {
    let version: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(DIRECTORY_VERSION)
        .fetch_optional(&db.pool)
        .await?;
    Ok(version.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Moves the device directory's version on, after a change has been committed, and answers
/// the new version: every node drops the device answers it keeps at its next look (within
/// a second).
pub async fn bump_directory_version(db: &Db) -> sqlx::Result<i64> {
    let version: String = sqlx::query_scalar(
        "INSERT INTO settings (key, value) VALUES ($1, '1') ON CONFLICT (key) DO UPDATE \
         SET value = CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT) RETURNING value",
    )
    .bind(DIRECTORY_VERSION)
    .fetch_one(&db.pool)
    .await?;
    Ok(version.parse().unwrap_or(0))
}
