//! The operator's maintenance commands against the real binary: `rcs config check`,
//! `rcs backup` and the SQLite-to-PostgreSQL move with `rcs export` / `rcs import`.

use std::collections::BTreeMap;
use std::path::Path;

use rcgen::{CertificateParams, KeyPair};
use serde_json::{json, Value};
use sqlx::{Column, Row};

use crate::helpers::cli::{rcs, run};
use crate::helpers::internals;
use crate::helpers::routes;
use crate::helpers::{spawn_app, spawn_app_with, start, Engine, TestApp, TestEnv, PASSWORD};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-transfer";

fn rcs_with_config(env: &TestEnv, config: &Path) -> std::process::Command {
    let mut cmd = rcs(env);
    cmd.arg("--config").arg(config);
    cmd
}

#[tokio::test]
async fn config_check_names_each_problem_and_passes_a_good_configuration() {
    let env = TestEnv::new(Engine::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);

    // A good configuration: a certificate and its key, a device CA, SMTP.
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["rcs.example".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    std::fs::write(path("server.crt"), cert.pem()).unwrap();
    std::fs::write(path("server.key"), key.serialize_pem()).unwrap();
    let ca = crate::helpers::pki::TestCa::new("Vendor CA");
    std::fs::write(path("ca.pem"), ca.pem()).unwrap();
    let good = format!(
        "tls_cert = {:?}\ntls_key = {:?}\ndevice_ca = {:?}\nsmtp_url = \"smtp://127.0.0.1:2525\"\n\
         metrics_addr = \"127.0.0.1:9464\"\n",
        path("server.crt"),
        path("server.key"),
        path("ca.pem")
    );
    std::fs::write(path("good.toml"), &good).unwrap();
    let mut check = rcs_with_config(&env, &path("good.toml"));
    check.args(["config", "check"]);
    let (ok, out, err) = run(check, None).await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("The configuration is usable."), "{out}");
    assert!(out.contains("matches the certificate"), "{out}");
    assert!(out.contains("CN=Vendor CA"), "{out}");
    assert!(!out.contains("error "), "{out}");

    // A key of another certificate, a leaf where the CA bundle belongs, a listener that is
    // no address, a short JWT secret: each is named, and the exit status says it failed.
    let other = KeyPair::generate().unwrap();
    std::fs::write(path("other.key"), other.serialize_pem()).unwrap();
    let bad = format!(
        "tls_cert = {:?}\ntls_key = {:?}\ndevice_ca = {:?}\nmetrics_addr = \"localhost\"\n\
         jwt_secret = \"short\"\n",
        path("server.crt"),
        path("other.key"),
        path("server.crt")
    );
    std::fs::write(path("bad.toml"), bad).unwrap();
    let mut check = rcs_with_config(&env, &path("bad.toml"));
    check.args(["config", "check"]);
    let (ok, out, err) = run(check, None).await;
    assert!(!ok, "{out}");
    assert!(err.contains("the configuration has 4 error(s)"), "{err}");
    for expected in [
        "other.key does not match the certificate",
        "is not a CA certificate",
        "\"localhost\" is not an address and port",
        "shorter than 32 characters",
    ] {
        assert!(out.contains(expected), "{expected:?} missing in:\n{out}");
    }

    // A file that does not parse is reported as such, not as a crash.
    std::fs::write(path("typo.toml"), "https_adr = \"0.0.0.0:1\"\n").unwrap();
    let mut check = rcs_with_config(&env, &path("typo.toml"));
    check.args(["config", "check"]);
    let (ok, out, _) = run(check, None).await;
    assert!(!ok);
    assert!(out.contains("https_adr"), "{out}");
}

#[tokio::test]
async fn backup_copies_a_live_sqlite_database_consistently() {
    let app = spawn_app(Engine::Sqlite).await;
    let (account, _) = app.create_account("Acme", "admin@acme.example").await;
    let token = app.token("admin@acme.example").await;
    let macs: Vec<String> = (0..500).map(|i| format!("00085DCC{i:04X}")).collect();
    assert_eq!(
        app.post(routes::PHONES, &token, &json!({ "macs": macs }))
            .await
            .status(),
        200
    );

    // Phones keep being added while the backup runs.
    let writer = {
        let (client, url, token) = (app.client.clone(), app.url(routes::PHONES), token.clone());
        tokio::spawn(async move {
            for i in 0..40 {
                let mac = format!("00085DDD{i:04X}");
                let r = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({ "macs": [mac] }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
            }
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nightly/rcs-backup.db");
    let mut backup = rcs(&app.env);
    backup.arg("backup").arg(&file);
    let (ok, out, err) = run(backup, None).await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("checked"), "{out}");
    writer.await.unwrap();

    // The copy is a database of its own with every phone of the moment it was taken.
    let copy = internals::Db::connect(&format!("sqlite://{}", file.display()), 1)
        .await
        .unwrap();
    let phones: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM phones WHERE account_id = $1")
        .bind(account)
        .fetch_one(&copy.pool)
        .await
        .unwrap();
    assert!((500..=540).contains(&phones), "{phones}");
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&copy.pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");

    // Never over an existing file.
    let mut again = rcs(&app.env);
    again.arg("backup").arg(&file);
    let (ok, _, err) = run(again, None).await;
    assert!(!ok);
    assert!(err.contains("does not overwrite"), "{err}");
}

#[tokio::test]
async fn backup_of_postgres_points_to_pg_dump() {
    if crate::helpers::skip_without_postgres() {
        return;
    }
    let env = TestEnv::new(Engine::Postgres).await;
    let dir = tempfile::tempdir().unwrap();
    let mut backup = rcs(&env);
    backup.arg("backup").arg(dir.path().join("x.db"));
    let (ok, _, err) = run(backup, None).await;
    assert!(!ok);
    assert!(err.contains("pg_dump"), "{err}");
    assert!(!dir.path().join("x.db").exists());
}

/// Every row of every table, by table, each row a column-name -> value map, sorted: what
/// "the same data" means for the move.
async fn contents(db: &internals::Db) -> BTreeMap<String, Vec<BTreeMap<String, Value>>> {
    let mut all = BTreeMap::new();
    for table in internals::TRANSFER_TABLES {
        let rows = sqlx::query(&format!("SELECT * FROM {table}"))
            .fetch_all(&db.pool)
            .await
            .unwrap();
        let mut maps: Vec<BTreeMap<String, Value>> = rows
            .iter()
            .map(|row| {
                row.columns()
                    .iter()
                    .map(|c| {
                        let i = c.ordinal();
                        let v = row
                            .try_get::<Option<i64>, _>(i)
                            .map(|v| v.map_or(Value::Null, Value::from))
                            .or_else(|_| {
                                row.try_get::<Option<String>, _>(i)
                                    .map(|v| v.map_or(Value::Null, Value::from))
                            })
                            .unwrap_or_else(|e| panic!("{table}.{}: {e}", c.name()));
                        (c.name().to_string(), v)
                    })
                    .collect()
            })
            .collect();
        maps.sort_by_key(|m| serde_json::to_string(m).unwrap());
        all.insert((*table).to_string(), maps);
    }
    all
}

/// An installation with something in every table.
async fn populate(app: &TestApp) -> (String, String) {
    let (account, _) = app.create_account("Acme", "admin@acme.example").await;
    app.add_user(account, "user@acme.example", rcs_shared::Role::User)
        .await;
    app.create_account("Globex", "boss@globex.example").await;
    app.load_sample_firmware().await;
    let token = app.token("admin@acme.example").await;
    let server: Value = app
        .post(
            routes::SERVERS,
            &token,
            &json!({"name": "Main PBX", "url": "https://pbx.acme.example/cfg/"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let key = app
        .post(
            "/api/v1/api-keys",
            &token,
            &json!({"name": "sync", "role": "user"}),
        )
        .await;
    assert_eq!(key.status(), 201);
    let branding: Value = app
        .post(routes::BRANDINGS, &token, &json!({"name": "Acme"}))
        .await
        .json()
        .await
        .unwrap();
    let branding_id = branding["id"].as_i64().unwrap();
    let put = app
        .put_bytes(&routes::branding_file(branding_id, "logo.png"), &token, PNG)
        .await;
    assert!(put.status().is_success(), "{}", put.status());
    let macs: Vec<String> = (0..250).map(|i| format!("00085DEE{i:04X}")).collect();
    let added = app
        .post(
            routes::PHONES,
            &token,
            &json!({"macs": macs, "server_id": server["id"], "branding_id": branding_id, "firmware": "4.2.0.181"}),
        )
        .await;
    assert_eq!(added.status(), 200);
    app.request_reset("user@acme.example").await;
    // A second factor with its recovery codes, and a login waiting for its code.
    let user = app.token("user@acme.example").await;
    app.enrol(&user).await;
    app.challenge("user@acme.example").await;
    sqlx::query(
        "INSERT INTO boot_events (account_id, mac, at, model, firmware, addr, outcome, detail) \
         VALUES ($1, '00085DEE0000', $2, '6757i', '3.3.1.4322', '198.51.100.7', 'redirected', \
         'redirected to Main PBX')",
    )
    .bind(account)
    .bind(internals::now())
    .execute(&app.db.pool)
    .await
    .unwrap();
    // A webhook with a finished delivery (disabled and delivered, so the delivery worker
    // leaves both as they are while the installation moves).
    let webhook: i64 = sqlx::query_scalar(
        "INSERT INTO webhooks (account_id, name, url, events, secret, enabled, created_by, \
         created_at) VALUES ($1, 'ticketing', 'https://hooks.example.com/rcs', \
         '[\"phone.boot\"]', 'whsec_test', 0, 'admin@acme.example', $2) RETURNING id",
    )
    .bind(account)
    .bind(internals::now())
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO webhook_deliveries (webhook_id, account_id, event_id, event_type, payload, \
         created_at, state, attempts, last_attempt_at, last_status, latency_ms) \
         VALUES ($1, $2, 'evt_1', 'webhook.test', '{}', $3, 'delivered', 1, $3, 200, 12)",
    )
    .bind(webhook)
    .bind(account)
    .bind(internals::now())
    .execute(&app.db.pool)
    .await
    .unwrap();
    // An operator's action on the account, as the console records it.
    sqlx::query(
        "INSERT INTO operator_audit (operator_id, actor, action, account_id, account_name, \
         target, detail, created_at) VALUES (NULL, 'cli', 'account.create', $1, 'Acme', \
         'Acme', 'first Super User admin@acme.example', $2)",
    )
    .bind(account)
    .bind(internals::now())
    .execute(&app.db.pool)
    .await
    .unwrap();
    let ca = crate::helpers::pki::TestCa::new("Vendor CA");
    internals::register_device_ca(&app.db, &ca.pem(), "test")
        .await
        .unwrap();
    internals::register_device_crl(&app.db, &ca.crl(1, 1, &[7]), "test CRL", &[])
        .await
        .unwrap();
    (token, routes::branding_file(branding_id, "logo.png"))
}

#[tokio::test]
async fn an_installation_moves_from_sqlite_to_postgres_with_all_its_data() {
    if crate::helpers::skip_without_postgres() {
        return;
    }
    // The session secret is the generated one, kept in the database: it moves with the data.
    let old = spawn_app_with(Engine::Sqlite, |s| s.jwt_secret = None).await;
    let (token, logo) = populate(&old).await;
    // Give the mail task time to store the reset link before the snapshot.
    for _ in 0..50 {
        let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM password_resets")
            .fetch_one(&old.db.pool)
            .await
            .unwrap();
        if pending == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let before = contents(&old.db).await;
    for (table, rows) in &before {
        assert!(!rows.is_empty(), "the test leaves {table} empty");
    }

    // Export from the running service.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rcs-export.jsonl");
    let mut export = rcs(&old.env);
    export.arg("export").arg(&file);
    let (ok, out, err) = run(export, None).await;
    assert!(ok, "{out}{err}");
    let old_env = old.stop().await;

    // Into a new PostgreSQL database; the stored files and generated certificates are
    // copied as the README says.
    let mut new_env = TestEnv::new(Engine::Postgres).await;
    new_env.settings.jwt_secret = None;
    for folder in ["blobs", "tls", "device-ca"] {
        copy_dir(
            &old_env.data_dir().join(folder),
            &new_env.data_dir().join(folder),
        );
    }
    let mut import = rcs(&new_env);
    import.arg("import").arg(&file);
    let (ok, out, err) = run(import, None).await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("250  phones"), "{out}");

    let new = start(new_env).await;
    let after = contents(&new.db).await;
    for table in internals::TRANSFER_TABLES {
        assert_eq!(
            before[*table], after[*table],
            "table {table} differs after the move"
        );
    }

    // The moved installation works: the old session, the stored file, new rows (ids go on
    // after the imported ones).
    let me = new.get(routes::ME, &token).await;
    assert_eq!(me.status(), 200);
    let file = new.get(&logo, &token).await;
    assert_eq!(file.status(), 200);
    assert_eq!(file.bytes().await.unwrap().as_ref(), PNG);
    let server = new
        .post(
            routes::SERVERS,
            &token,
            &json!({"name": "Backup PBX", "url": "https://backup.acme.example/"}),
        )
        .await;
    assert_eq!(server.status(), 201);
    // The user's second factor moved too: the password alone asks for a code.
    assert_eq!(new.login("user@acme.example", PASSWORD).await.status(), 202);

    // A second import into the now non-empty database is refused and changes nothing.
    let mut again = rcs(&new.env);
    again.arg("import").arg(dir.path().join("rcs-export.jsonl"));
    let (ok, _, err) = run(again, None).await;
    assert!(!ok);
    assert!(err.contains("not empty"), "{err}");
    let servers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM servers")
        .fetch_one(&new.db.pool)
        .await
        .unwrap();
    assert_eq!(servers, 2);
}

#[tokio::test]
async fn a_damaged_export_imports_nothing() {
    let old = spawn_app(Engine::Sqlite).await;
    populate(&old).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rcs-export.jsonl");
    let mut export = rcs(&old.env);
    export.arg("export").arg(&file);
    assert!(run(export, None).await.0);

    // Cut after the phones: the import fails at the end and leaves the target empty.
    let text = std::fs::read_to_string(&file).unwrap();
    let cut = text.find("{\"table\":\"audit_events\"").unwrap();
    let truncated = dir.path().join("truncated.jsonl");
    std::fs::write(&truncated, &text[..cut]).unwrap();
    let target = TestEnv::new(Engine::Sqlite).await;
    let mut import = rcs(&target);
    import.arg("import").arg(&truncated);
    let (ok, _, err) = run(import, None).await;
    assert!(!ok);
    assert!(err.contains("not a complete rcs export"), "{err}");
    assert_eq!(phones_in(&target).await, 0);

    // Not an export at all.
    std::fs::write(dir.path().join("junk.jsonl"), "mac\n00085D000001\n").unwrap();
    let mut import = rcs(&target);
    import.arg("import").arg(dir.path().join("junk.jsonl"));
    let (ok, _, err) = run(import, None).await;
    assert!(!ok);
    assert!(err.contains("not an rcs export header"), "{err}");

    // A phone on a server the file does not hold: refused on both engines, though only
    // SQLite has a foreign key on it (PostgreSQL's import counts such phones itself).
    let phones_at = text.find("{\"table\":\"phones\"").unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let table_line = text[..phones_at].lines().count();
    let header: Value = serde_json::from_str(&lines[table_line]).unwrap();
    let at = header["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == "server_id")
        .unwrap();
    let mut row: Value = serde_json::from_str(&lines[table_line + 1]).unwrap();
    row[at] = json!(999_999);
    lines[table_line + 1] = row.to_string();
    let dangling = dir.path().join("dangling.jsonl");
    std::fs::write(&dangling, lines.join("\n") + "\n").unwrap();
    let mut engines = vec![Engine::Sqlite];
    if !crate::helpers::skip_without_postgres() {
        engines.push(Engine::Postgres);
    }
    for engine in engines {
        let target = TestEnv::new(engine).await;
        let mut import = rcs(&target);
        import.arg("import").arg(&dangling);
        let (ok, _, err) = run(import, None).await;
        assert!(!ok, "{engine:?}");
        if engine == Engine::Postgres {
            assert!(
                err.contains("1 phone(s) refer to an account, server"),
                "{err}"
            );
        }
        assert_eq!(phones_in(&target).await, 0, "{engine:?}");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// deploy/rcs.service is a unit systemd accepts, with this build's binary in place of the
/// installed path (systemd-analyze checks every directive, and that the commands exist).
#[test]
fn the_systemd_unit_verifies() {
    let analyze = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output();
    if analyze.is_err() {
        crate::helpers::skip::skip("systemd-analyze is not installed (Debian package systemd)");
        return;
    }
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../deploy/rcs.service"
    ))
    .unwrap()
    .replace("/usr/local/bin/rcs", env!("CARGO_BIN_EXE_rcs"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rcs.service");
    std::fs::write(&path, unit).unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("rcs.service"),
        "systemd-analyze complains about the unit: {stderr}"
    );
}

/// How many phones the database of `target` holds.
async fn phones_in(target: &TestEnv) -> i64 {
    let db = internals::Db::connect(&target.settings.database_url, 1)
        .await
        .unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM phones")
        .fetch_one(&db.pool)
        .await
        .unwrap()
}
