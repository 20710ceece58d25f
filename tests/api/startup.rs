//! First start, restarts, probes, listeners and the web UI.

use rcs_shared::Health;

use crate::helpers::{raw_tls_client, spawn_app, spawn_app_with, start, Engine, TestEnv};
use crate::on_both_engines;

on_both_engines!(
    first_start_migrates_and_generates_certificates_then_restarts_reuse_them,
    probes_report_live_and_ready,
    the_web_ui_is_served_at_the_root,
    the_optional_plain_http_listener_serves_the_same_app,
);

async fn first_start_migrates_and_generates_certificates_then_restarts_reuse_them(engine: Engine) {
    let env = TestEnv::new(engine).await;
    let data = env.data_dir();
    assert!(!data.exists(), "the data directory starts absent");
    let app = start(env).await;
    for file in [
        "tls/server.crt",
        "tls/server.key",
        "device-ca/ca.crt",
        "device-ca/ca.key",
    ] {
        assert!(data.join(file).is_file(), "{file} generated");
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(data.join("device-ca/ca.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "private keys are owner-only");
    assert_eq!(data.join("rcs.db").is_file(), engine == Engine::Sqlite);
    let applied: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(applied >= 1);
    app.create_account("Acme", "admin@acme.example").await;
    let cert = std::fs::read(data.join("tls/server.crt")).unwrap();

    // A restart keeps the data and the certificate, and migrating again is a no-op.
    let app = start(app.stop().await).await;
    assert_eq!(std::fs::read(data.join("tls/server.crt")).unwrap(), cert);
    app.db.migrate().await.expect("migrations are idempotent");
    assert_eq!(
        app.login("admin@acme.example", crate::helpers::PASSWORD)
            .await
            .status(),
        200
    );
}

async fn probes_report_live_and_ready(engine: Engine) {
    let app = spawn_app(engine).await;
    for probe in ["/healthz", "/readyz"] {
        let response = app.client.get(app.url(probe)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{probe}");
        assert_eq!(response.json::<Health>().await.unwrap().status, "ok");
    }
    // Readiness follows the database: with the pool closed, the node reports unavailable.
    app.db.pool.close().await;
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let live = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(live.status(), 200);
}

async fn the_web_ui_is_served_at_the_root(engine: Engine) {
    let app = spawn_app(engine).await;
    for path in ["/", "/phones", "/some/client/route"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert_eq!(response.headers()["x-frame-options"], "DENY");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert_eq!(response.headers()["referrer-policy"], "no-referrer");
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        let body = response.text().await.unwrap();
        assert!(body.contains("rcs"), "{body}");
    }
}

async fn the_optional_plain_http_listener_serves_the_same_app(engine: Engine) {
    let app = spawn_app_with(engine, |s| s.http_addr = Some("127.0.0.1:0".into())).await;
    let port = app.http_port.expect("the HTTP listener is bound");
    let response = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

/// Certificates named in the configuration are used as given, and nothing is generated.
#[tokio::test]
async fn configured_certificates_are_used_as_given() {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let mut env = TestEnv::new(Engine::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::default();
    ca.distinguished_name
        .push(DnType::CommonName, "Operator CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let mut server = CertificateParams::new(vec!["rcs.test".to_string()]).unwrap();
    server
        .distinguished_name
        .push(DnType::CommonName, "rcs.test");
    let server_cert = server.signed_by(&server_key, &ca_cert, &ca_key).unwrap();
    let write = |name: &str, pem: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, pem).unwrap();
        path
    };
    env.settings.tls_cert = Some(write("server.crt", server_cert.pem()));
    env.settings.tls_key = Some(write("server.key", server_key.serialize_pem()));
    env.settings.device_ca = Some(write("devices.crt", ca_cert.pem()));
    let data = env.data_dir();
    let app = start_without_client(env).await;

    for generated in ["tls/server.crt", "device-ca/ca.crt"] {
        assert!(
            !data.join(generated).exists(),
            "{generated} must not be generated"
        );
    }
    // A client that trusts only the operator's CA reaches the service under the certificate's name.
    let client = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca_cert.pem().as_bytes()).unwrap())
        .resolve("rcs.test", ([127, 0, 0, 1], app.port).into())
        .build()
        .unwrap();
    let response = client
        .get(format!("https://rcs.test:{}/healthz", app.port))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// A running app without the helpers' client (which trusts the generated certificate).
struct Bare {
    port: u16,
    _env: TestEnv,
}

async fn start_without_client(env: TestEnv) -> Bare {
    let app = rcs::startup::Application::build(env.settings.clone())
        .await
        .unwrap();
    let port = app.https_port();
    tokio::spawn(app.run_until_stopped());
    Bare { port, _env: env }
}

/// Slow clients cannot hold a connection: one that never starts its TLS handshake, and one
/// that completes it but never finishes its request headers, are both cut off after
/// `request_timeout_secs`, while other clients are served meanwhile.
#[tokio::test]
async fn slow_clients_are_cut_off_after_the_request_timeout() {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let app = spawn_app_with(Engine::Sqlite, |s| s.request_timeout_secs = 1).await;
    let addr = app.base.trim_start_matches("https://").to_string();

    // Silent after connecting: no ClientHello at all.
    let started = Instant::now();
    let mut silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(10), silent.read(&mut buf)).await;
    assert!(
        matches!(read, Ok(Ok(0)) | Ok(Err(_))),
        "the silent connection was not closed: {read:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    // A TLS session that sends half a request line and then nothing.
    let config = raw_tls_client(&app);
    let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .expect("TLS handshake");
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    // Meanwhile another client is served at once.
    let ok = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), tls.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the slow request was not cut off");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "unexpected answer to a slow request: {answer}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// Handshakes that fail on the HTTPS listener are counted by reason on the metrics
/// listener: plain HTTP sent to the TLS port, a client that goes away, a client that does
/// not trust the certificate (it sends an alert), one that stays silent past the timeout.
#[tokio::test]
async fn failed_tls_handshakes_are_counted_by_reason() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let app = spawn_app_with(Engine::Sqlite, |s| {
        s.metrics_addr = Some("127.0.0.1:0".into());
        s.request_timeout_secs = 1;
    })
    .await;
    let addr = app.base.trim_start_matches("https://").to_string();

    // Not TLS at all.
    let mut plain = tokio::net::TcpStream::connect(&addr).await.unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut sink = Vec::new();
    let _ = plain.read_to_end(&mut sink).await;
    // Connects and leaves.
    drop(tokio::net::TcpStream::connect(&addr).await.unwrap());
    // A client that does not trust the self-signed certificate.
    let untrusting = reqwest::Client::new();
    assert!(untrusting.get(app.url("/healthz")).send().await.is_err());
    // Silent past the handshake timeout.
    let mut silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let _ = silent.read_to_end(&mut sink).await;
    // A good client still gets through.
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let metrics = format!(
        "http://127.0.0.1:{}/metrics",
        app.metrics_port.expect("metrics listener")
    );
    let count = |scrape: &str, reason: &str| -> u64 {
        let prefix = format!("rcs_tls_handshake_failures_total{{reason=\"{reason}\"}} ");
        scrape
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .map_or(0, |n| n.trim().parse().unwrap())
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let scrape = reqwest::get(&metrics).await.unwrap().text().await.unwrap();
        let counts = ["malformed", "closed", "alert", "timeout"].map(|r| count(&scrape, r));
        if counts == [1, 1, 1, 1] {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "malformed, closed, alert, timeout: {counts:?}\n{scrape}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
