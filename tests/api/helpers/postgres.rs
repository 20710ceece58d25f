//! PostgreSQL for the tests: a fresh database per story on the shared server
//! (`RCS_TEST_POSTGRES_URL`), a proxy in front of it that a test can take down, and a private
//! server a test can restart without disturbing the rest of the suite.

use std::path::PathBuf;

use sqlx::Connection;

use super::app::random_hex;
use super::skip::{is_root, skip};

/// True (after [`skip`] said so) when no PostgreSQL is configured: the story returns.
pub fn skip_without_postgres() -> bool {
    let missing = postgres_admin_url().is_none();
    if missing {
        skip("RCS_TEST_POSTGRES_URL is not set");
    }
    missing
}

/// Waits (at most 10 s, else fails the test) until a session of `pool`'s database waits on a
/// lock: the moment a test that holds a row outside rcs lets its transaction go on.
pub async fn until_a_session_waits_on_a_lock(pool: &sqlx::AnyPool, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if waiting > 0 {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{what} never waited");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

pub fn postgres_admin_url() -> Option<String> {
    std::env::var("RCS_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A fresh, uniquely named PostgreSQL database, dropped when this guard goes.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create() -> PgDatabase {
        let admin_url = postgres_admin_url().expect("RCS_TEST_POSTGRES_URL");
        let name = format!("rcs_test_{}", random_hex(8));
        let mut conn = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("connect to PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let url = with_database(&admin_url, &name);
        PgDatabase {
            admin_url,
            name,
            url,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs outside async: a short-lived runtime on its own thread does the cleanup.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

/// `url` with its database name replaced.
fn with_database(url: &str, db: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("URL with scheme");
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, format!("?{q}")),
        None => (rest, String::new()),
    };
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}/{db}{query}")
}

/// A loopback TCP proxy in front of PostgreSQL that the test can take down (listener closed,
/// every open connection cut, as when the server stops) and bring back on the same port.
pub struct DbProxy {
    pub port: u16,
    upstream: String,
    running: Option<tokio::task::JoinHandle<()>>,
}

impl DbProxy {
    pub async fn start(upstream: String) -> DbProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut proxy = DbProxy {
            port,
            upstream,
            running: None,
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let upstream = self.upstream.clone();
        self.running = Some(tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                connections.spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
            // Dropping the set when this task is aborted cuts every connection.
        }));
    }

    /// The database is gone: nothing listens, open connections are reset.
    pub async fn down(&mut self) {
        if let Some(task) = self.running.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// The database is back, at the same address.
    pub async fn up(&mut self) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .unwrap();
        self.serve(listener);
    }
}

impl Drop for DbProxy {
    fn drop(&mut self) {
        if let Some(task) = self.running.take() {
            task.abort();
        }
    }
}

/// `postgres://user@host:port/db?q` with its host and port replaced.
pub fn via_port(url: &str, port: u16) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (userinfo, rest) = match rest.rsplit_once('@') {
        Some((u, r)) => (format!("{u}@"), r),
        None => (String::new(), rest),
    };
    let slash = rest.find('/').unwrap_or(rest.len());
    let hostport = &rest[..slash];
    let upstream = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:5432")
    };
    (
        format!("{scheme}://{userinfo}127.0.0.1:{port}{}", &rest[slash..]),
        upstream,
    )
}

/// A PostgreSQL server of the test's own: `initdb` in a temporary folder, run as the
/// `postgres` user on a free loopback port, so the test can restart it (`pg_ctl stop -m fast`,
/// then `start`, as `pg_ctl restart` does) without disturbing the server the rest of the suite
/// shares. Stopped at once when dropped.
pub struct OwnPostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl OwnPostgres {
    /// The server, initialised and started; `None` after [`skip`] said why not: no PostgreSQL
    /// server binaries, or no root to run them as `postgres` (CI has both, so there it fails).
    pub async fn create() -> Option<OwnPostgres> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .find(|b| b.join("pg_ctl").exists());
        let Some(bin) = bin else {
            skip("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin");
            return None;
        };
        if !is_root() {
            skip("not root: the private PostgreSQL server runs as the postgres user");
            return None;
        }
        // initdb and pg_ctl wait: off the runtime that also drives the service.
        let pg = tokio::task::spawn_blocking(move || OwnPostgres::init(bin))
            .await
            .expect("the private PostgreSQL server starts");
        Some(pg)
    }

    fn init(bin: PathBuf) -> OwnPostgres {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pg = OwnPostgres { dir, bin, port };
        let owned = std::process::Command::new("chown")
            .arg("postgres")
            .arg(pg.dir.path())
            .status()
            .unwrap();
        assert!(owned.success());
        let data = pg.data();
        pg.run(
            "initdb",
            &["-D", &data, "-U", "postgres", "-A", "trust", "--no-sync"],
        );
        pg.start();
        pg
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = std::process::Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(tool))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
    }

    pub fn stop(&self, mode: &str) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", mode, "-w", "stop"]);
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = std::process::Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
    }
}
