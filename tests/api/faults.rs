//! Faults of the machine under the service: a full disk, a read-only data directory, and the
//! service killed (`kill -9`) in the middle of a million-row import.
//!
//! The disk faults are real: the data directory is a small tmpfs mounted for the test (this
//! needs root, as CI has), filled up with a file, or remounted read-only.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rcs_shared::{ImportResult, Summary};
use serde_json::{json, Value};

use crate::helpers::cli::{create_account, login, serve_with, trusting};
use crate::helpers::routes;
use crate::helpers::skip::{is_root, skip};
use crate::helpers::{error_body, spawn_app_with, Engine, TestApp, TestEnv, PASSWORD};
use crate::on_both_engines;

/// A tmpfs mounted on a fresh folder for one test; unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// `None` (after [`skip`] said so) when this process may not mount: only as a non-root
    /// user, and never in CI.
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(Tmpfs { dir });
        }
        assert!(!is_root(), "root could not mount a tmpfs");
        skip("mounting a tmpfs needs root");
        None
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn remount(&self, options: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(self.dir.path())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "remount {options}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// The in-process service on SQLite with its data directory on `fs`, an account and a token.
async fn app_on(fs: &Tmpfs) -> (TestApp, String) {
    let data_dir: PathBuf = fs.path().join("data");
    let app = spawn_app_with(Engine::Sqlite, |s| {
        s.database_url = format!("sqlite://{}/rcs.db", data_dir.display());
        s.data_dir = data_dir.clone();
    })
    .await;
    app.create_account("Acme", "admin@acme.example").await;
    let token = app.token("admin@acme.example").await;
    (app, token)
}

/// `count` distinct locally administered MACs, one per line.
fn csv_of(count: usize, first: usize) -> String {
    let mut csv = String::with_capacity(count * 14);
    for i in first..first + count {
        csv.push_str(&format!("0200{i:08X}\n"));
    }
    csv
}

async fn import(app: &TestApp, token: &str, csv: String) -> reqwest::Response {
    app.import_csv(token, "", csv).await
}

async fn phones(app: &TestApp, token: &str) -> i64 {
    let response = app.get(routes::SUMMARY, token).await;
    assert_eq!(response.status(), 200);
    response.json::<Summary>().await.unwrap().phones
}

/// SQLite's own verdict on the file.
async fn integrity(database_url: &str) -> String {
    use sqlx::{ConnectOptions, Connection};
    let options: sqlx::sqlite::SqliteConnectOptions = database_url.parse().unwrap();
    let mut conn = options.read_only(true).connect().await.unwrap();
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    verdict
}

/// Fills `fs` with a file until the disk is full, then frees `leave` bytes of it.
fn fill(fs: &Tmpfs, leave: u64) -> PathBuf {
    let path = fs.path().join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    while file.write_all(&chunk).is_ok() {
        written += chunk.len() as u64;
    }
    let _ = file.flush();
    file.set_len(written.saturating_sub(leave)).unwrap();
    path
}

/// A full disk: an import is refused with a clear 503 (`storage_full`, `Retry-After`), nothing
/// of it is written, reading goes on, and once there is room again the same import works and
/// the database is intact.
#[tokio::test]
async fn a_full_disk_refuses_writes_clearly_and_loses_nothing() {
    let Some(fs) = Tmpfs::mount("96m") else {
        return;
    };
    let (app, token) = app_on(&fs).await;
    let database_url = app.env.settings.database_url.clone();
    let filler = fill(&fs, 256 * 1024);

    let csv = csv_of(100_000, 0);
    let response = import(&app, &token, csv.clone()).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "60");
    let body = error_body(response).await;
    assert_eq!(body.code, "storage_full", "{}", body.message);
    assert!(body.message.contains("storage is full"), "{}", body.message);
    assert!(!body.message.contains("SQLITE") && !body.message.contains("database or disk"));
    assert_eq!(
        phones(&app, &token).await,
        0,
        "nothing of the import was written"
    );
    assert_eq!(app.get(routes::SERVERS, &token).await.status(), 200);

    std::fs::remove_file(filler).unwrap();
    let response = import(&app, &token, csv).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    let result: ImportResult = serde_json::from_str(&text).unwrap();
    assert_eq!(result.added, 100_000);
    assert_eq!(phones(&app, &token).await, 100_000);
    assert_eq!(integrity(&database_url).await, "ok");

    // No pooled connection was left broken by the failed write: twice the pool's size of
    // writes in a row (the pool hands idle connections out in turn) all succeed.
    for i in 0..10 {
        let server =
            serde_json::json!({ "name": format!("After {i}"), "url": "https://pbx.example/" });
        let response = app.post(routes::SERVERS, &token, &server).await;
        assert_eq!(
            response.status(),
            201,
            "write {i} after the disk had room again"
        );
    }
}

/// A data directory that went read-only (a filesystem remounted `ro` after errors, a wrong
/// mount): the kernel refuses to make a filesystem read-only while rcs holds its database open
/// for writing, so this meets rcs at its next start. rcs then refuses to start with an error
/// that names the read-only data directory (never a panic, nothing written), and once the
/// directory is writable again it starts with everything as it was and the database intact.
#[tokio::test]
async fn a_read_only_data_directory_is_refused_clearly_at_start_and_loses_nothing() {
    let Some(fs) = Tmpfs::mount("64m") else {
        return;
    };
    let (app, token) = app_on(&fs).await;
    let database_url = app.env.settings.database_url.clone();
    let server = json!({ "name": "Main", "url": "https://pbx.example.net/cfg" });
    assert_eq!(
        app.post(routes::SERVERS, &token, &server).await.status(),
        201
    );
    let env = app.stop().await;

    fs.remount("ro");
    let refused = match rcs::startup::Application::build(env.settings.clone()).await {
        Ok(_) => panic!("rcs started on a read-only data directory"),
        Err(e) => format!("{e:#}"),
    };
    assert!(refused.contains("read-only"), "{refused}");
    assert!(
        refused.contains(&env.data_dir().display().to_string()),
        "the error names the directory: {refused}"
    );

    fs.remount("rw");
    let app = crate::helpers::start(env).await;
    let token = app.token("admin@acme.example").await;
    let listed: Value = app.get(routes::SERVERS, &token).await.json().await.unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(
        app.post(
            routes::SERVERS,
            &token,
            &json!({ "name": "Backup", "url": "https://pbx.example.net/cfg2" })
        )
        .await
        .status(),
        201
    );
    app.stop().await;
    assert_eq!(integrity(&database_url).await, "ok");
}

on_both_engines!(a_killed_import_leaves_all_rows_or_none);

/// `kill -9` of `rcs serve` while it writes a one-million-row import: after a restart the
/// account has every row or none (and SQLite's file passes its integrity check). The kill
/// is timed to land inside the import's transaction, which the test checks before killing.
async fn a_killed_import_leaves_all_rows_or_none(engine: Engine) {
    const ROWS: usize = 1_000_000;
    let env = TestEnv::new(engine).await;
    create_account(&env, "Acme", "admin@acme.example").await;
    let settings: Vec<(&'static str, OsString)> = vec![
        ("RCS_DATA_DIR", env.data_dir().into()),
        ("RCS_DATABASE_URL", env.settings.database_url.clone().into()),
    ];
    let (mut child, port, _) = serve_with(&settings).await;
    let client = trusting(&env.data_dir().join("tls")).build().unwrap();
    let base = |port: u16| format!("https://localhost:{port}");
    let token = |port: u16| {
        let client = client.clone();
        async move { login(&client, &base(port), "admin@acme.example", PASSWORD).await }
    };
    let first = token(port).await;
    let upload = tokio::spawn(
        client
            .post(format!("https://localhost:{port}{}", routes::PHONES_IMPORT))
            .bearer_auth(&first)
            .header("content-type", "text/csv")
            .body(csv_of(ROWS, 0))
            .send(),
    );

    // Wait until the import is writing: SQLite's WAL holds far more than a checkpoint's worth
    // of uncommitted pages, or PostgreSQL shows the service's transaction inserting phones.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(!upload.is_finished(), "the import finished before the kill");
        let writing = match engine {
            Engine::Sqlite => std::fs::metadata(env.data_dir().join("rcs.db-wal"))
                .is_ok_and(|m| m.len() > 16 * 1024 * 1024),
            Engine::Postgres => {
                let pool = sqlx::PgPool::connect(&env.settings.database_url)
                    .await
                    .unwrap();
                let inserting: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                     AND pid <> pg_backend_pid() AND xact_start IS NOT NULL \
                     AND query ILIKE '%INSERT INTO phones%'",
                )
                .fetch_one(&pool)
                .await
                .unwrap();
                pool.close().await;
                inserting > 0
            }
        };
        if writing {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the import never started writing"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        upload.await.unwrap().is_err(),
        "the import was never answered"
    );

    let (mut child, port, _) = serve_with(&settings).await;
    let second = token(port).await;
    let summary: Summary = client
        .get(format!("https://localhost:{port}{}", routes::SUMMARY))
        .bearer_auth(&second)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        summary.phones == 0 || summary.phones == ROWS as i64,
        "all or nothing, but {} phones are there",
        summary.phones
    );
    if engine == Engine::Sqlite {
        assert_eq!(integrity(&env.settings.database_url).await, "ok");
    }
}
