//! Brandings of an account and their files, with how many phones use each branding.
//!
//! Every query is scoped by `account_id`: another account's branding is simply not found.
//! File bytes live in the [`BlobStore`](crate::storage::BlobStore); rows here name them by
//! SHA-256. Each change records its audit entry in the transaction that makes it.

use std::collections::HashMap;

use rcs_shared::{Branding, BrandingFile};
use sqlx::{Any, Executor, FromRow};

use super::audit::{self, AuditEntry};
use super::{now, rfc3339, Db};
use crate::auth::AuthUser;
use crate::domain::branding::{BrandingName, FileName};
use crate::error::{Error, Result, ResultExt};

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

pub fn branding_not_found() -> Error {
    Error::not_found("branding_not_found", "No such branding.")
}

pub fn file_not_found() -> Error {
    Error::not_found("file_not_found", "The branding has no file of that name.")
}

fn name_taken(name: &str) -> Error {
    Error::conflict(
        "branding_name_taken",
        format!("A branding named \"{name}\" already exists."),
    )
}

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

/// One branding of the account with its files, as the API shows it.
pub async fn get(db: &Db, account_id: i64, id: i64) -> Result<Branding> {
    let mut conn = db.pool.acquire().await?;
    let row = find(&mut *conn, account_id, id)
        .await?
        .ok_or_else(branding_not_found)?;
    Ok(row.to_dto(&files(&mut *conn, id).await?))
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
/// unique index makes a concurrent second default fail instead of coexisting.
async fn set_default(
    tx: &mut sqlx::Transaction<'static, Any>,
    account_id: i64,
    id: i64,
    is_default: bool,
) -> Result<()> {
    if is_default {
        sqlx::query(
            "UPDATE brandings SET is_default = 0 WHERE account_id = $1 AND id <> $2 AND is_default = 1",
        )
        .bind(account_id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("UPDATE brandings SET is_default = $1 WHERE account_id = $2 AND id = $3")
        .bind(i64::from(is_default))
        .bind(account_id)
        .bind(id)
        .execute(&mut **tx)
        .await
        .on_unique_violation(|| {
            Error::conflict(
                "default_branding_conflict",
                "Another default branding was set at the same moment. Try again.",
            )
        })?;
    Ok(())
}

/// Creates a branding (the account's default when `is_default`) and its audit entry; a taken
/// name is a 409 decided by the UNIQUE constraint.
#[tracing::instrument(skip(db, actor))]
pub async fn create(
    db: &Db,
    actor: &AuthUser,
    name: &BrandingName,
    is_default: bool,
) -> Result<Branding> {
    let now = now();
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO brandings (account_id, name, is_default, created_at, updated_at) \
         VALUES ($1, $2, 0, $3, $3) RETURNING id",
    )
    .bind(actor.account_id)
    .bind(name.as_str())
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .on_unique_violation(|| name_taken(name.as_str()))?;
    if is_default {
        set_default(&mut tx, actor.account_id, id, true).await?;
    }
    let detail = if is_default { "default" } else { "" };
    let entry = AuditEntry {
        action: "branding.create",
        target: name.as_str(),
        count: 1,
        detail,
    };
    audit::record(&mut *tx, actor.author(), entry).await?;
    let row = find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(branding_not_found)?;
    tx.commit().await?;
    Ok(row.to_dto(&[]))
}

/// Renames a branding and/or makes it (or stops it being) the account's default.
#[tracing::instrument(skip(db, actor))]
pub async fn update(
    db: &Db,
    actor: &AuthUser,
    id: i64,
    name: Option<&BrandingName>,
    is_default: Option<bool>,
) -> Result<Branding> {
    let mut tx = db.begin_write().await?;
    let old = find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(branding_not_found)?;
    let new_name = name.map_or(old.name.as_str(), BrandingName::as_str);
    sqlx::query(
        "UPDATE brandings SET name = $1, updated_at = $2 WHERE account_id = $3 AND id = $4",
    )
    .bind(new_name)
    .bind(now())
    .bind(actor.account_id)
    .bind(id)
    .execute(&mut *tx)
    .await
    .on_unique_violation(|| name_taken(new_name))?;
    if let Some(is_default) = is_default {
        set_default(&mut tx, actor.account_id, id, is_default).await?;
    }
    let detail = describe_changes(&old, new_name, is_default);
    let entry = AuditEntry::one("branding.update", new_name, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    let row = find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(branding_not_found)?;
    let files = files(&mut *tx, id).await?;
    tx.commit().await?;
    Ok(row.to_dto(&files))
}

/// `name: "a" -> "b"; default: false -> true` for the audit trail, or `no change`.
fn describe_changes(old: &BrandingRow, name: &str, is_default: Option<bool>) -> String {
    let mut changes = Vec::new();
    if old.name != name {
        changes.push(format!("name: {:?} -> {:?}", old.name, name));
    }
    let was = old.is_default != 0;
    if let Some(now) = is_default.filter(|d| *d != was) {
        changes.push(format!("default: {was} -> {now}"));
    }
    audit::describe(changes)
}

/// Deletes a branding and its file rows. While phones use it this is 409 `branding_in_use`
/// with their count, unless `force`, which leaves those phones without a branding of their
/// own (they fall back to the default) in the same transaction.
#[tracing::instrument(skip(db, actor))]
pub async fn delete(db: &Db, actor: &AuthUser, id: i64, force: bool) -> Result<()> {
    let account_id = actor.account_id;
    let mut tx = db.begin_write().await?;
    let branding = find(&mut *tx, account_id, id)
        .await?
        .ok_or_else(branding_not_found)?;
    let in_use = branding.phone_count;
    let detail = match (in_use, force) {
        (0, _) => String::new(),
        (n, false) => return Err(branding_in_use(n)),
        (_, true) => {
            let cleared = sqlx::query(
                "UPDATE phones SET branding_id = NULL, updated_at = $1 \
                 WHERE account_id = $2 AND branding_id = $3",
            )
            .bind(now())
            .bind(account_id)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            format!("{cleared} phones unassigned")
        }
    };
    sqlx::query("DELETE FROM brandings WHERE account_id = $1 AND id = $2")
        .bind(account_id)
        .bind(id)
        .execute(&mut *tx)
        .await
        // A phone assigned between the count and the delete trips the foreign key.
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                branding_in_use(in_use.max(1))
            }
            _ => Error::from(e),
        })?;
    let entry = AuditEntry::one("branding.delete", &branding.name, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    Ok(())
}

fn branding_in_use(count: i64) -> Error {
    let message = if count == 1 {
        "1 phone uses this branding. Assign it another one first, or delete with force=true."
            .to_string()
    } else {
        format!(
            "{count} phones use this branding. Assign them another one first, or delete with force=true."
        )
    };
    Error::conflict("branding_in_use", message)
}

/// A file whose bytes are already in the blob store, ready to be recorded.
pub struct StoredFile<'a> {
    pub name: &'a FileName,
    pub sha256: &'a str,
    pub size: i64,
    pub content_type: &'a str,
}

/// Adds or replaces a file of a branding, refusing (413) when the branding's files would
/// total more than `max_total` bytes. The branding row is touched first: on PostgreSQL that
/// locks it, so two uploads to one branding cannot both pass the total check (SQLite's
/// write transaction already serializes them).
#[tracing::instrument(skip(db, actor, file), fields(name = file.name.as_str()))]
pub async fn put_file(
    db: &Db,
    actor: &AuthUser,
    id: i64,
    file: StoredFile<'_>,
    max_total: u64,
) -> Result<Branding> {
    let now = now();
    let mut tx = db.begin_write().await?;
    let touched =
        sqlx::query("UPDATE brandings SET updated_at = $1 WHERE account_id = $2 AND id = $3")
            .bind(now)
            .bind(actor.account_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    if touched.rows_affected() == 0 {
        return Err(branding_not_found());
    }
    // SUM of a BIGINT is NUMERIC on PostgreSQL, which the Any driver cannot read: cast back.
    let others: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM branding_files WHERE branding_id = $1 AND name <> $2",
    )
    .bind(id)
    .bind(file.name.as_str())
    .fetch_one(&mut *tx)
    .await?;
    if others.saturating_add(file.size) as u64 > max_total {
        return Err(Error::PayloadTooLarge(format!(
            "The branding's files would total more than {}.",
            crate::routes::body::human_size(usize::try_from(max_total).unwrap_or(usize::MAX))
        )));
    }
    let replaced = sqlx::query(
        "UPDATE branding_files SET sha256 = $1, size = $2, content_type = $3, updated_at = $4 \
         WHERE branding_id = $5 AND name = $6",
    )
    .bind(file.sha256)
    .bind(file.size)
    .bind(file.content_type)
    .bind(now)
    .bind(id)
    .bind(file.name.as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    if !replaced {
        sqlx::query(
            "INSERT INTO branding_files (branding_id, name, sha256, size, content_type, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(id)
        .bind(file.name.as_str())
        .bind(file.sha256)
        .bind(file.size)
        .bind(file.content_type)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    finish_file_change(
        tx,
        actor,
        id,
        "branding.file.put",
        file.name,
        &format!(
            "{} bytes, sha256 {}{}",
            file.size,
            file.sha256,
            if replaced { ", replaced" } else { "" }
        ),
    )
    .await
}

/// Removes a file of a branding.
#[tracing::instrument(skip(db, actor))]
pub async fn delete_file(db: &Db, actor: &AuthUser, id: i64, name: &FileName) -> Result<Branding> {
    let mut tx = db.begin_write().await?;
    find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(branding_not_found)?;
    let deleted = sqlx::query("DELETE FROM branding_files WHERE branding_id = $1 AND name = $2")
        .bind(id)
        .bind(name.as_str())
        .execute(&mut *tx)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(file_not_found());
    }
    sqlx::query("UPDATE brandings SET updated_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    finish_file_change(tx, actor, id, "branding.file.delete", name, "").await
}

/// Records the audit entry `branding <name>/<file>` and commits, answering the branding.
async fn finish_file_change(
    mut tx: sqlx::Transaction<'static, Any>,
    actor: &AuthUser,
    id: i64,
    action: &str,
    name: &FileName,
    detail: &str,
) -> Result<Branding> {
    let row = find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(branding_not_found)?;
    let target = format!("{}/{}", row.name, name.as_str());
    let entry = AuditEntry {
        action,
        target: &target,
        count: 1,
        detail,
    };
    audit::record(&mut *tx, actor.author(), entry).await?;
    let files = files(&mut *tx, id).await?;
    tx.commit().await?;
    Ok(row.to_dto(&files))
}

/// One file of a branding of the account.
pub async fn find_file(db: &Db, account_id: i64, id: i64, name: &FileName) -> Result<FileRow> {
    let row: Option<FileRow> = sqlx::query_as(&format!(
        "{SELECT_FILE} JOIN brandings b ON b.id = f.branding_id \
         WHERE b.account_id = $1 AND f.branding_id = $2 AND f.name = $3"
    ))
    .bind(account_id)
    .bind(id)
    .bind(name.as_str())
    .fetch_optional(&db.pool)
    .await?;
    match row {
        Some(file) => Ok(file),
        None if find(&db.pool, account_id, id).await?.is_none() => Err(branding_not_found()),
        None => Err(file_not_found()),
    }
}
