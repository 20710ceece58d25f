//! The platform-wide firmware catalog: releases and their images (no account scope; the
//! operator curates it for every provider).

use std::collections::HashSet;

use sqlx::{AnyConnection, FromRow};

use super::Db;

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ReleaseRow {
    pub version: String,
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

pub async fn find_release(db: &Db, version: &str) -> sqlx::Result<Option<ReleaseRow>> {
    sqlx::query_as(
        "SELECT version, released, notes, created_at FROM firmware_releases WHERE version = $1",
    )
    .bind(version)
    .fetch_optional(&db.pool)
    .await
}

/// Every release (unordered: callers sort by version numerically).
pub async fn releases(db: &Db) -> sqlx::Result<Vec<ReleaseRow>> {
    sqlx::query_as("SELECT version, released, notes, created_at FROM firmware_releases")
        .fetch_all(&db.pool)
        .await
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

/// The names of every release, for checking phones' `firmware` (a catalog is a few dozen).
pub async fn versions(conn: &mut AnyConnection) -> sqlx::Result<HashSet<String>> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT version FROM firmware_releases")
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

pub async fn insert_release(
    conn: &mut AnyConnection,
    release: &ReleaseRow,
    images: &[ImageRow],
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO firmware_releases (version, released, notes, created_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(&release.version)
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
