//! Revocation lists for device certificates (`rcs device-crl add/list/remove`), kept in the
//! database beside the trusted CAs so every node refuses the same revoked phones.

use sqlx::FromRow;

use super::Db;

#[derive(Debug, Clone, FromRow)]
pub struct DeviceCrlRow {
    pub id: i64,
    pub issuer: String,
    pub sha256: String,
    pub pem: String,
    pub this_update: i64,
    pub next_update: Option<i64>,
    pub revoked: i64,
    pub added_at: i64,
}

/// A revocation list about to be stored.
pub struct NewCrl<'a> {
    pub issuer: &'a str,
    pub sha256: &'a str,
    pub pem: &'a str,
    pub this_update: i64,
    pub next_update: Option<i64>,
    pub revoked: i64,
}

/// What storing a list did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// The issuer had no list yet.
    Added,
    /// It replaced an older list of the same issuer.
    Replaced,
    /// This very list is stored already.
    Unchanged,
    /// The stored list of this issuer is newer: nothing changed.
    Older,
}

pub async fn list(db: &Db) -> sqlx::Result<Vec<DeviceCrlRow>> {
    sqlx::query_as(
        "SELECT id, issuer, sha256, pem, this_update, next_update, revoked, added_at \
         FROM device_crls ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
}

/// Like [`super::device_cas::stamp`], for the lists.
pub async fn stamp(db: &Db) -> sqlx::Result<String> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, sha256 FROM device_crls ORDER BY id")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .iter()
        .map(|(id, sha)| format!("{id}:{}", &sha[..sha.len().min(16)]))
        .collect::<Vec<_>>()
        .join(","))
}

/// Stores `crl`, replacing an older list of the same issuer in one transaction.
pub async fn store(db: &Db, crl: &NewCrl<'_>, now: i64) -> sqlx::Result<Stored> {
    let mut tx = db.begin_write().await?;
    let existing: Option<(i64, String, i64)> =
        sqlx::query_as("SELECT id, sha256, this_update FROM device_crls WHERE issuer = $1")
            .bind(crl.issuer)
            .fetch_optional(&mut *tx)
            .await?;
    let outcome = match existing {
        Some((_, sha, _)) if sha == crl.sha256 => return Ok(Stored::Unchanged),
        Some((_, _, this_update)) if this_update > crl.this_update => return Ok(Stored::Older),
        Some((id, _, _)) => {
            sqlx::query("DELETE FROM device_crls WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            Stored::Replaced
        }
        None => Stored::Added,
    };
    sqlx::query(
        "INSERT INTO device_crls \
         (issuer, sha256, pem, this_update, next_update, revoked, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(crl.issuer)
    .bind(crl.sha256)
    .bind(crl.pem)
    .bind(crl.this_update)
    .bind(crl.next_update)
    .bind(crl.revoked)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Removes a list; false when there was none with that id.
pub async fn remove(db: &Db, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM device_crls WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() > 0)
}
