//! Device CAs operators trust (`rcs device-ca add/list/remove`), kept in the database so every
//! node of a multi-node installation trusts the same set.

use sqlx::FromRow;

use super::Db;

#[derive(Debug, Clone, FromRow)]
pub struct DeviceCaRow {
    pub id: i64,
    pub subject: String,
    pub sha256: String,
    pub pem: String,
    pub not_after: i64,
    pub added_at: i64,
}

pub async fn list(db: &Db) -> sqlx::Result<Vec<DeviceCaRow>> {
    sqlx::query_as(
        "SELECT id, subject, sha256, pem, not_after, added_at FROM device_cas ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
}

/// A short text that changes whenever the set changes: nodes compare it to reload cheaply.
pub async fn stamp(db: &Db) -> sqlx::Result<String> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, sha256 FROM device_cas ORDER BY id")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .iter()
        .map(|(id, sha)| format!("{id}:{}", &sha[..sha.len().min(16)]))
        .collect::<Vec<_>>()
        .join(","))
}

/// Adds a CA; `None` when a certificate with the same fingerprint is already there.
pub async fn add(
    db: &Db,
    subject: &str,
    sha256: &str,
    pem: &str,
    not_after: i64,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM device_cas WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(&db.pool)
        .await?;
    if existing.is_some() {
        return Ok(None);
    }
    // fetch_all, not fetch_one: on SQLite an autocommit INSERT ... RETURNING whose statement
    // is not stepped to the end keeps its write lock until the cached statement is reused,
    // which locked every other process (`rcs device-ca remove`) out of the database.
    let ids: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO device_cas (subject, sha256, pem, not_after, added_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(subject)
    .bind(sha256)
    .bind(pem)
    .bind(not_after)
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    Ok(ids.first().copied())
}

/// Removes a CA; false when there was none with that id.
pub async fn remove(db: &Db, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM device_cas WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() > 0)
}
