//! Brandings and their files: creating, renaming, choosing the default, deleting, uploading.
//!
//! Every user of the account can read brandings (to assign them to phones); only Super Users
//! change them, because a branding is what every phone of the account shows. Each change runs
//! in one transaction with its audit entry. File bytes go to the content-addressed
//! [`BlobStore`] before their row is written; rows name them by SHA-256.

use anyhow::Context;
use rcs_shared::{Branding, BrandingPatch, NewBranding};
use sqlx::Any;

use super::constraints::ForeignKeyExt;
use super::Actor;
use crate::db::audit::{self, AuditEntry};
use crate::db::brandings::{self, BrandingRow, StoredFile};
use crate::db::phones::{self, Named};
use crate::db::{now, Db, LockFor};
use crate::domain::branding::{content_type_for, human_size, BrandingName, FileName};
use crate::error::{Error, Result, ResultExt};
use crate::services::accounts;
use crate::storage::BlobStore;

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

fn default_conflict() -> Error {
    Error::conflict(
        "default_branding_conflict",
        "Another default branding was set at the same moment. Try again.",
    )
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

/// Every branding of the account, by name, each with its files.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Branding>> {
    Ok(brandings::list(db, actor.account_id).await?)
}

/// One branding of the account with its files, as the API shows it.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Branding> {
    let mut conn = db.pool.acquire().await?;
    let row = brandings::find(&mut *conn, actor.account_id, id)
        .await?
        .ok_or_else(branding_not_found)?;
    Ok(row.to_dto(&brandings::files(&mut *conn, id).await?))
}

/// The branding `id` of the actor's account inside `tx`, or 404.
async fn find(
    tx: &mut sqlx::Transaction<'static, Any>,
    actor: &Actor,
    id: i64,
) -> Result<BrandingRow> {
    brandings::find(&mut **tx, actor.account_id, id)
        .await?
        .ok_or_else(branding_not_found)
}

/// Creates a branding (the account's default when `is_default`) and its audit entry; a taken
/// name is a 409 decided by the UNIQUE constraint.
#[tracing::instrument(skip(db, actor, new))]
pub async fn create(db: &Db, actor: &Actor, new: &NewBranding) -> Result<Branding> {
    actor.require_super_user()?;
    let name = BrandingName::parse(&new.name)?;
    let mut tx = db.begin_write().await?;
    let id = brandings::insert(&mut *tx, actor.account_id, name.as_str(), now())
        .await
        .on_unique_violation(|| name_taken(name.as_str()))?;
    if new.is_default {
        brandings::set_default(&mut tx, actor.account_id, id, true)
            .await
            .on_unique_violation(default_conflict)?;
    }
    let entry = AuditEntry {
        action: "branding.create",
        target: name.as_str(),
        count: 1,
        detail: if new.is_default { "default" } else { "" },
    };
    audit::record(&mut *tx, actor.author(), entry).await?;
    let row = find(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(row.to_dto(&[]))
}

/// Renames a branding and/or makes it (or stops it being) the account's default.
#[tracing::instrument(skip(db, actor, patch))]
pub async fn update(db: &Db, actor: &Actor, id: i64, patch: &BrandingPatch) -> Result<Branding> {
    actor.require_super_user()?;
    let name = patch.name.as_deref().map(BrandingName::parse).transpose()?;
    let mut tx = db.begin_write().await?;
    let old = find(&mut tx, actor, id).await?;
    let new_name = name
        .as_ref()
        .map_or(old.name.as_str(), BrandingName::as_str);
    brandings::rename(&mut *tx, actor.account_id, id, new_name, now())
        .await
        .on_unique_violation(|| name_taken(new_name))?;
    if let Some(is_default) = patch.is_default {
        brandings::set_default(&mut tx, actor.account_id, id, is_default)
            .await
            .on_unique_violation(default_conflict)?;
    }
    let detail = describe_changes(&old, new_name, patch.is_default);
    let entry = AuditEntry::one("branding.update", new_name, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    let row = find(&mut tx, actor, id).await?;
    let files = brandings::files(&mut *tx, id).await?;
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
pub async fn delete(db: &Db, actor: &Actor, id: i64, force: bool) -> Result<()> {
    actor.require_super_user()?;
    let account_id = actor.account_id;
    let mut tx = db.begin_write().await?;
    // Locked before its phones are counted, after the account, as a server is
    // (`servers::delete` says why).
    accounts::lock_for_phones(&mut tx, account_id).await?;
    phones::lock_row(&mut tx, Named::Brandings, account_id, id, LockFor::Delete).await?;
    let branding = find(&mut tx, actor, id).await?;
    let in_use = branding.phone_count;
    let detail = match (in_use, force) {
        (0, _) => String::new(),
        (n, false) => return Err(branding_in_use(n)),
        (_, true) => {
            let cleared = brandings::unassign_phones(&mut *tx, account_id, id, now()).await?;
            format!("{cleared} phones unassigned")
        }
    };
    brandings::delete(&mut *tx, account_id, id)
        .await
        // SQLite's foreign key (its write transactions take turns, so this is a backstop).
        .on_foreign_key_violation(|| branding_in_use(in_use.max(1)))?;
    let entry = AuditEntry::one("branding.delete", &branding.name, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    Ok(())
}

/// An uploaded branding file: its name, the request's Content-Type and its bytes.
pub struct Upload<'a> {
    pub name: &'a FileName,
    pub declared_type: Option<&'a str>,
    pub bytes: actix_web::web::Bytes,
}

/// Adds or replaces a file of a branding: checks its content type against its name and bytes,
/// stores the bytes, then records the row, refusing (413) when the branding's files would
/// total more than `max_total` bytes. The branding row is touched first: on PostgreSQL that
/// locks it, so two uploads to one branding cannot both pass the total check (SQLite's write
/// transaction already serializes them).
#[tracing::instrument(skip(db, store, actor, upload), fields(name = upload.name.as_str()))]
pub async fn put_file(
    db: &Db,
    store: BlobStore,
    actor: &Actor,
    id: i64,
    upload: Upload<'_>,
    max_total: u64,
) -> Result<Branding> {
    actor.require_super_user()?;
    let content_type = content_type_for(upload.name, upload.declared_type, &upload.bytes)?;
    let size = upload.bytes.len() as i64;
    let sha256 = store_blob(store, upload.bytes).await?;
    let file = StoredFile {
        name: upload.name.as_str(),
        sha256: &sha256,
        size,
        content_type: &content_type,
    };
    let now = now();
    let mut tx = db.begin_write().await?;
    if brandings::touch(&mut *tx, actor.account_id, id, now).await? == 0 {
        return Err(branding_not_found());
    }
    let others = brandings::size_of_other_files(&mut *tx, id, file.name).await?;
    if others.saturating_add(file.size) as u64 > max_total {
        return Err(Error::PayloadTooLarge(format!(
            "The branding's files would total more than {}.",
            human_size(usize::try_from(max_total).unwrap_or(usize::MAX))
        )));
    }
    let replaced = brandings::put_file(&mut tx, id, &file, now).await?;
    let detail = format!(
        "{} bytes, sha256 {}{}",
        file.size,
        file.sha256,
        if replaced { ", replaced" } else { "" }
    );
    finish_file_change(tx, actor, id, "branding.file.put", upload.name, &detail).await
}

/// Writes a blob off the async workers (it fsyncs). Storing before the row exists is safe:
/// the store is content-addressed, so a blob no row names is only unused space.
async fn store_blob(store: BlobStore, bytes: actix_web::web::Bytes) -> Result<String> {
    let sha256 = tokio::task::spawn_blocking(move || store.put(&bytes))
        .await
        .context("the blob writer stopped")??;
    Ok(sha256)
}

/// Removes a file of a branding.
#[tracing::instrument(skip(db, actor))]
pub async fn delete_file(db: &Db, actor: &Actor, id: i64, name: &FileName) -> Result<Branding> {
    actor.require_super_user()?;
    let mut tx = db.begin_write().await?;
    find(&mut tx, actor, id).await?;
    if brandings::delete_file(&mut *tx, id, name.as_str()).await? == 0 {
        return Err(file_not_found());
    }
    brandings::touch(&mut *tx, actor.account_id, id, now()).await?;
    finish_file_change(tx, actor, id, "branding.file.delete", name, "").await
}

/// Records the audit entry `branding <name>/<file>` and commits, answering the branding.
async fn finish_file_change(
    mut tx: sqlx::Transaction<'static, Any>,
    actor: &Actor,
    id: i64,
    action: &str,
    name: &FileName,
    detail: &str,
) -> Result<Branding> {
    let row = find(&mut tx, actor, id).await?;
    let target = format!("{}/{}", row.name, name.as_str());
    let entry = AuditEntry {
        action,
        target: &target,
        count: 1,
        detail,
    };
    audit::record(&mut *tx, actor.author(), entry).await?;
    let files = brandings::files(&mut *tx, id).await?;
    tx.commit().await?;
    Ok(row.to_dto(&files))
}

/// A branding file's bytes and the content type stored with them.
pub struct FileContent {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// One file of a branding of the account, read from the blob store: 404 `branding_not_found`
/// or `file_not_found` says which is missing.
pub async fn file(
    db: &Db,
    store: &BlobStore,
    actor: &Actor,
    id: i64,
    name: &FileName,
) -> Result<FileContent> {
    let row = brandings::find_file(&db.pool, actor.account_id, id, name.as_str()).await?;
    let file = match row {
        Some(file) => file,
        None if brandings::find(&db.pool, actor.account_id, id)
            .await?
            .is_none() =>
        {
            return Err(branding_not_found())
        }
        None => return Err(file_not_found()),
    };
    let blob = store.path(&file.sha256);
    let bytes = tokio::fs::read(&blob)
        .await
        .with_context(|| format!("cannot read {}", blob.display()))?;
    Ok(FileContent {
        content_type: file.content_type,
        bytes,
    })
}
