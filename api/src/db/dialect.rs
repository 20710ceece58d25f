//! Every difference between the two engines, in one place.
//!
//! Queries are written once with `$n` placeholders and run on both engines through sqlx's
//! `Any` driver; what cannot be written once (unpacking a JSON array into rows, row locks,
//! how a transaction begins, statement sizes, catalog queries, backups) is asked of the
//! [`Dialect`], which is decided once from the database URL (or, inside a query function that
//! only has a connection, from that connection's driver) and never guessed again elsewhere.

use anyhow::bail;
use sqlx::AnyConnection;

/// The SQL dialect of the database behind a pool or connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// The strength of the row locks [`Dialect::row_lock`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockFor {
    /// The rows will be updated, not their keys (other transactions may still insert rows
    /// that reference them).
    Update,
    /// The rows will be deleted.
    Delete,
    /// Other rows are about to refer to these (phones to their server or branding): the rows
    /// may not be deleted, nor their keys changed, until the transaction ends. This is the
    /// lock PostgreSQL's own foreign-key check takes, taken once per referenced row instead
    /// of once per referring row.
    Reference,
}

impl Dialect {
    /// The dialect a database URL selects (`sqlite:` or `postgres:`/`postgresql:`).
    pub fn from_url(url: &str) -> anyhow::Result<Dialect> {
        if url.starts_with("sqlite:") {
            Ok(Dialect::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Dialect::Postgres)
        } else {
            bail!("unsupported database URL (use sqlite://PATH or postgres://...)")
        }
    }

    /// The dialect of an open connection. Query functions that take a connection (so that they
    /// run inside the caller's transaction) ask here instead of being handed the pool's
    /// [`Db`](super::Db).
    pub fn of(conn: &AnyConnection) -> Dialect {
        if conn.backend_name().eq_ignore_ascii_case("sqlite") {
            Dialect::Sqlite
        } else {
            Dialect::Postgres
        }
    }

    /// The lower-case engine name, as exports record it.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    /// The phone's MAC as the phone list sorts and compares it (`ORDER BY`, keyset cursors).
    ///
    /// On PostgreSQL it is the MAC in the "C" collation, which only the per-account indexes
    /// carry (migration 0016): the primary key gives MAC order too, and for an account that
    /// holds most of the phones the planner chose between the two by a hair of estimated cost,
    /// walking the primary key through every other account's phones when it lost. Naming the
    /// collation leaves the per-account index as the only plan. The order is the same for 12
    /// upper-case hex digits in any collation, and is SQLite's BINARY order.
    pub fn mac_key(self) -> &'static str {
        match self {
            Dialect::Sqlite => "p.mac",
            Dialect::Postgres => "p.mac COLLATE \"C\"",
        }
    }

    /// A subquery giving one row per string of the JSON array bound at `$param`.
    pub fn json_text_set(self, param: usize) -> String {
        match self {
            Dialect::Sqlite => format!("SELECT value FROM json_each(${param})"),
            Dialect::Postgres => {
                format!("SELECT json_array_elements_text(CAST(${param} AS json))")
            }
        }
    }

    /// A set of `n` bound values `$from..` for `col IN (...)`.
    ///
    /// On PostgreSQL it is a `VALUES` subquery: a plain `IN ($2, $3, ...)` list is fine until a
    /// prepared statement switches to its generic plan, where parameters are not constants, the
    /// list cannot be hashed and every candidate row is compared with every value (measured: 3 s
    /// per 1000-MAC chunk at 100,000 phones). A `VALUES` relation is joined by hash or by
    /// primary key instead. SQLite probes the primary key for each listed value either way, and
    /// the plain list is the faster of the two there (0.6 s against 0.8 s for a 100,000-row
    /// import).
    pub fn value_set(self, from: usize, n: usize) -> String {
        match self {
            Dialect::Sqlite => placeholders(from, n),
            Dialect::Postgres => {
                let rows: Vec<String> = (from..from + n).map(|i| format!("(${i})")).collect();
                format!("SELECT column1 FROM (VALUES {}) AS v", rows.join(", "))
            }
        }
    }

    /// Rows per bulk statement that binds a few parameters per row.
    ///
    /// PostgreSQL pays a network round trip per statement, so it gets a thousand rows at a
    /// time. SQLite is in-process, and sqlx's cost of binding grows with the number of
    /// parameters in the statement (measured: 100,000 upserts take 2.7 s in 1000-row
    /// statements, 0.25 s in 50-row ones), so it gets small statements.
    pub fn chunk_rows(self) -> usize {
        match self {
            Dialect::Sqlite => 50,
            Dialect::Postgres => 1000,
        }
    }

    /// The locking clause that ends a `SELECT` of rows about to be written, or `None` where
    /// the write transaction already holds the only write lock (SQLite).
    pub fn row_lock(self, purpose: LockFor) -> Option<&'static str> {
        match (self, purpose) {
            (Dialect::Sqlite, _) => None,
            (Dialect::Postgres, LockFor::Update) => Some("FOR NO KEY UPDATE"),
            (Dialect::Postgres, LockFor::Delete) => Some("FOR UPDATE"),
            (Dialect::Postgres, LockFor::Reference) => Some("FOR KEY SHARE"),
        }
    }

    /// How a write transaction begins. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and then writes cannot
    /// wait for a concurrent writer and fails at once with "database is locked", whereas an
    /// immediate one queues behind it for up to `busy_timeout`.
    pub fn begin_write(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }

    /// How a read-only transaction that sees one snapshot of the whole database begins (an
    /// export taken while the service runs). SQLite's deferred transaction takes no write
    /// lock; PostgreSQL's repeatable read keeps every statement on the first one's snapshot.
    pub fn begin_snapshot(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN DEFERRED",
            Dialect::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        }
    }

    /// A query answering `(name, type)` of each column of the table bound at `$1`, in order.
    pub fn columns_query(self) -> &'static str {
        match self {
            Dialect::Sqlite => "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
            Dialect::Postgres => {
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 ORDER BY ordinal_position"
            }
        }
    }

    /// A query counting the tables named `$1` in the current schema (0 or 1).
    pub fn table_exists_query(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
            }
            Dialect::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = $1"
            }
        }
    }

    /// The statement that moves `table`'s id sequence past its largest id after rows were
    /// copied in with their ids; `None` where ids follow the table's content (SQLite).
    pub fn reset_id_sequence(self, table: &str) -> Option<String> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )),
        }
    }

    /// Whether the planner needs fresh statistics after a bulk write.
    ///
    /// A PostgreSQL table filled by one large import has no statistics until autovacuum gets to
    /// it (a minute or more later), and without them PostgreSQL plans "one server's phones by
    /// last contact" as a sort of every phone of that server (30 ms at 100,000 phones) instead
    /// of a walk of the last-seen index (0.2 ms); its `ANALYZE` samples a fixed number of rows.
    /// SQLite's planner does well without statistics, and its `ANALYZE` reads the whole table
    /// under the write lock.
    pub fn analyzes_after_bulk_write(self) -> bool {
        self == Dialect::Postgres
    }

    /// Whether the engine keeps its page cache per connection, so a bulk write can widen it
    /// for itself (SQLite's `cache_size`).
    pub fn has_connection_page_cache(self) -> bool {
        self == Dialect::Sqlite
    }

    /// Whether `rcs backup` can copy the database itself (SQLite's `VACUUM INTO`); PostgreSQL
    /// is backed up with its own `pg_dump`.
    pub fn has_online_file_backup(self) -> bool {
        self == Dialect::Sqlite
    }

    /// Whether the database is a file in the data directory (created with it).
    pub fn is_embedded(self) -> bool {
        self == Dialect::Sqlite
    }
}

/// `$from, $from+1, ...` (`n` placeholders).
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_their_dialect() {
        assert_eq!(Dialect::from_url("sqlite://x.db").unwrap(), Dialect::Sqlite);
        assert_eq!(
            Dialect::from_url("postgres://u@h/d").unwrap(),
            Dialect::Postgres
        );
        assert_eq!(
            Dialect::from_url("postgresql://u@h/d").unwrap(),
            Dialect::Postgres
        );
        assert!(Dialect::from_url("mysql://u@h/d").is_err());
    }

    #[test]
    fn value_sets_number_their_parameters_from_the_first() {
        assert_eq!(Dialect::Sqlite.value_set(2, 3), "$2, $3, $4");
        assert_eq!(
            Dialect::Postgres.value_set(2, 2),
            "SELECT column1 FROM (VALUES ($2), ($3)) AS v"
        );
    }

    /// Both engines must apply the same migrations: a file added to one folder only would
    /// leave the other engine with another schema.
    #[test]
    fn both_migration_folders_hold_the_same_files() {
        let names = |engine: &str| -> Vec<String> {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../migrations")
                .join(engine);
            let mut names: Vec<String> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        let sqlite = names("sqlite");
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, names("postgres"));
    }
}
