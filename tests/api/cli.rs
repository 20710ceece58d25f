//! The `rcs` binary itself: operator commands and `rcs serve` with no configuration.

use std::process::Command;
use std::time::Duration;

use crate::helpers::cli::{create_account, rcs, run, serve};
use crate::helpers::routes;
use crate::helpers::{start, Engine, TestEnv, PASSWORD};
use crate::on_both_engines;

on_both_engines!(cli_creates_and_lists_accounts_on_either_database);

async fn cli_creates_and_lists_accounts_on_either_database(engine: Engine) {
    let env = TestEnv::new(engine).await;

    let mut create = rcs(&env);
    create.args([
        "account",
        "create",
        "--name",
        "Acme Telecom",
        "--super-user",
        "admin@acme.example",
        "--password-stdin",
    ]);
    let (ok, stdout, stderr) = run(create, Some(&format!("{PASSWORD}\n"))).await;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("Created account \"Acme Telecom\""),
        "{stdout}"
    );
    assert!(
        !stdout.contains("One-time password"),
        "no password printed when one was given"
    );

    let mut generated = rcs(&env);
    generated.args([
        "account",
        "create",
        "--name",
        "Globex",
        "--super-user",
        "boss@globex.example",
    ]);
    let (ok, stdout, stderr) = run(generated, None).await;
    assert!(ok, "{stderr}");
    let one_time = stdout
        .lines()
        .find_map(|l| l.strip_prefix("One-time password: "))
        .expect("a generated password is printed")
        .to_string();
    assert!(one_time.len() >= 16);

    let mut duplicate = rcs(&env);
    duplicate.args([
        "account",
        "create",
        "--name",
        "Acme Telecom",
        "--super-user",
        "other@acme.example",
    ]);
    let (ok, _, stderr) = run(duplicate, None).await;
    assert!(!ok);
    assert!(stderr.contains("already exists"), "{stderr}");

    let mut weak = rcs(&env);
    weak.args([
        "account",
        "create",
        "--name",
        "Weak",
        "--super-user",
        "weak@weak.example",
        "--password-stdin",
    ]);
    let (ok, _, stderr) = run(weak, Some("short")).await;
    assert!(!ok);
    assert!(stderr.contains("at least 12 characters"), "{stderr}");

    let mut user = rcs(&env);
    user.args([
        "user",
        "add",
        "--account",
        "Acme Telecom",
        "--email",
        "staff@acme.example",
        "--role",
        "user",
    ]);
    let (ok, stdout, stderr) = run(user, None).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Added User staff@acme.example"), "{stdout}");

    let mut list = rcs(&env);
    list.args(["account", "list"]);
    let (ok, stdout, stderr) = run(list, None).await;
    assert!(ok, "{stderr}");
    let acme = stdout
        .lines()
        .find(|l| l.contains("Acme Telecom"))
        .expect("Acme listed");
    assert!(
        acme.split_whitespace().any(|w| w == "2"),
        "two users: {acme}"
    );
    assert!(stdout.contains("Globex"));
    assert!(
        !stdout.contains("Weak"),
        "a refused account was not created"
    );

    // Both passwords work against the running service on the same database.
    let app = start(env).await;
    assert_eq!(
        app.login("admin@acme.example", PASSWORD).await.status(),
        200
    );
    assert_eq!(
        app.login("boss@globex.example", &one_time).await.status(),
        200
    );
}

/// `rcs serve` with nothing but a data directory: it starts, serves, and on SIGTERM lets an
/// in-flight request finish before exiting cleanly.
#[tokio::test]
async fn serve_starts_with_defaults_and_shuts_down_gracefully() {
    let env = TestEnv::new(Engine::Sqlite).await;
    create_account(&env, "Acme", "admin@acme.example").await;

    let data_dir = env.data_dir();
    let (mut child, port, _) = serve(&[
        ("RUST_LOG", "info".as_ref()),
        ("RCS_DATA_DIR", data_dir.as_os_str()),
    ]);

    let cert = std::fs::read(env.data_dir().join("tls/server.crt")).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&cert).unwrap())
        .build()
        .unwrap();
    let base = format!("https://127.0.0.1:{port}");
    assert_eq!(
        client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // A login whose body arrives in two parts, the second after SIGTERM.
    let (body, release) = crate::helpers::gated_body(
        "{\"email\": \"admin@acme.example\", ".to_string(),
        format!("\"password\": \"{PASSWORD}\"}}"),
    );
    let in_flight = tokio::spawn(
        client
            .post(format!("{base}{}", routes::LOGIN))
            .header("content-type", "application/json")
            .body(body)
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    release.send(()).unwrap();
    let response = in_flight
        .await
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(response.status(), 200);

    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "rcs exits cleanly on SIGTERM: {status}");
    assert!(
        client.get(format!("{base}/healthz")).send().await.is_err(),
        "no longer listening"
    );
}
