//! Storage: one query layer over SQLite (embedded default) and PostgreSQL (multi-node).
//!
//! Queries are written once with `$n` placeholders and run through sqlx's `Any` driver, so
//! every repository function serves both engines. Only the schema differs (identity
//! columns), which is why `migrations/` holds one folder per engine with the same files.
//! Times are stored as Unix seconds.

pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod boot_events;
pub mod brandings;
pub mod device;
pub mod device_cas;
pub mod device_crls;
pub mod dialect;
pub mod firmware;
pub mod mac_search;
pub mod operator_audit;
pub mod password_resets;
pub mod phone_list;
pub mod phone_selection;
pub mod phones;
pub mod platform;
pub mod rate_limits;
pub mod second_factor;
pub mod servers;
pub mod sessions;
pub mod settings;
pub mod summary;
pub mod users;
pub mod webhooks;

use std::time::Duration;

use anyhow::Context;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, AnyPool, Connection, Executor};

pub use dialect::{Dialect, LockFor};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// A connection pool and the dialect of the database behind it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub dialect: Dialect,
}

/// Keeps a connection in the pool only when no transaction is left open on it.
///
/// A transaction dropped without commit is rolled back by sqlx on the connection's worker
/// after the fact; when that `ROLLBACK` fails, sqlx still counts the transaction as open.
/// SQLite does that after a full disk: it has already rolled the transaction back itself, so
/// the `ROLLBACK` answers "no transaction is active". Every later `BEGIN IMMEDIATE` on that
/// connection then failed with "begin_with at non-zero transaction depth", a 500 for as long
/// as the process ran. Such a connection is closed instead. The common case, no transaction,
/// costs one atomic read; a dropped one waits for its rollback (a ping queues behind it).
async fn release_outside_transaction(conn: &mut AnyConnection) -> sqlx::Result<bool> {
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    conn.ping().await?;
    if conn.is_in_transaction() {
        tracing::warn!("closing a database connection whose transaction could not be rolled back");
        return Ok(false);
    }
    Ok(true)
}

impl Db {
    /// Connects (creating the SQLite file and its folder when needed) without migrating.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::from_url(url)?;
        let url = match dialect {
            Dialect::Sqlite => prepare_sqlite_url(url)?,
            Dialect::Postgres => url.to_string(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        prepare_sqlite_connection(conn).await?;
                    }
                    Ok(())
                })
            })
            .after_release(|conn, _meta| Box::pin(release_outside_transaction(conn)))
            .connect(&url)
            .await
            .with_context(|| format!("cannot connect to the {dialect:?} database"))?;
        Ok(Db { pool, dialect })
    }

    /// Connects and applies pending migrations. On PostgreSQL sqlx holds an advisory lock
    /// while migrating, so nodes starting together migrate once.
    pub async fn connect_and_migrate(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        let db = Db::connect(url, max_connections).await?;
        db.migrate().await?;
        Ok(db)
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.dialect {
            Dialect::Sqlite => &SQLITE_MIGRATIONS,
            Dialect::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        self.migrator()
            .run(&self.pool)
            .await
            .context("cannot apply database migrations")
    }

    /// How many of this build's migrations the database has not applied yet (all of them
    /// for an empty database).
    ///
    /// Only a database without the migrations table counts as "nothing applied": any other
    /// failure (a lost connection, a denied permission) is an error, not a false report that
    /// every migration is pending.
    pub async fn pending_migrations(&self) -> anyhow::Result<usize> {
        let tables: i64 = sqlx::query_scalar(self.dialect.table_exists_query())
            .bind("_sqlx_migrations")
            .fetch_one(&self.pool)
            .await
            .context("cannot read the database catalog")?;
        let applied: Vec<i64> = if tables == 0 {
            Vec::new()
        } else {
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_all(&self.pool)
                .await
                .context("cannot read the applied migrations")?
        };
        Ok(self
            .migrator()
            .iter()
            .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
            .count())
    }

    /// The newest migration this build knows: the schema version an export was taken at.
    pub fn schema_version(&self) -> i64 {
        self.migrator().iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// Starts a transaction that will write ([`Dialect::begin_write`] says why it differs).
    #[allow(clippy::disallowed_methods)] // the one sanctioned caller of Pool::begin
    pub async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Any>> {
        self.pool.begin_with(self.dialect.begin_write()).await
    }

    /// Starts a read-only transaction that sees one snapshot of the whole database (for an
    /// export taken while the service runs; [`Dialect::begin_snapshot`]).
    #[allow(clippy::disallowed_methods)] // read-only: no write lock to take up front
    pub async fn begin_read(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Any>> {
        self.pool.begin_with(self.dialect.begin_snapshot()).await
    }

    /// True when the database answers a trivial query within two seconds.
    pub async fn is_ready(&self) -> bool {
        let ping = sqlx::query("SELECT 1").execute(&self.pool);
        matches!(
            tokio::time::timeout(Duration::from_secs(2), ping).await,
            Ok(Ok(_))
        )
    }
}

/// Readies a new SQLite connection: busy timeout, WAL, `synchronous = NORMAL`, foreign keys.
///
/// The timeout goes first so every later lock waits instead of failing. WAL is a property
/// of the file, so the mode is only switched when the file is not in WAL yet: switching needs
/// an exclusive lock that SQLite does not wait for through the busy handler (sqlx's own
/// options say as much), so asking on every new connection could fail beside another process
/// that is writing. The switch itself, needed once per file, is retried for as long as the
/// busy timeout.
async fn prepare_sqlite_connection(conn: &mut sqlx::AnyConnection) -> sqlx::Result<()> {
    conn.execute("PRAGMA busy_timeout = 10000").await?;
    // A read opens the file, so the journal mode reported next is the file's own.
    sqlx::query("SELECT COUNT(*) FROM sqlite_master")
        .fetch_all(&mut *conn)
        .await?;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await?;
    if !mode.eq_ignore_ascii_case("wal") {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            match conn.execute("PRAGMA journal_mode = WAL").await {
                Ok(_) => break,
                Err(e) if is_busy(&e) && tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
    conn.execute("PRAGMA synchronous = NORMAL").await?;
    conn.execute("PRAGMA foreign_keys = ON").await?;
    // temp_store stays SQLite's default (files): each bulk upsert keeps a statement journal,
    // to undo itself alone on a conflict, and past 64 KiB it spills to a temporary file. In
    // memory (temp_store = MEMORY, as before) a chunk of a file in random MAC order journaled
    // a page of each of four indexes per row, and a million-row import peaked at 263 MB
    // instead of 112 MB; the import of a sorted file took the same time either way.
    Ok(())
}

/// SQLite page cache (KiB) of a connection while it imports phones.
///
/// An import touches every B-tree of the phone table (the table and its indexes) for each
/// row; SQLite's default cache of 2 MiB per connection keeps too few of their pages once
/// the table is large, and the import then rereads them from the file. The larger cache is
/// given back when the import ends, so idle connections stay small. 8 MiB: a million-row
/// import took the same time as with 32 MiB (2.0-2.2 s for a file in MAC order, 12-13 s in
/// random order, beside a million other phones) and peaked 25 MB lower.
const IMPORT_CACHE_KIB: i64 = 8 * 1024;

/// On SQLite, raises the connection's page cache for a bulk write and answers the previous
/// setting (for [`finish_bulk_write`]); nothing on PostgreSQL.
pub async fn widen_sqlite_cache(conn: &mut sqlx::AnyConnection) -> sqlx::Result<Option<i64>> {
    if !Dialect::of(conn).has_connection_page_cache() {
        return Ok(None);
    }
    let previous: i64 = sqlx::query_scalar("PRAGMA cache_size")
        .fetch_one(&mut *conn)
        .await?;
    conn.execute(format!("PRAGMA cache_size = -{IMPORT_CACHE_KIB}").as_str())
        .await?;
    Ok(Some(previous))
}

/// Gives back what [`widen_sqlite_cache`] took, and the statements the bulk write prepared.
///
/// sqlx keeps every statement a connection prepared, and an import's are large: one upsert
/// of 10,000 rows binds 60,000 values, and SQLite holds the program and a register for each
/// (several MB a statement, a few statements an import). Kept, they stayed with the pooled
/// connection for good, and each connection that had imported sat about 15 MB higher.
pub async fn finish_bulk_write(
    conn: &mut sqlx::AnyConnection,
    previous: Option<i64>,
) -> sqlx::Result<()> {
    if let Some(size) = previous {
        conn.execute(format!("PRAGMA cache_size = {size}").as_str())
            .await?;
    }
    conn.clear_cached_statements().await
}

/// SQLite's SQLITE_BUSY (5) and its extended codes (`5 + 256 * n`).
fn is_busy(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .and_then(|c| c.parse::<i32>().ok())
        .is_some_and(|c| c & 0xff == 5)
}

/// Makes sure the folder of a `sqlite://` file exists and asks sqlx to create the file.
fn prepare_sqlite_url(url: &str) -> anyhow::Result<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(url.to_string());
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// Seconds since the Unix epoch: the one time unit stored in the database.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// RFC 3339 text of a stored time, as the API shows it.
pub fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}
