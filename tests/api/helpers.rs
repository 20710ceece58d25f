//! `spawn_app`: the real application on port 0, on a fresh SQLite file or a fresh PostgreSQL
//! database, with typed helpers for the calls tests make.

use std::path::PathBuf;

use rcs::config::Settings;
use rcs::db::{accounts, users, Db};
use rcs::domain::{Email, NewPassword};
use rcs::startup::Application;
use rcs_shared::{LoginResponse, Role};
use serde_json::Value;
use sqlx::Connection;

/// Which engine a test story runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The signing secret tests configure, so they can forge tokens with it.
pub const JWT_SECRET: &str = "test-secret-0123456789abcdef0123456789abcdef";
pub const PASSWORD: &str = "correct horse battery";

/// Runs a story as two tests, `sqlite` and `postgres`. The PostgreSQL one needs
/// `RCS_TEST_POSTGRES_URL` (CI and `scripts/test` set it); without it, it says so and passes.
#[macro_export]
macro_rules! on_both_engines {
    ($($story:ident),* $(,)?) => {$(
        mod $story {
            #[tokio::test]
            async fn sqlite() {
                super::$story($crate::helpers::Engine::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                if $crate::helpers::skip_without_postgres() {
                    return;
                }
                super::$story($crate::helpers::Engine::Postgres).await
            }
        }
    )*};
}

/// True (after saying so) when no PostgreSQL is configured: a PostgreSQL-only story returns.
pub fn skip_without_postgres() -> bool {
    let skip = postgres_admin_url().is_none();
    if skip {
        eprintln!("RCS_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
    }
    skip
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

pub fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// A data directory and database for one test, before the app starts.
pub struct TestEnv {
    pub settings: Settings,
    /// Kept alive for the test: dropping these removes the folder and the database.
    _dir: tempfile::TempDir,
    _pg: Option<PgDatabase>,
}

impl TestEnv {
    pub async fn new(engine: Engine) -> TestEnv {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings::with_data_dir(dir.path().join("data"));
        let pg = match engine {
            Engine::Sqlite => None,
            Engine::Postgres => Some(PgDatabase::create().await),
        };
        if let Some(pg) = &pg {
            settings.database_url = pg.url.clone();
        }
        settings.https_addr = "127.0.0.1:0".into();
        settings.workers = 2;
        settings.database_max_connections = 5;
        settings.jwt_secret = Some(JWT_SECRET.to_string().into());
        TestEnv {
            settings,
            _dir: dir,
            _pg: pg,
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.settings.data_dir.clone()
    }
}

pub struct TestApp {
    pub base: String,
    pub http_port: Option<u16>,
    pub metrics_port: Option<u16>,
    pub client: reqwest::Client,
    pub db: Db,
    pub handle: actix_web::dev::ServerHandle,
    pub server: tokio::task::JoinHandle<std::io::Result<()>>,
    pub env: TestEnv,
}

pub async fn spawn_app(engine: Engine) -> TestApp {
    spawn_app_with(engine, |_| {}).await
}

pub async fn spawn_app_with(engine: Engine, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let mut env = TestEnv::new(engine).await;
    tweak(&mut env.settings);
    start(env).await
}

/// Starts the application of `env` and a client that trusts its generated certificate.
pub async fn start(env: TestEnv) -> TestApp {
    let settings = env.settings.clone();
    let app = Application::build(settings.clone())
        .await
        .expect("application builds");
    let base = format!("https://127.0.0.1:{}", app.https_port());
    let http_port = app.http_port();
    let metrics_port = app.metrics_port();
    let db = app.db().clone();
    let handle = app.handle();
    let server = tokio::spawn(app.run_until_stopped());
    let cert =
        std::fs::read(settings.data_dir.join("tls/server.crt")).expect("generated server cert");
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&cert).unwrap())
        .build()
        .unwrap();
    TestApp {
        base,
        http_port,
        metrics_port,
        client,
        db,
        handle,
        server,
        env,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Creates an account with a Super User through the same code the CLI uses.
    pub async fn create_account(&self, name: &str, email: &str) -> (i64, i64) {
        let hash = NewPassword::parse(PASSWORD).unwrap().hash().unwrap();
        accounts::create_with_super_user(&self.db, name, &Email::parse(email).unwrap(), &hash)
            .await
            .expect("account created")
    }

    pub async fn add_user(&self, account_id: i64, email: &str, role: Role) -> i64 {
        let hash = NewPassword::parse(PASSWORD).unwrap().hash().unwrap();
        users::insert(
            &self.db.pool,
            account_id,
            email,
            role,
            &hash.0,
            rcs::db::now(),
        )
        .await
        .expect("user added")
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn token(&self, email: &str) -> String {
        self.token_with(email, PASSWORD).await
    }

    /// A session token for `email` logged in with `password`.
    pub async fn token_with(&self, email: &str, password: &str) -> String {
        let response = self.login(email, password).await;
        assert_eq!(response.status(), 200, "login of {email}");
        response.json::<LoginResponse>().await.unwrap().token
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Stops the server and waits until it has.
    pub async fn stop(self) -> TestEnv {
        let TestApp {
            client,
            handle,
            server,
            db,
            env,
            ..
        } = self;
        // The client's kept-alive connections would hold the graceful shutdown open until
        // its timeout: close them first.
        drop(client);
        handle.stop(true).await;
        let _ = server.await;
        db.pool.close().await;
        env
    }
}

/// The `{code, message}` body of an error response, checked to be one.
pub async fn error_body(response: reqwest::Response) -> rcs_shared::ApiError {
    response
        .json()
        .await
        .expect("error responses are {code, message}")
}

/// Requests with the other verbs the servers, users and audit stories use.
impl TestApp {
    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// PUT of raw bytes (a branding file upload).
    pub async fn put_bytes(&self, path: &str, token: &str, bytes: &[u8]) -> reqwest::Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .body(bytes.to_vec())
            .send()
            .await
            .expect("request sent")
    }

    pub async fn delete(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }
}

/// The repository's sample firmware catalog (`firmware/`), one folder per release.
pub fn sample_firmware_dirs() -> Vec<PathBuf> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../firmware"));
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("firmware/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join(rcs::firmware::MANIFEST).is_file())
        .collect();
    dirs.sort();
    dirs
}

impl TestApp {
    /// Imports the sample catalog (3.3.1.4322 and 4.2.0.181) through the same library
    /// function `rcs firmware import` uses, so phones can be pinned to those releases.
    pub async fn load_sample_firmware(&self) {
        let store = rcs::storage::BlobStore::new(&self.env.settings.data_dir);
        for dir in sample_firmware_dirs() {
            rcs::firmware::import(&self.db, &store, &dir)
                .await
                .unwrap_or_else(|e| panic!("sample release {} imports: {e}", dir.display()));
        }
    }
}
