//! Storage: one query layer over SQLite (embedded default) and PostgreSQL (multi-node).
//!
//! Queries are written once with `$n` placeholders and run through sqlx's `Any` driver, so
//! every repository function serves both engines. Only the schema differs (identity
//! columns), which is why `migrations/` holds one folder per engine with the same files.
//! Times are stored as Unix seconds.

pub mod accounts;
pub mod audit;
pub mod boot_events;
pub mod brandings;
pub mod device;
pub mod device_cas;
pub mod firmware;
pub mod password_resets;
pub mod phones;
pub mod rate_limits;
pub mod servers;
pub mod sessions;
pub mod settings;
pub mod summary;
pub mod users;

use std::time::Duration;

use anyhow::{bail, Context};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// Which database engine a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn from_url(url: &str) -> anyhow::Result<Engine> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Engine::Postgres)
        } else {
            bail!("unsupported database URL (use sqlite://PATH or postgres://...)")
        }
    }
}

/// A connection pool and the engine behind it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub engine: Engine,
}

impl Db {
    /// Connects (creating the SQLite file and its folder when needed) without migrating.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let engine = Engine::from_url(url)?;
        let url = match engine {
            Engine::Sqlite => prepare_sqlite_url(url)?,
            Engine::Postgres => url.to_string(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        // WAL lets readers run beside the writer; busy_timeout makes a second
                        // writer wait instead of failing; SQLite leaves foreign keys off by default.
                        // The timeout goes first: switching the journal mode itself needs the
                        // lock another process (a running node, say) may hold.
                        for pragma in [
                            "PRAGMA busy_timeout = 10000",
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA synchronous = NORMAL",
                            "PRAGMA foreign_keys = ON",
                        ] {
                            conn.execute(pragma).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .with_context(|| format!("cannot connect to the {engine:?} database"))?;
        Ok(Db { pool, engine })
    }

    /// Connects and applies pending migrations. On PostgreSQL sqlx holds an advisory lock
    /// while migrating, so nodes starting together migrate once.
    pub async fn connect_and_migrate(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        let db = Db::connect(url, max_connections).await?;
        db.migrate().await?;
        Ok(db)
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.engine {
            Engine::Sqlite => &SQLITE_MIGRATIONS,
            Engine::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("cannot apply database migrations")
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and then writes cannot
    /// wait for a concurrent writer and fails at once with "database is locked", whereas an
    /// immediate one queues behind it for up to `busy_timeout`.
    #[allow(clippy::disallowed_methods)] // the one sanctioned caller of Pool::begin
    pub async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Any>> {
        match self.engine {
            Engine::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Engine::Postgres => self.pool.begin().await,
        }
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
