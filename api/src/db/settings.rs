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
