//! Brandings of an account and their files, with how many phones use each branding.
//!
//! Every query is scoped by `account_id`: another account's branding is simply not found.
//! File bytes live in the [`BlobStore`](crate::storage::BlobStore); rows here name them by
//! SHA-256. Statements only: `services::brandings` decides what a missing branding,
//! a taken name or a full branding means, and records each change's audit entry in the
//! transaction that makes it.

use std::collections::HashMap;

use rcs_shared::{Branding, BrandingFile};
use sqlx::{Any, AnyConnection, Executor, FromRow};

use super::{rfc3339, Db};

#[derive(Debug, Clone, FromRow)]
pub struct BrandingRow {
    pub id: i64,
    pub name: String,
    pub is_default: i64,
    pub phone_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct FileRow {
    pub branding_id: i64,
    pub name: String,
    pub sha256: String,
    pub size: i64,
    pub content_type: String,
}

impl BrandingRow {
    pub fn to_dto(&self, files: &[FileRow]) -> Branding {
        Branding {
            id: self.id,
            name: self.name.clone(),
            is_default: self.is_default != 0,
            files: files
                .iter()
                .map(|f| BrandingFile {
                    name: f.name.clone(),
                    size: f.size,
                    sha256: f.sha256.clone(),
                    content_type: f.content_type.clone(),
                })
                .collect(),
            phone_count: self.phone_count,
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
        }
    }
}

const SELECT_BRANDING: &str = "SELECT b.id, b.name, b.is_default, \
     (SELECT COUNT(*) FROM phones p WHERE p.account_id = b.account_id AND p.branding_id = b.id) \
       AS phone_count, \
     b.created_at, b.updated_at FROM brandings b";

const SELECT_FILE: &str =
    "SELECT f.branding_id, f.name, f.sha256, f.size, f.content_type FROM branding_files f";

/// Every branding of the account, by name, each with its files.
#[tracing::instrument(skip(db))]
pub async fn list(db: &Db, account_id: i64) -> sqlx::Result<Vec<Branding>> {
    let rows: Vec<BrandingRow> = sqlx::query_as(&format!(
        "{SELECT_BRANDING} WHERE b.account_id = $1 ORDER BY b.name, b.id"
    ))
    .bind(account_id)
    .fetch_all(&db.pool)
    .await?;
    let files: Vec<FileRow> = sqlx::query_as(&format!(
        "{SELECT_FILE} JOIN brandings b ON b.id = f.branding_id \
         WHERE b.account_id = $1 ORDER BY f.name"
    ))
    .bind(account_id)
    .fetch_all(&db.pool)
    .await?;
    let mut by_branding: HashMap<i64, Vec<FileRow>> = HashMap::new();
    for f in files {
        by_branding.entry(f.branding_id).or_default().push(f);
    }
    Ok(rows
        .iter()
        .map(|r| r.to_dto(by_branding.get(&r.id).map_or(&[], Vec::as_slice)))
        .collect())
}

pub async fn find<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
) -> sqlx::Result<Option<BrandingRow>> {
    sqlx::query_as(&format!(
        "{SELECT_BRANDING} WHERE b.account_id = $1 AND b.id = $2"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(exec)
    .await
}

/// The files of one branding (which the caller has already found in its account), by name.
pub async fn files<'e>(
    exec: impl Executor<'e, Database = Any>,
    branding_id: i64,
) -> sqlx::Result<Vec<FileRow>> {
    sqlx::query_as(&format!(
        "{SELECT_FILE} WHERE f.branding_id = $1 ORDER BY f.name"
    ))
    .bind(branding_id)
    .fetch_all(exec)
    .await
}

/// The branding a phone receives: its own (`branding_id`) when it has one, else the
/// account's default, else none. The device route serves what this returns.
#[tracing::instrument(skip(db))]
pub async fn effective_for_phone(
    db: &Db,
    account_id: i64,
    branding_id: Option<i64>,
) -> sqlx::Result<Option<(BrandingRow, Vec<FileRow>)>> {
    let row: Option<BrandingRow> = match branding_id {
        Some(id) => find(&db.pool, account_id, id).await?,
        None => {
            sqlx::query_as(&format!(
                "{SELECT_BRANDING} WHERE b.account_id = $1 AND b.is_default = 1"
            ))
            .bind(account_id)
            .fetch_optional(&db.pool)
            .await?
        }
    };
    match row {
        Some(row) => {
            let files = files(&db.pool, row.id).await?;
            Ok(Some((row, files)))
        }
        None => Ok(None),
    }
}

/// Makes `id` the account's only default (`true`) or not the default (`false`). The partial
/// unique index makes a concurrent second default fail (a unique violation) instead of
/// coexisting.
pub async fn set_default(
    conn: &mut AnyConnection,
    account_id: i64,
    id: i64,
    is_default: bool,
) -> sqlx::Result<()> {
    if is_default {
        sqlx::query(
            "UPDATE brandings SET is_default = 0 WHERE account_id = $1 AND id <> $2 AND is_default = 1",
        )
        .bind(account_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("UPDATE brandings SET is_default = $1 WHERE account_id = $2 AND id = $3")
        .bind(i64::from(is_default))
        .bind(account_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Inserts a branding (not the default: [`set_default`] makes it one); a taken name fails on
/// the UNIQUE constraint.
pub async fn insert<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    name: &str,
    now: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO brandings (account_id, name, is_default, created_at, updated_at) \
         VALUES ($1, $2, 0, $3, $3) RETURNING id",
    )
    .bind(account_id)
    .bind(name)
    .bind(now)
    .fetch_one(exec)
    .await
}

/// Renames a branding of the account; a taken name fails on the UNIQUE constraint.
pub async fn rename<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
    name: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE brandings SET name = $1, updated_at = $2 WHERE account_id = $3 AND id = $4",
    )
    .bind(name)
    .bind(now)
    .bind(account_id)
    .bind(id)
    .execute(exec)
    .await?;
    Ok(())
}

/// Leaves every phone of the account that uses branding `id` without a branding of its own;
/// returns how many.
pub async fn unassign_phones<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
    now: i64,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE phones SET branding_id = NULL, updated_at = $1 \
         WHERE account_id = $2 AND branding_id = $3",
    )
    .bind(now)
    .bind(account_id)
    .bind(id)
    .execute(exec)
    .await?
    .rows_affected())
}

/// Deletes a branding of the account (its file rows go with it). Whether a phone still uses
/// it is the caller's check, made with the row locked (`phones::lock_row`): only SQLite has a
/// foreign key on it.
pub async fn delete<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM brandings WHERE account_id = $1 AND id = $2")
        .bind(account_id)
        .bind(id)
        .execute(exec)
        .await?;
    Ok(())
}

/// A file whose bytes are already in the blob store, ready to be recorded.
pub struct StoredFile<'a> {
    pub name: &'a str,
    pub sha256: &'a str,
    pub size: i64,
    pub content_type: &'a str,
}

/// Sets `updated_at` of a branding of the account; 0 when there is no such branding. On
/// PostgreSQL this also locks the row until the transaction ends, which is what serializes two
/// uploads to one branding (SQLite's write transaction already serializes them).
pub async fn touch<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
    now: i64,
) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("UPDATE brandings SET updated_at = $1 WHERE account_id = $2 AND id = $3")
            .bind(now)
            .bind(account_id)
            .bind(id)
            .execute(exec)
            .await?
            .rows_affected(),
    )
}

/// Total bytes of the files of branding `id` other than `name` (the one being replaced).
pub async fn size_of_other_files<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: i64,
    name: &str,
) -> sqlx::Result<i64> {
    // SUM of a BIGINT is NUMERIC on PostgreSQL, which the Any driver cannot read: cast back.
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM branding_files WHERE branding_id = $1 AND name <> $2",
    )
    .bind(id)
    .bind(name)
    .fetch_one(exec)
    .await
}

/// Adds or replaces a file row of branding `id`; true when it replaced one.
pub async fn put_file(
    conn: &mut AnyConnection,
    id: i64,
    file: &StoredFile<'_>,
    now: i64,
) -> sqlx::Result<bool> {
    let replaced = sqlx::query(
        "UPDATE branding_files SET sha256 = $1, size = $2, content_type = $3, updated_at = $4 \
         WHERE branding_id = $5 AND name = $6",
    )
    .bind(file.sha256)
    .bind(file.size)
    .bind(file.content_type)
    .bind(now)
    .bind(id)
    .bind(file.name)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0;
    if !replaced {
        sqlx::query(
            "INSERT INTO branding_files (branding_id, name, sha256, size, content_type, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(id)
        .bind(file.name)
        .bind(file.sha256)
        .bind(file.size)
        .bind(file.content_type)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(replaced)
}

/// Removes file `name` of branding `id`; returns how many rows went (0 or 1).
pub async fn delete_file<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: i64,
    name: &str,
) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM branding_files WHERE branding_id = $1 AND name = $2")
            .bind(id)
            .bind(name)
            .execute(exec)
            .await?
            .rows_affected(),
    )
}

/// One file of a branding of the account.
pub async fn find_file<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
    name: &str,
) -> sqlx::Result<Option<FileRow>> {
    sqlx::query_as(&format!(
        "{SELECT_FILE} JOIN brandings b ON b.id = f.branding_id \
         WHERE b.account_id = $1 AND f.branding_id = $2 AND f.name = $3"
    ))
    .bind(account_id)
    .bind(id)
    .bind(name)
    .fetch_optional(exec)
    .await
}
