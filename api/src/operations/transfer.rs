//! `rcs export FILE` and `rcs import FILE`: move an installation between databases, in
//! practice from the embedded SQLite to PostgreSQL when one node is no longer enough.
//!
//! The export is JSON lines: a header (format, schema version, row counts), then for each
//! table a line naming it and its columns followed by one JSON array per row, and a closing
//! line with the total. Values are integers, text or null: the whole schema uses nothing else,
//! which is what lets one file serve both engines. The export reads every table inside one
//! transaction, so it is a consistent snapshot even while the service runs.
//!
//! The import goes into an empty database of the same schema version, in one transaction:
//! either everything arrives or nothing does. Rows keep their ids (phones keep their server,
//! sessions their user), and PostgreSQL's id sequences are moved past the imported ids.
//! Stored files (`blobs/` in the data directory) are not in the export; the README says to
//! copy that folder.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use anyhow::{bail, Context};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{Any, Column, Row};

use crate::db::{phones, Db, Dialect};

/// Every table, in creation order: foreign keys only point to earlier tables.
pub const TABLES: &[&str] = &[
    "accounts",
    "users",
    "sessions",
    "rate_limits",
    "settings",
    "servers",
    "brandings",
    "phones",
    "audit_events",
    "boot_events",
    "password_resets",
    "firmware_releases",
    "firmware_images",
    "branding_files",
    "device_cas",
    "device_crls",
    "second_factors",
    "recovery_codes",
    "login_challenges",
    "api_keys",
    "webhooks",
    "webhook_deliveries",
    "operator_audit",
];

/// Tables whose `id` is generated (an identity column on PostgreSQL).
const GENERATED_IDS: &[&str] = &[
    "accounts",
    "users",
    "servers",
    "brandings",
    "audit_events",
    "boot_events",
    "device_cas",
    "device_crls",
    "api_keys",
    "webhooks",
    "webhook_deliveries",
    "operator_audit",
];

/// The export's own format version (not the schema's).
const FORMAT: u32 = 1;

/// Rows per INSERT statement: well under both engines' limits on bound parameters.
const BATCH_VALUES: usize = 4_000;

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    rcs_export: u32,
    schema_version: i64,
    engine: String,
    exported_at: String,
    rows: BTreeMap<String, u64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct TableStart {
    table: String,
    columns: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct End {
    end: bool,
    total_rows: u64,
}

/// What an export or import moved: rows per table.
#[derive(Debug, Default)]
pub struct Moved {
    pub rows: BTreeMap<String, u64>,
}

impl Moved {
    pub fn total(&self) -> u64 {
        self.rows.values().sum()
    }
}

/// Writes every table of `db` to `out`.
pub async fn export(db: &Db, out: &mut impl Write) -> anyhow::Result<Moved> {
    // One transaction for every read: a snapshot of one moment, even with writers running.
    let mut tx = db.begin_read().await?;
    let mut rows = BTreeMap::new();
    for table in TABLES {
        let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut *tx)
            .await?;
        rows.insert((*table).to_string(), count.max(0) as u64);
    }
    let header = Header {
        rcs_export: FORMAT,
        schema_version: db.schema_version(),
        engine: db.dialect.name().to_string(),
        exported_at: crate::db::rfc3339(crate::db::now()),
        rows: rows.clone(),
    };
    line(out, &header)?;
    let mut total = 0;
    for table in TABLES {
        let columns = columns_of(&mut tx, db.dialect, table).await?;
        let names: Vec<String> = columns.iter().map(|(n, _)| n.clone()).collect();
        line(
            out,
            &TableStart {
                table: (*table).to_string(),
                columns: names.clone(),
            },
        )?;
        let select = format!(
            "SELECT {} FROM {table} ORDER BY 1",
            names
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut stream = sqlx::query(&select).fetch(&mut *tx);
        while let Some(row) = stream.try_next().await? {
            let values = (0..row.columns().len())
                .map(|i| value_of(&row, i))
                .collect::<anyhow::Result<Vec<Value>>>()
                .with_context(|| format!("cannot read a row of {table}"))?;
            line(out, &values)?;
            total += 1;
        }
    }
    line(
        out,
        &End {
            end: true,
            total_rows: total,
        },
    )?;
    out.flush()?;
    drop(tx);
    Ok(Moved { rows })
}

/// The lines of an export, numbered from 1, each read with what was expected there.
struct ExportLines<R: BufRead> {
    lines: std::iter::Enumerate<std::io::Lines<R>>,
}

impl<R: BufRead> ExportLines<R> {
    fn next(&mut self, what: &str) -> anyhow::Result<(usize, String)> {
        match self.lines.next() {
            Some((n, Ok(text))) => Ok((n + 1, text)),
            Some((n, Err(e))) => Err(e).with_context(|| format!("cannot read line {}", n + 1)),
            None => bail!("the file ends before {what}: it is not a complete rcs export"),
        }
    }
}

/// Reads an export into `db`, which must be migrated to the export's schema version and
/// hold no data. All or nothing.
pub async fn import(db: &Db, input: impl BufRead) -> anyhow::Result<Moved> {
    let mut lines = ExportLines {
        lines: input.lines().enumerate(),
    };
    let header = read_header(db, &mut lines)?;
    let mut tx = db.begin_write().await?;
    ensure_empty(&mut tx).await?;
    let mut moved = Moved::default();
    let (mut n, mut text) = lines.next("the first table")?;
    for table in TABLES {
        let count;
        (count, n, text) = import_table(db.dialect, &mut tx, &mut lines, table, n, &text).await?;
        let expected = header.rows.get(*table).copied().unwrap_or(0);
        if count != expected {
            bail!("table {table}: the header announces {expected} row(s), the file has {count}");
        }
        moved.rows.insert((*table).to_string(), count);
    }
    let end: End = serde_json::from_str(&text)
        .with_context(|| format!("line {n}: expected the closing line"))?;
    if !end.end || end.total_rows != moved.total() {
        bail!("the closing line does not match the rows read: the file is damaged");
    }
    // PostgreSQL has no foreign keys on the phones' references (rcs's writes keep them):
    // a file that breaks them is refused here, on both engines alike.
    let dangling = phones::count_dangling(&mut tx).await?;
    if dangling > 0 {
        bail!(
            "{dangling} phone(s) refer to an account, server or branding the file does not \
             hold (or to another account's): the file is damaged"
        );
    }
    for table in GENERATED_IDS {
        // The next generated id follows the largest imported one.
        if let Some(sql) = db.dialect.reset_id_sequence(table) {
            sqlx::query(&sql).execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(moved)
}

/// The export's header, checked against this build's format and schema version.
fn read_header(db: &Db, lines: &mut ExportLines<impl BufRead>) -> anyhow::Result<Header> {
    let (_, first) = lines.next("its header")?;
    let header: Header = serde_json::from_str(&first)
        .context("the first line is not an rcs export header (make the file with rcs export)")?;
    if header.rcs_export != FORMAT {
        bail!(
            "the export has format {}; this rcs reads format {FORMAT}",
            header.rcs_export
        );
    }
    if header.schema_version != db.schema_version() {
        bail!(
            "the export was taken at schema version {}, this rcs has {}: export and import \
             with the same rcs release",
            header.schema_version,
            db.schema_version()
        );
    }
    Ok(header)
}

/// Refuses a target database that holds any row: an import never merges.
async fn ensure_empty(tx: &mut sqlx::Transaction<'static, Any>) -> anyhow::Result<()> {
    for table in TABLES {
        let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut **tx)
            .await?;
        if count > 0 {
            bail!(
                "the target database is not empty ({count} row(s) in {table}): import into a \
                 new database"
            );
        }
    }
    Ok(())
}

/// Reads one table's section, starting at its first line `(n, text)`, and inserts its rows
/// in batches; answers the rows read and the line after the section.
async fn import_table(
    dialect: Dialect,
    tx: &mut sqlx::Transaction<'static, Any>,
    lines: &mut ExportLines<impl BufRead>,
    table: &str,
    n: usize,
    text: &str,
) -> anyhow::Result<(u64, usize, String)> {
    let start: TableStart = serde_json::from_str(text)
        .with_context(|| format!("line {n}: expected the start of table {table}"))?;
    if start.table != table {
        bail!("line {n}: expected table {table}, found {:?}", start.table);
    }
    let types: BTreeMap<String, bool> = columns_of(tx, dialect, table).await?.into_iter().collect();
    let integer: Vec<bool> = start
        .columns
        .iter()
        .map(|c| {
            types.get(c).copied().with_context(|| {
                format!("line {n}: table {table} has no column {c:?} in this schema")
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let per_batch = (BATCH_VALUES / start.columns.len().max(1)).max(1);
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(per_batch);
    let mut count = 0u64;
    loop {
        let (n, text) = lines.next("the closing line")?;
        if !text.starts_with('[') {
            if !batch.is_empty() {
                insert(tx, table, &start.columns, &integer, &batch)
                    .await
                    .with_context(|| format!("cannot import {table} (near line {n})"))?;
            }
            return Ok((count, n, text));
        }
        let row: Vec<Value> =
            serde_json::from_str(&text).with_context(|| format!("line {n}: not a row"))?;
        if row.len() != start.columns.len() {
            bail!(
                "line {n}: {} values for the {} columns of {table}",
                row.len(),
                start.columns.len()
            );
        }
        batch.push(row);
        count += 1;
        if batch.len() == per_batch {
            insert(tx, table, &start.columns, &integer, &batch)
                .await
                .with_context(|| format!("cannot import {table} (near line {n})"))?;
            batch.clear();
        }
    }
}

async fn insert(
    tx: &mut sqlx::Transaction<'static, Any>,
    table: &str,
    columns: &[String],
    integer: &[bool],
    rows: &[Vec<Value>],
) -> anyhow::Result<()> {
    let names = columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = format!("INSERT INTO {table} ({names}) VALUES ");
    let mut p = 0;
    for (i, _) in rows.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..columns.len() {
            if c > 0 {
                sql.push_str(", ");
            }
            p += 1;
            sql.push_str(&format!("${p}"));
        }
        sql.push(')');
    }
    let mut query = sqlx::query(&sql);
    for row in rows {
        for (value, &is_integer) in row.iter().zip(integer) {
            query = match (value, is_integer) {
                (Value::Null, true) => query.bind(None::<i64>),
                (Value::Null, false) => query.bind(None::<String>),
                (Value::Number(n), true) => query.bind(n.as_i64().context("not an integer")?),
                (Value::String(s), false) => query.bind(s.clone()),
                (other, true) => bail!("{other} in an integer column"),
                (other, false) => bail!("{other} in a text column"),
            };
        }
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// The columns of `table` in this database, each with whether it holds integers.
async fn columns_of(
    tx: &mut sqlx::Transaction<'static, Any>,
    dialect: Dialect,
    table: &str,
) -> anyhow::Result<Vec<(String, bool)>> {
    let sql = dialect.columns_query();
    let rows: Vec<(String, String)> = sqlx::query_as(sql).bind(table).fetch_all(&mut **tx).await?;
    if rows.is_empty() {
        bail!("the database has no table {table}");
    }
    Ok(rows
        .into_iter()
        .map(|(name, ty)| {
            let integer = ty.to_ascii_uppercase().contains("INT");
            (name, integer)
        })
        .collect())
}

/// Column `i` of `row` as JSON: integer, text or null.
fn value_of(row: &sqlx::any::AnyRow, i: usize) -> anyhow::Result<Value> {
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return Ok(v.map_or(Value::Null, Value::from));
    }
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return Ok(v.map_or(Value::Null, Value::from));
    }
    bail!(
        "column {} holds neither an integer nor text",
        row.columns()[i].name()
    )
}

fn line(out: &mut impl Write, value: &impl Serialize) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}
