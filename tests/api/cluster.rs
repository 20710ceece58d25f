//! Two `rcs serve` processes on one fresh PostgreSQL database, as nodes behind a load
//! balancer: nothing a user or a phone relies on lives in one node's memory.

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::Child;
use std::time::Duration;

use rcgen::{CertificateParams, KeyPair, SanType};
use rcs_shared::{DeviceAnswer, PhonePage};
use serde_json::{json, Value};

use crate::helpers::cli::{rcs, run, serve, ServeLog};
use crate::helpers::internals;
use crate::helpers::pki::TestCa;
use crate::helpers::routes;
use crate::helpers::{Engine, TestEnv, PASSWORD};

/// One `rcs serve` process; killed when dropped.
struct Node {
    child: Child,
    port: u16,
    /// What the node logged, to look for errors.
    log: ServeLog,
}

impl Node {
    /// Starts a node on a thread of its own; joins once it logged its HTTPS port.
    fn spawn(env: &TestEnv, certs: &Path) -> std::thread::JoinHandle<Node> {
        let settings: Vec<(&'static str, OsString)> = vec![
            ("RCS_DATA_DIR", env.data_dir().into()),
            ("RCS_DATABASE_URL", env.settings.database_url.clone().into()),
            ("RCS_TLS_CERT", certs.join("server.crt").into()),
            ("RCS_TLS_KEY", certs.join("server.key").into()),
            ("RCS_DEVICE_CA", certs.join("device-ca.pem").into()),
            ("RCS_WORKERS", "2".into()),
            ("RCS_DATABASE_MAX_CONNECTIONS", "8".into()),
            ("RCS_LOG_FILTER", "info".into()),
        ];
        std::thread::spawn(move || {
            let envs: Vec<(&str, &OsStr)> =
                settings.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
            let (child, port, log) = serve(&envs);
            Node { child, port, log }
        })
    }

    fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }

    fn errors(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains("ERROR"))
            .cloned()
            .collect()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server certificate for localhost and the phone vendor's CA, written to `dir`.
fn write_certs(dir: &Path) -> TestCa {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params
        .subject_alt_names
        .push(SanType::IpAddress([127, 0, 0, 1].into()));
    let cert = params.self_signed(&key).unwrap();
    std::fs::write(dir.join("server.crt"), cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
    let ca = TestCa::new("Cluster Phone Vendor CA");
    std::fs::write(dir.join("device-ca.pem"), ca.pem()).unwrap();
    ca
}

fn client(certs: &Path, identity: Option<&crate::helpers::pki::PhoneCert>) -> reqwest::Client {
    let mut builder = crate::helpers::cli::trusting(certs).timeout(Duration::from_secs(30));
    if let Some(c) = identity {
        let pem = format!("{}{}", c.cert, c.key);
        builder = builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).unwrap());
    }
    builder.build().unwrap()
}

async fn login(http: &reqwest::Client, node: &Node) -> String {
    crate::helpers::cli::login(http, &node.url(""), "admin@acme.example", PASSWORD).await
}

#[tokio::test]
async fn two_nodes_on_one_postgres_database_behave_as_one_service() {
    if crate::helpers::skip_without_postgres() {
        return;
    }
    // A fresh, unmigrated database, and one data directory for both nodes (the shared
    // storage that stored files need).
    let env = TestEnv::new(Engine::Postgres).await;
    let certs = tempfile::tempdir().unwrap();
    let ca = write_certs(certs.path());

    // Both start at once: the migrations run once, under PostgreSQL's advisory lock.
    let (a, b) = (
        Node::spawn(&env, certs.path()),
        Node::spawn(&env, certs.path()),
    );
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    let db = internals::Db::connect(&env.settings.database_url, 2)
        .await
        .unwrap();
    let versions: Vec<(i64, bool)> =
        sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let files = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../migrations/postgres"
    ))
    .unwrap()
    .count();
    assert_eq!(versions.len(), files, "{versions:?}");
    assert!(versions.iter().all(|(_, ok)| *ok), "{versions:?}");

    crate::helpers::cli::create_account(&env, "Acme", "admin@acme.example").await;
    let mut firmware = rcs(&env);
    firmware.args(["firmware", "import"]);
    firmware.args(crate::helpers::sample_firmware_dirs());
    let (ok, out, err) = run(firmware, None).await;
    assert!(ok, "{out}{err}");

    // A login on A is valid on B (one signing secret, generated once and shared).
    let http = client(certs.path(), None);
    let token = login(&http, &a).await;
    let me = http
        .get(b.url(routes::ME))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);

    // Servers and phones added on A are served to a phone booting on B, including a
    // firmware image stored by the command line in the shared folder.
    let mut servers = Vec::new();
    for name in ["PBX One", "PBX Two"] {
        let made: Value = http
            .post(a.url(routes::SERVERS))
            .bearer_auth(&token)
            .json(&json!({"name": name, "url": format!("https://{}.example/cfg/", name.replace(' ', "-"))}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        servers.push(made["id"].as_i64().expect("a server id"));
    }
    let macs: Vec<String> = (0..300).map(|i| format!("00085DAA{i:04X}")).collect();
    let added = http
        .post(a.url(routes::PHONES))
        .bearer_auth(&token)
        .json(&json!({"macs": macs, "server_id": servers[0], "firmware": "4.2.0.181"}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 200, "{}", added.text().await.unwrap());

    let phone = client(certs.path(), Some(&ca.issue(Some(&macs[0]), &[])));
    let boot = phone
        .get(b.url(&format!("/phone/{}", macs[0])))
        .header(
            "user-agent",
            "Aastra6757i MAC:00-08-5D-AA-00-00 V:3.3.1.4322-SIP",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(boot.status(), 200);
    let answer: DeviceAnswer = boot.json().await.unwrap();
    let text = serde_json::to_string(&answer).unwrap();
    assert!(
        text.contains("4.2.0.181") && text.contains("PBX One"),
        "{text}"
    );
    let image = phone
        .get(b.url(&format!("/phone/{}/firmware", macs[0])))
        .header(
            "user-agent",
            "Aastra6757i MAC:00-08-5D-AA-00-00 V:3.3.1.4322-SIP",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), 200);
    assert!(!image.bytes().await.unwrap().is_empty());

    // B now keeps that answer in its device directory; the phone moved to another server on
    // A is sent there by B within a second (B follows the directory's version).
    let moved = http
        .patch(a.url(routes::PHONES))
        .bearer_auth(&token)
        .json(&json!({"macs": [&macs[0]], "set": {"server_id": servers[1]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 200, "{}", moved.text().await.unwrap());
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let boot = phone
            .get(b.url(&format!("/phone/{}", macs[0])))
            .header(
                "user-agent",
                "Aastra6757i MAC:00-08-5D-AA-00-00 V:4.2.0.181-SIP",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(boot.status(), 200);
        let text = boot.text().await.unwrap();
        if text.contains("PBX Two") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "B still answers {text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Concurrent bulk edits of the same 300 phones on both nodes: every edit succeeds and
    // each one is whole, so after every round all phones have the same server.
    for round in 0..8 {
        let edit = |node: &Node, server: i64| {
            http.patch(node.url(routes::PHONES))
                .bearer_auth(&token)
                .json(&json!({"macs": macs, "set": {"server_id": server}}))
                .send()
        };
        let (left, right) = tokio::join!(edit(&a, servers[0]), edit(&b, servers[1]));
        let (left, right) = (left.unwrap(), right.unwrap());
        assert_eq!(
            left.status(),
            200,
            "round {round}: {}",
            left.text().await.unwrap()
        );
        assert_eq!(
            right.status(),
            200,
            "round {round}: {}",
            right.text().await.unwrap()
        );
        let names: std::collections::BTreeSet<Option<String>> = sqlx::query_scalar(
            "SELECT s.name FROM phones p LEFT JOIN servers s ON s.id = p.server_id",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
        assert_eq!(names.len(), 1, "round {round}: a mix of servers {names:?}");
    }
    let page: PhonePage = http
        .get(b.url(&format!("{}?limit=1000", routes::PHONES)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 300);

    // A logout on A is honoured by B at once: the session row is gone for both.
    let out = http
        .post(a.url(routes::LOGOUT))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let after = http
        .get(b.url(routes::ME))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);

    // The audit trail holds both nodes' edits, and neither node logged an error.
    let edits: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'phone.update'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        edits,
        16 + 1,
        "8 rounds on two nodes, and the move of one phone"
    );
    for (name, node) in [("A", &a), ("B", &b)] {
        let errors = node.errors();
        assert!(
            errors.is_empty(),
            "node {name} logged errors:\n{}",
            errors.join("\n")
        );
    }
}
