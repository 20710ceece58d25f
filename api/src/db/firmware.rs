//! The platform-wide firmware catalog: releases and their images (no account scope; the
//! operator curates it for every provider), and the phones' detected vendors that pins are
//! checked against.

use std::collections::HashMap;

use sqlx::{AnyConnection, FromRow};

use super::dialect::Dialect;
use super::Db;

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ReleaseRow {
    pub version: String,
    /// `Vendor::as_str` of the phones the release is for.
    pub vendor: String,
    pub released: i64,
    pub notes: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ImageRow {
    pub version: String,
    pub model: String,
    pub file: String,
    pub sha256: String,
    pub size: i64,
}

const RELEASE: &str = "SELECT version, vendor, released, notes, created_at FROM firmware_releases";

pub async fn find_release(db: &Db, version: &str) -> sqlx::Result<Option<ReleaseRow>> {
    sqlx::query_as(&format!("{RELEASE} WHERE version = $1"))
        .bind(version)
        .fetch_optional(&db.pool)
        .await
}

/// Every release, or `vendor`'s (unordered: callers sort by version numerically).
pub async fn releases(db: &Db, vendor: Option<&str>) -> sqlx::Result<Vec<ReleaseRow>> {
    match vendor {
        Some(v) => {
            sqlx::query_as(&format!("{RELEASE} WHERE vendor = $1"))
                .bind(v)
                .fetch_all(&db.pool)
                .await
        }
        None => sqlx::query_as(RELEASE).fetch_all(&db.pool).await,
    }
}

/// Images of one release, or of every release when `version` is `None`, by model.
pub async fn images(db: &Db, version: Option<&str>) -> sqlx::Result<Vec<ImageRow>> {
    let select = "SELECT version, model, file, sha256, size FROM firmware_images";
    match version {
        Some(v) => {
            sqlx::query_as(&format!("{select} WHERE version = $1 ORDER BY model"))
                .bind(v)
                .fetch_all(&db.pool)
                .await
        }
        None => {
            sqlx::query_as(&format!("{select} ORDER BY version, model"))
                .fetch_all(&db.pool)
                .await
        }
    }
}

/// Every release's version and vendor, for checking phones' `firmware` (a catalog is a few
/// dozen).
pub async fn versions(conn: &mut AnyConnection) -> sqlx::Result<HashMap<String, String>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT version, vendor FROM firmware_releases")
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().collect())
}

/// MACs per statement of [`detected_vendors`] (one JSON parameter each).
const MAC_CHUNK: usize = 10_000;

/// Of `macs`, the account's phones whose vendor the device route detected, by MAC: one
/// statement per 10,000 MACs, whatever the batch. Like `phones::select_macs`, it looks MACs up
/// by primary key and compares the owner here; another account's phone counts as unknown (its
/// owner check answers it, and its boots are not this account's business).
pub async fn detected_vendors(
    conn: &mut AnyConnection,
    account_id: i64,
    macs: &[&str],
) -> sqlx::Result<HashMap<String, String>> {
    let set = Dialect::of(conn).json_text_set(1);
    let sql = format!(
        "SELECT mac, account_id, vendor FROM phones WHERE mac IN ({set}) AND vendor IS NOT NULL"
    );
    let mut found = HashMap::new();
    for chunk in macs.chunks(MAC_CHUNK) {
        let list = serde_json::to_string(chunk).expect("strings serialize");
        let rows: Vec<(String, i64, String)> = sqlx::query_as(&sql)
            .bind(list)
            .fetch_all(&mut *conn)
            .await?;
        found.extend(
            rows.into_iter()
                .filter(|(_, owner, _)| *owner == account_id)
                .map(|(mac, _, vendor)| (mac, vendor)),
        );
    }
    Ok(found)
}

pub async fn insert_release(
    conn: &mut AnyConnection,
    release: &ReleaseRow,
    images: &[ImageRow],
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO firmware_releases (version, vendor, released, notes, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&release.version)
    .bind(&release.vendor)
    .bind(release.released)
    .bind(&release.notes)
    .bind(release.created_at)
    .execute(&mut *conn)
    .await?;
    for image in images {
        sqlx::query(
            "INSERT INTO firmware_images (version, model, file, sha256, size) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&release.version)
        .bind(&image.model)
        .bind(&image.file)
        .bind(&image.sha256)
        .bind(image.size)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Phones (of any account) pinned to `version`. Only the operator's `rcs firmware remove`
/// asks this, so no index serves it (migration 0008 dropped one that slowed every import):
/// a scan, a fraction of a second at a million phones.
pub async fn pinned_phones(conn: &mut AnyConnection, version: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM phones WHERE firmware = $1")
        .bind(version)
        .fetch_one(conn)
        .await
}

/// Deletes a release and its images; false when there was none.
pub async fn delete_release(conn: &mut AnyConnection, version: &str) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM firmware_images WHERE version = $1")
        .bind(version)
        .execute(&mut *conn)
        .await?;
    let done = sqlx::query("DELETE FROM firmware_releases WHERE version = $1")
        .bind(version)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Phones of every account per release: `(version, pinned, reporting)`, where `pinned` have
/// it as their pin and `reporting` said at their last contact that they run it. One pass over
/// the phones per count: the operator's catalog page, not a hot path.
pub async fn phones_per_release(db: &Db) -> sqlx::Result<Vec<(String, i64, i64)>> {
    sqlx::query_as(
        "SELECT v, SUM(pinned) AS pinned, SUM(reporting) AS reporting FROM ( \
           SELECT firmware AS v, 1 AS pinned, 0 AS reporting FROM phones \
             WHERE firmware IS NOT NULL AND firmware <> '' \
           UNION ALL \
           SELECT reported_firmware AS v, 0 AS pinned, 1 AS reporting FROM phones \
             WHERE reported_firmware IS NOT NULL) c \
         GROUP BY v",
    )
    .fetch_all(&db.pool)
    .await
}
