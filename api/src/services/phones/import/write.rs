//! Writing a checked chunk of an import: plain inserts for phones that look new, in a
//! savepoint that a MAC registered meanwhile rolls back, and the upsert otherwise.

use std::collections::HashSet;

use sqlx::{AnyConnection, Connection};

use super::super::csv_file::{self, Chunk};
use super::super::owned_elsewhere;
use super::Import;
use crate::db::phones::{self, NewPhone};
use crate::error::Result;
use crate::services::accounts::has_phone_room;

/// The rows a chunk writes.
fn new_phones(chunk: &Chunk) -> Vec<NewPhone> {
    chunk
        .rows
        .iter()
        .map(|r| NewPhone {
            mac: csv_file::mac_text(r.mac),
            server_id: r.server_id,
            branding_id: r.branding_id,
            firmware: r.firmware.as_deref().map(str::to_string),
        })
        .collect()
}

/// Savepoints one import may use for its plain inserts. PostgreSQL keeps each committed
/// savepoint's transaction id with the transaction until it ends, and past 64 in one
/// transaction every other session's snapshot overflows and looks transactions up on disk
/// (`pg_subtrans`) while the import runs; so an import uses at most 48, and upserts the rest
/// as before. PostgreSQL's chunks are large enough for 48 to cover the largest file (below);
/// SQLite, whose savepoints cost nothing of the kind, is as fast either way.
pub(super) const SAVEPOINTS: usize = 48;

const _: () = assert!(SAVEPOINTS * csv_file::POSTGRES_CHUNK_ROWS >= csv_file::MAX_ROWS);

impl Import {
    /// Writes a chunk of an import that is clean so far and whose lines all look new (no MAC
    /// of an earlier line, no release of another vendor) without first looking up which of
    /// its MACs are registered (an index lookup per MAC: about 1.8 s of a million-row import
    /// on PostgreSQL, BENCHMARKS.md): the plain inserts of [`Self::insert_new`] fail on any
    /// MAC registered anywhere, and are then rolled back, and the chunk takes the checked
    /// path, which finds and reports it. True when the chunk is written. The quota is
    /// weighed as if every phone were new; when that is over it, the checked path, which
    /// counts the updates apart, decides.
    pub(super) async fn insert_if_all_new(
        &mut self,
        conn: &mut AnyConnection,
        chunk: &Chunk,
    ) -> Result<bool> {
        let plain = !self.dry_run
            && self.savepoints < SAVEPOINTS
            && chunk.clean
            && self.found.is_empty()
            && chunk.rows.iter().all(|r| !r.repeated);
        if !plain || !self.mismatched(conn, chunk).await?.is_empty() {
            return Ok(false);
        }
        let adding = chunk.rows.len() as u64;
        if !has_phone_room(conn, self.account_id, adding as i64).await? {
            return Ok(false);
        }
        let rows = new_phones(chunk);
        if self.insert_new(conn, &rows).await?.is_none() {
            return Ok(false);
        }
        self.added += adding;
        if let Some(created) = self.created.as_mut() {
            created.extend(rows.into_iter().map(|r| r.mac));
        }
        Ok(true)
    }

    /// Writes a checked chunk; a MAC another account claimed after the check fails it all.
    /// A chunk of phones none of which was registered at the check (`all_new`: its bad lines
    /// left out, say) is inserted without the upsert's conflict clause, in a savepoint: a MAC
    /// registered since (by another account: this one's writes take turns, `check_refs`)
    /// fails those inserts, which are rolled back, and the upsert then runs and finds the
    /// MAC's holder.
    pub(super) async fn write(
        &mut self,
        conn: &mut AnyConnection,
        chunk: &Chunk,
        all_new: bool,
    ) -> Result<()> {
        let rows = new_phones(chunk);
        if let Some(created) = self.created.as_mut() {
            // A repeated MAC was written by an earlier line: it is not created here.
            let macs: Vec<&str> = (chunk.rows.iter().zip(&rows))
                .filter(|(line, _)| !line.repeated)
                .map(|(_, row)| row.mac.as_str())
                .collect();
            let own = match all_new {
                true => HashSet::new(),
                false => phones::own_macs(conn, self.account_id, &macs).await?,
            };
            let fresh = macs.into_iter().filter(|m| !own.contains(*m));
            created.extend(fresh.map(str::to_string));
        }
        let inserted = match all_new {
            true => self.insert_new(conn, &rows).await?,
            false => None,
        };
        let written = match inserted {
            Some(written) => written,
            None => phones::upsert(conn, self.account_id, &rows, self.now).await?,
        };
        if written < chunk.rows.len() as u64 {
            // Phones left as they were, or another account claimed one of these MACs after
            // the check: then roll everything back.
            let macs: Vec<&str> = rows.iter().map(|r| r.mac.as_str()).collect();
            let foreign = phones::foreign_macs(conn, self.account_id, &macs).await?;
            if let Some(mac) = foreign.first() {
                return Err(owned_elsewhere(mac));
            }
        }
        Ok(())
    }

    /// [`phones::insert_new`] in a savepoint: the rows written, or `None` (nothing written)
    /// when one of the MACs was registered since the check, or when the import has used its
    /// [`SAVEPOINTS`] (the callers then write as they did before plain inserts).
    pub(super) async fn insert_new(
        &mut self,
        conn: &mut AnyConnection,
        rows: &[NewPhone],
    ) -> Result<Option<u64>> {
        if self.savepoints == SAVEPOINTS {
            return Ok(None);
        }
        self.savepoints += 1;
        let mut savepoint = conn.begin().await?;
        match phones::insert_new(&mut savepoint, self.account_id, rows, self.now).await {
            Ok(written) => {
                savepoint.commit().await?;
                Ok(Some(written))
            }
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                savepoint.rollback().await?;
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }
}
