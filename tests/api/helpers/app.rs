//! `spawn_app`: the real application on port 0, on a fresh SQLite file or a fresh PostgreSQL
//! database, and the raw verbs (`get`, `post`, ...) the typed client in `client.rs` is built
//! on.

use std::path::PathBuf;

use rcs::config::Settings;
use rcs::db::{users, Db};
use rcs::domain::{Email, NewPassword};
use rcs::services::accounts;
use rcs::startup::Application;
use rcs_shared::{LoginResponse, Role};
use serde_json::Value;

use super::client::routes;
use super::postgres::PgDatabase;

/// Which engine a test story runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The signing secret tests configure, so they can forge tokens with it.
pub const JWT_SECRET: &str = "test-secret-0123456789abcdef0123456789abcdef";
pub const PASSWORD: &str = "correct horse battery";

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

    /// Another node's environment: the same settings, database and data directory (kept
    /// alive by this one, which must outlive it).
    pub fn another_node(&self) -> TestEnv {
        TestEnv {
            settings: self.settings.clone(),
            _dir: tempfile::tempdir().expect("temp dir"),
            _pg: None,
        }
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

    /// Adds a platform operator through the same service as `rcs operator add`; returns the
    /// operator's user id. Log in with [`TestApp::token`] as for staff.
    pub async fn add_operator(&self, email: &str) -> i64 {
        let hash = NewPassword::parse(PASSWORD).unwrap().hash().unwrap();
        let cli = rcs::services::operators::OperatorActor::cli();
        rcs::services::operators::add(&self.db, &cli, &Email::parse(email).unwrap(), &hash)
            .await
            .expect("operator added")
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
            .post(self.url(routes::LOGIN))
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

/// The whole seconds of an answer's `Retry-After`, checked to be there and a number.
pub fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// A request body sent in two parts, the second only once the returned sender is used (or
/// dropped): a request the server has begun, held open for as long as a story needs.
pub fn gated_body(
    first: String,
    second: String,
) -> (reqwest::Body, tokio::sync::oneshot::Sender<()>) {
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let parts = futures_util::stream::unfold((0, Some(released)), move |(step, gate)| {
        let (first, second) = (first.clone(), second.clone());
        async move {
            match step {
                0 => Some((Ok::<_, std::io::Error>(first), (1, gate))),
                1 => {
                    let _ = gate.unwrap().await;
                    Some((Ok(second), (2, None)))
                }
                _ => None,
            }
        }
    });
    (reqwest::Body::wrap_stream(parts), release)
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
        .filter(|p| p.join(rcs::services::firmware::MANIFEST).is_file())
        .collect();
    dirs.sort();
    dirs
}

impl TestApp {
    /// Imports the sample catalog (Aastra's 3.3.1.4322 and 4.2.0.181, and one release of
    /// each other vendor: see firmware/README.md) through the same library function
    /// `rcs firmware import` uses, so phones can be pinned to those releases.
    pub async fn load_sample_firmware(&self) {
        for dir in sample_firmware_dirs() {
            self.import_firmware(&dir).await;
        }
    }

    /// Imports the release in `dir` as `rcs firmware import` does; panics if it is refused.
    pub async fn import_firmware(&self, dir: &std::path::Path) {
        let store = rcs::storage::BlobStore::new(&self.env.settings.data_dir);
        rcs::services::firmware::import(
            &self.db,
            &store,
            &rcs::services::operators::OperatorActor::cli(),
            dir,
        )
        .await
        .unwrap_or_else(|e| panic!("release {} imports: {e}", dir.display()));
    }

    /// [`TestApp::load_sample_firmware`] unless a catalog is there already (a second account
    /// in the same story).
    pub async fn load_sample_firmware_once(&self) {
        let releases = rcs::db::firmware::releases(&self.db, None).await.unwrap();
        if releases.is_empty() {
            self.load_sample_firmware().await;
        }
    }

    /// The actions of `account_id`'s audit entries, oldest first.
    pub async fn audit_actions(&self, account_id: i64) -> Vec<String> {
        sqlx::query_scalar("SELECT action FROM audit_events WHERE account_id = $1 ORDER BY id")
            .bind(account_id)
            .fetch_all(&self.db.pool)
            .await
            .unwrap()
    }
}

/// A raw TLS client configuration that trusts the app's generated server certificate and
/// presents none of its own: for tests that speak bytes to the HTTPS listener.
pub fn raw_tls_client(app: &TestApp) -> std::sync::Arc<rustls::ClientConfig> {
    use rustls_pki_types::pem::PemObject;
    let cert = std::fs::read(app.env.data_dir().join("tls/server.crt")).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pki_types::CertificateDer::pem_slice_iter(&cert) {
        roots.add(c.unwrap()).unwrap();
    }
    std::sync::Arc::new(
        rustls::ClientConfig::builder_with_provider(rcs::tls::provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}
