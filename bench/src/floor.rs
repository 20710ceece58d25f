//! The engine's own floor for an import: the same rows loaded by the database's bulk path into
//! the same schema, with rcs out of the picture. PostgreSQL: `COPY ... FROM STDIN` through
//! `psql`; SQLite: one `INSERT ... SELECT` transaction over a generated series, through
//! Python's `sqlite3` module with rcs's import cache size. The rows are those of
//! [`crate::fixtures::import_csv`] (a MAC, and one of seven servers or none), so the
//! comparison with rcs's import of the same number of rows says how far rcs is from what the
//! engine itself can do.

use std::fmt::Write as _;
use std::process::Stdio;
use std::time::Instant;

use anyhow::{bail, Context as _};
use tokio::io::AsyncWriteExt;

use crate::config::Engine;

/// SQLite's page cache during rcs's imports (`IMPORT_CACHE_KIB` in api/src/db/mod.rs).
const IMPORT_CACHE_KIB: u32 = 32 * 1024;

/// Where the floor's rows go: the account of `first_server` (`PBX 0`), whose servers
/// `PBX 0`..`PBX 6` have consecutive ids, as the harness creates them.
pub struct Target<'a> {
    pub engine: Engine,
    pub database_url: &'a str,
    /// The SQLite file (the URL without its scheme).
    pub sqlite_file: Option<&'a str>,
    pub first_server: i64,
    /// The MAC set (`02<set><counter>`): one no other phase uses.
    pub set: u8,
    pub rows: usize,
}

/// Seconds the engine's bulk path takes for `target.rows` new phones, process start included
/// (a few milliseconds against seconds).
pub async fn load(target: &Target<'_>) -> anyhow::Result<f64> {
    match target.engine {
        Engine::Postgres => copy(target).await,
        Engine::Sqlite => insert_select(target).await,
    }
}

/// The epoch second the rows are stamped with.
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn copy(t: &Target<'_>) -> anyhow::Result<f64> {
    let stamp = now();
    let account: i64 = crate::procs::output(tokio::process::Command::new("psql").args([
        t.database_url,
        "-Atqc",
        &format!(
            "SELECT account_id FROM servers WHERE id = {}",
            t.first_server
        ),
    ]))
    .await?
    .trim()
    .parse()
    .context("the floor's account")?;
    let mut csv = String::with_capacity(t.rows * 48);
    for i in 0..t.rows {
        let server = match i % 8 {
            7 => String::new(),
            s => (t.first_server + s as i64).to_string(),
        };
        let _ = writeln!(
            csv,
            "02{:02X}{i:08X},{account},{server},{stamp},{stamp}",
            t.set
        );
    }
    let started = Instant::now();
    let mut child = tokio::process::Command::new("psql")
        .args([
            t.database_url,
            "-v",
            "ON_ERROR_STOP=1",
            "-qc",
            "\\copy phones (mac, account_id, server_id, created_at, updated_at) \
             FROM pstdin WITH (FORMAT csv)",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run psql")?;
    let mut stdin = child.stdin.take().context("psql's stdin")?;
    stdin.write_all(csv.as_bytes()).await?;
    drop(stdin);
    let out = child.wait_with_output().await?;
    let seconds = started.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("COPY failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(seconds)
}

/// The Python that runs SQLite's floor; it prints the seconds of the transaction.
const SQLITE_FLOOR: &str = r#"
import sqlite3, sys, time
path, set_, rows, first, stamp, cache_kib = sys.argv[1:7]
db = sqlite3.connect(path, isolation_level=None, timeout=60)
db.execute("PRAGMA synchronous = NORMAL")
db.execute("PRAGMA foreign_keys = ON")
db.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
t = time.perf_counter()
db.execute("BEGIN IMMEDIATE")
db.execute(
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?1) "
    "INSERT INTO phones (mac, account_id, server_id, created_at, updated_at) "
    "SELECT printf('02%02X%08X', ?2, i), "
    "(SELECT account_id FROM servers WHERE id = ?3), "
    "CASE WHEN i % 8 = 7 THEN NULL ELSE ?3 + i % 8 END, ?4, ?4 FROM n",
    (int(rows), int(set_), int(first), int(stamp)),
)
db.execute("COMMIT")
print(time.perf_counter() - t)
"#;

async fn insert_select(t: &Target<'_>) -> anyhow::Result<f64> {
    let file = t.sqlite_file.context("the SQLite file")?;
    let out = crate::procs::output(tokio::process::Command::new("python3").args([
        "-c",
        SQLITE_FLOOR,
        file,
        &t.set.to_string(),
        &t.rows.to_string(),
        &t.first_server.to_string(),
        &now().to_string(),
        &IMPORT_CACHE_KIB.to_string(),
    ]))
    .await?;
    out.trim()
        .parse()
        .with_context(|| format!("python3 printed {out:?}"))
}
