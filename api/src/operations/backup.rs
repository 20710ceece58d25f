//! `rcs backup FILE`: an online, consistent copy of the SQLite database.
//!
//! `VACUUM INTO` reads the whole database inside one read transaction and writes a compact
//! copy, so the service keeps answering phones and users while it runs (WAL lets the writer go
//! on beside the reader) and the copy is a single point in time. The copy is then opened and
//! checked with `PRAGMA quick_check` before it is reported good. PostgreSQL is backed up with
//! `pg_dump` (see the README); the stored files (`blobs/` in the data directory) are
//! content-addressed and never rewritten, so copying the folder after the database is safe.

use std::path::Path;

use anyhow::{bail, Context};
use sqlx::Connection;

use crate::db::Db;

/// Writes a consistent copy of `db` to `dest` (which must not exist); returns its size.
pub async fn sqlite(db: &Db, dest: &Path) -> anyhow::Result<u64> {
    if !db.dialect.has_online_file_backup() {
        bail!(
            "rcs backup copies the embedded SQLite database; back up PostgreSQL with pg_dump \
             (pg_dump --format=custom --file=rcs.dump DATABASE_URL)"
        );
    }
    if dest.exists() {
        bail!(
            "{} exists; rcs backup does not overwrite files",
            dest.display()
        );
    }
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let target = dest
        .to_str()
        .with_context(|| format!("{} is not a UTF-8 path", dest.display()))?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(&db.pool)
        .await
        .with_context(|| format!("cannot write the backup to {}", dest.display()))?;

    // A plain read-only connection: the copy is checked as it is, not readied for serving.
    let mut copy = sqlx::AnyConnection::connect(&format!("sqlite://{target}?mode=ro"))
        .await
        .context("cannot open the backup")?;
    let verdict: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut copy)
        .await
        .context("cannot read the backup back")?;
    copy.close().await?;
    if verdict != "ok" {
        bail!("the backup {} failed its check: {verdict}", dest.display());
    }
    Ok(std::fs::metadata(dest)?.len())
}
