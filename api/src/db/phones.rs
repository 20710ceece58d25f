//! Phones of an account, keyed by canonical MAC.
//!
//! Every query is scoped by `account_id`. Bulk statements go in chunks (see
//! [`Dialect::chunk_rows`]) that stay far below SQLite's 32766 and PostgreSQL's 65535
//! bound-parameter limits. Statements only: `services::phones` checks requests,
//! decides what a missing or foreign phone means and records the audit entries.

use std::collections::{HashMap, HashSet};

use rcs_shared::{Phone, PhoneChanges};
use sqlx::any::AnyArguments;
use sqlx::query::QueryAs;
use sqlx::{Any, AnyConnection, FromRow};

use super::{rfc3339, Db, Dialect, LockFor};

mod write;
pub use write::{insert_new, upsert};

pub(super) const SELECT: &str = "SELECT p.mac, p.server_id, s.name AS server_name, p.branding_id, \
     b.name AS branding_name, p.firmware, p.model, p.reported_firmware, p.vendor, p.last_seen_at, \
     p.last_seen_addr, p.state, p.created_at, p.updated_at \
     FROM phones p LEFT JOIN servers s ON s.id = p.server_id \
     LEFT JOIN brandings b ON b.id = p.branding_id";

/// [`SELECT`] from `rows`, a named set of rows of `phones` (a `WITH` query) aliased `p`,
/// with `extra` (`, expression AS name`, or nothing) after the phone's columns.
pub(super) fn select_from(rows: &str, extra: &str) -> String {
    SELECT.replacen(" FROM phones p", &format!("{extra} FROM {rows} p"), 1)
}

/// A phone row with its server and branding names.
#[derive(Debug, Clone, FromRow)]
pub struct PhoneRow {
    pub mac: String,
    pub server_id: Option<i64>,
    pub server_name: Option<String>,
    pub branding_id: Option<i64>,
    pub branding_name: Option<String>,
    pub firmware: Option<String>,
    pub model: Option<String>,
    pub reported_firmware: Option<String>,
    pub vendor: Option<String>,
    pub last_seen_at: Option<i64>,
    pub last_seen_addr: Option<String>,
    pub state: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl PhoneRow {
    pub fn to_dto(&self) -> Phone {
        Phone {
            mac: self.mac.clone(),
            server_id: self.server_id,
            server_name: self.server_name.clone(),
            branding_id: self.branding_id,
            branding_name: self.branding_name.clone(),
            firmware: self.firmware.clone(),
            model: self.model.clone(),
            reported_firmware: self.reported_firmware.clone(),
            vendor: self.vendor.clone(),
            last_seen_at: self.last_seen_at.map(rfc3339),
            last_seen_addr: self.last_seen_addr.clone(),
            state: self.state.clone(),
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
        }
    }
}

/// The properties staff set on a phone (canonical MAC, ids already checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPhone {
    pub mac: String,
    pub server_id: Option<i64>,
    pub branding_id: Option<i64>,
    pub firmware: Option<String>,
}

/// A value bound to a dynamically built statement.
pub(super) enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
}

pub(super) fn bind_all<'q, O>(
    mut q: QueryAs<'q, Any, O, AnyArguments<'q>>,
    args: Vec<Arg>,
) -> QueryAs<'q, Any, O, AnyArguments<'q>> {
    for arg in args {
        q = match arg {
            Arg::Int(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
        };
    }
    q
}

/// True when `table` (servers or brandings) has row `id` in the account, which then stays
/// locked for `purpose` until the transaction ends.
///
/// PostgreSQL has no foreign keys on the phones' references (migration 0018 says why). In
/// their place, a write that points phones at a server or branding locks that row
/// ([`LockFor::Reference`]) as it checks it, and a delete of the row locks it first
/// ([`LockFor::Delete`]), before it counts or moves the row's phones: the two locks conflict,
/// so either the write commits first and the delete then sees its phones, or the write waits
/// for the delete and then finds the row gone.
pub async fn lock_row(
    conn: &mut AnyConnection,
    table: Named,
    account_id: i64,
    id: i64,
    purpose: LockFor,
) -> sqlx::Result<bool> {
    let lock = Dialect::of(conn).row_lock(purpose).unwrap_or("");
    let sql = format!(
        "SELECT id FROM {} WHERE account_id = $1 AND id = $2 {lock}",
        table.table()
    );
    let found: Option<i64> = sqlx::query_scalar(&sql)
        .bind(account_id)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// True when server `id` is the account's, then locked against deletion ([`lock_row`]).
pub async fn server_in_account(
    conn: &mut AnyConnection,
    account_id: i64,
    id: i64,
) -> sqlx::Result<bool> {
    lock_row(conn, Named::Servers, account_id, id, LockFor::Reference).await
}

/// True when branding `id` is the account's, then locked against deletion ([`lock_row`]).
pub async fn branding_in_account(
    conn: &mut AnyConnection,
    account_id: i64,
    id: i64,
) -> sqlx::Result<bool> {
    lock_row(conn, Named::Brandings, account_id, id, LockFor::Reference).await
}

/// How many phones refer to an account, server or branding that does not exist, or to
/// another account's server or branding: what a foreign key would have refused, checked where
/// rows arrive without rcs's own writes (a data transfer's import, migrations/postgres/0018).
pub async fn count_dangling(conn: &mut AnyConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM phones p \
         WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = p.account_id) \
         OR (p.server_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM servers s \
             WHERE s.id = p.server_id AND s.account_id = p.account_id)) \
         OR (p.branding_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM brandings b \
             WHERE b.id = p.branding_id AND b.account_id = p.account_id))",
    )
    .fetch_one(conn)
    .await
}

/// Name → id of the account's servers or brandings (a few hundred at most), for imports
/// that name them. Each row is locked as a reference ([`lock_row`]): an import may point
/// phones at any of them.
pub async fn names(
    conn: &mut AnyConnection,
    table: Named,
    account_id: i64,
) -> sqlx::Result<HashMap<String, i64>> {
    let lock = Dialect::of(conn).row_lock(LockFor::Reference).unwrap_or("");
    let sql = format!(
        "SELECT name, id FROM {} WHERE account_id = $1 {lock}",
        table.table()
    );
    let rows: Vec<(String, i64)> = sqlx::query_as(&sql)
        .bind(account_id)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Tables whose rows phones refer to (by id, or by name in CSV files).
#[derive(Debug, Clone, Copy)]
pub enum Named {
    Servers,
    Brandings,
}

impl Named {
    fn table(self) -> &'static str {
        match self {
            Named::Servers => "servers",
            Named::Brandings => "brandings",
        }
    }
}

/// Of `macs`, those registered to another account (checked before writing, in chunks).
pub async fn foreign_macs(
    conn: &mut AnyConnection,
    account_id: i64,
    macs: &[&str],
) -> sqlx::Result<Vec<String>> {
    select_macs(conn, false, account_id, macs).await
}

/// Of `macs`, those the account already has.
pub async fn own_macs(
    conn: &mut AnyConnection,
    account_id: i64,
    macs: &[&str],
) -> sqlx::Result<HashSet<String>> {
    Ok(select_macs(conn, true, account_id, macs)
        .await?
        .into_iter()
        .collect())
}

/// Of `macs`, those the account has, locked until the transaction ends. On PostgreSQL the
/// rows are locked in MAC order before anything is written: two bulk edits of overlapping
/// phones then queue behind each other instead of each locking some rows in its plan's order
/// and waiting for the other's (a deadlock PostgreSQL ends by failing one of them; the order
/// of an `UPDATE`'s row locks is its plan's, which new statistics can change between two
/// statements). On SQLite the write transaction already holds the database's single write
/// lock.
pub async fn lock_own(
    conn: &mut AnyConnection,
    account_id: i64,
    macs: &[&str],
    purpose: LockFor,
) -> sqlx::Result<HashSet<String>> {
    let dialect = Dialect::of(conn);
    let Some(lock) = dialect.row_lock(purpose) else {
        return own_macs(conn, account_id, macs).await;
    };
    let sql = format!(
        "SELECT mac FROM phones WHERE account_id = $1 AND mac IN ({}) ORDER BY mac {lock}",
        dialect.json_text_set(2)
    );
    let mut sorted = macs.to_vec();
    sorted.sort_unstable();
    let mut found = HashSet::with_capacity(macs.len());
    for chunk in sorted.chunks(JSON_CHUNK_ROWS) {
        let list = serde_json::to_string(chunk).expect("strings serialize");
        let rows: Vec<String> = sqlx::query_scalar(&sql)
            .bind(account_id)
            .bind(list)
            .fetch_all(&mut *conn)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Of `macs`, those held by an account that is (`own`) or is not `account_id`.
///
/// The statement looks the MACs up by primary key only and the owner is compared here: an
/// `account_id <> $1` in SQL let PostgreSQL, once its statistics said nearly every phone
/// belongs to one account, estimate one matching row and plan a nested loop of every
/// foreign phone against the whole MAC list (2.3 s per 1,000 MACs; a 100,000-row import
/// took minutes). A primary-key probe per MAC has no such plan.
async fn select_macs(
    conn: &mut AnyConnection,
    own: bool,
    account_id: i64,
    macs: &[&str],
) -> sqlx::Result<Vec<String>> {
    let set = Dialect::of(conn).json_text_set(1);
    let sql = format!("SELECT mac, account_id FROM phones WHERE mac IN ({set})");
    let mut found = Vec::new();
    for chunk in macs.chunks(JSON_CHUNK_ROWS) {
        let list = serde_json::to_string(chunk).expect("strings serialize");
        found.extend(
            sqlx::query_as::<_, (String, i64)>(&sql)
                .bind(list)
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .filter(|(_, owner)| (*owner == account_id) == own)
                .map(|(mac, _)| mac),
        );
    }
    Ok(found)
}

/// Rows sent in one JSON parameter by the bulk statements ([`upsert`], [`select_macs`]).
///
/// Bulk writes pass their rows as one JSON text that the engine unpacks (`json_each` on
/// SQLite, `json_array_elements` on PostgreSQL) instead of four bound parameters a row:
/// profiling a 100,000-row import showed binding dominating (sqlx looks every `$n` up by name,
/// which SQLite answers with a linear scan, so a statement's binding cost grows with the square
/// of its parameters), and one parameter per 10,000 rows makes that vanish on both engines.
const JSON_CHUNK_ROWS: usize = 10_000;

/// Of the MACs in `macs` (a JSON array of canonical MACs), how many are registered at all
/// and how many of those to another account: one aggregate row, so an import's check costs
/// one round trip per chunk whatever the answer. As in [`select_macs`], the MACs are looked
/// up by primary key only and the owner is compared in the aggregate.
pub async fn count_registered(
    conn: &mut AnyConnection,
    account_id: i64,
    macs: String,
) -> sqlx::Result<(u64, u64)> {
    let set = Dialect::of(conn).json_text_set(2);
    let sql = format!(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN account_id = $1 THEN 0 ELSE 1 END), 0) \
         FROM phones WHERE mac IN ({set})"
    );
    let (all, foreign): (i64, i64) = sqlx::query_as(&sql)
        .bind(account_id)
        .bind(macs)
        .fetch_one(&mut *conn)
        .await?;
    Ok((all as u64, foreign as u64))
}

pub async fn find(db: &Db, account_id: i64, mac: &str) -> sqlx::Result<Option<PhoneRow>> {
    let sql = format!("{SELECT} WHERE p.account_id = $1 AND p.mac = $2");
    sqlx::query_as(&sql)
        .bind(account_id)
        .bind(mac)
        .fetch_optional(&db.pool)
        .await
}

/// Applies `changes` to every MAC of `macs` in the account; returns how many rows changed.
pub async fn update(
    conn: &mut AnyConnection,
    account_id: i64,
    macs: &[&str],
    changes: &PhoneChanges,
    now: i64,
) -> sqlx::Result<u64> {
    let mut sets = vec!["updated_at = $2".to_string()];
    let mut args = vec![Arg::Int(Some(account_id)), Arg::Int(Some(now))];
    if let Some(v) = changes.server_id {
        args.push(Arg::Int(v));
        sets.push(format!("server_id = ${}", args.len()));
    }
    if let Some(v) = changes.branding_id {
        args.push(Arg::Int(v));
        sets.push(format!("branding_id = ${}", args.len()));
    }
    if let Some(v) = &changes.firmware {
        args.push(Arg::Text(v.clone()));
        sets.push(format!("firmware = ${}", args.len()));
    }
    let dialect = Dialect::of(conn);
    let mut changed = 0;
    for chunk in macs.chunks(dialect.chunk_rows()) {
        let sql = format!(
            "UPDATE phones SET {} WHERE account_id = $1 AND mac IN ({})",
            sets.join(", "),
            dialect.value_set(args.len() + 1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for arg in &args {
            q = match arg {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.clone()),
            };
        }
        for mac in chunk {
            q = q.bind(*mac);
        }
        changed += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(changed)
}

pub async fn delete(conn: &mut AnyConnection, account_id: i64, macs: &[&str]) -> sqlx::Result<u64> {
    let dialect = Dialect::of(conn);
    let mut deleted = 0;
    for chunk in macs.chunks(dialect.chunk_rows()) {
        let sql = format!(
            "DELETE FROM phones WHERE account_id = $1 AND mac IN ({})",
            dialect.value_set(2, chunk.len())
        );
        let mut q = sqlx::query(&sql).bind(account_id);
        for mac in chunk {
            q = q.bind(*mac);
        }
        deleted += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(deleted)
}

/// Refreshes the planner's statistics of `phones` after a bulk write, where the engine needs
/// it ([`Dialect::analyzes_after_bulk_write`] says why), and on PostgreSQL merges the trigram
/// index's pending list into the index, as autovacuum would when it next came by. A bulk write
/// leaves up to `gin_pending_list_limit` (4 MB) of new entries there, unsorted, and every MAC
/// search reads all of them: measured at a million phones, a search's statement took 2.4 ms
/// (p50, in the server) with the list a million-row import left, 0.5 ms with it merged; the
/// merge took 16-39 ms. A smaller limit for the index was measured too: 1 MB made that
/// import 30% slower.
pub async fn refresh_statistics(db: &Db) -> sqlx::Result<()> {
    if db.dialect.analyzes_after_bulk_write() {
        sqlx::query("ANALYZE phones").execute(&db.pool).await?;
        sqlx::query("SELECT gin_clean_pending_list('phones_mac_trgm_idx'::regclass)")
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}
