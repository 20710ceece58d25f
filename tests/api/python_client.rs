//! The committed OpenAPI document generates a working client: `openapi-python-client` turns
//! `openapi.yaml` into a Python package without a warning (every operation generated), and
//! `tests/python/client_workflow.py`, using only that package and an API key of role `user`,
//! imports phones (multipart form and raw text/csv), lists and exports them against the real
//! application over its real TLS.
//!
//! Needs `python3` and `openapi-python-client` (scripts/setup-tools installs it): without them
//! the test is a visible skip locally and a failure where CI or RCS_REQUIRE_BROWSER is set.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

use crate::helpers::skip::skip_browser;
use crate::helpers::{spawn_app, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(a_generated_python_client_imports_lists_and_exports_with_an_api_key);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs a program off the test's thread (the app serves on it), `None` when it is missing.
async fn run(mut command: Command) -> Option<Output> {
    tokio::task::spawn_blocking(move || command.output().ok())
        .await
        .unwrap()
}

/// The tool missing for this test, if any.
async fn missing_tool() -> Option<&'static str> {
    let checks: [(&str, &[&str], &'static str); 3] = [
        ("python3", &["--version"], "python3"),
        (
            "openapi-python-client",
            &["--version"],
            "openapi-python-client",
        ),
        (
            "python3",
            &["-c", "import httpx, attrs, dateutil"],
            "httpx, attrs or python-dateutil (what the generated client imports)",
        ),
    ];
    for (program, args, what) in checks {
        let mut command = Command::new(program);
        command.args(args);
        if !run(command).await.is_some_and(|o| o.status.success()) {
            return Some(what);
        }
    }
    None
}

/// Generates the client package `rcs_client` from the committed document into `dir`.
async fn generate(dir: &Path) -> PathBuf {
    let package = dir.join("rcs_client");
    let mut command = Command::new("openapi-python-client");
    command
        .current_dir(repo())
        .args(["generate", "--path", "openapi.yaml", "--meta", "none"])
        .args(["--config", "tests/python/openapi-python-client.yaml"])
        .arg("--output-path")
        .arg(&package);
    let output = run(command).await.expect("openapi-python-client runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "generation failed: {said}");
    // The generator warns, and leaves the operation out, for anything it cannot express.
    assert!(
        !said.to_lowercase().contains("warning") && !said.contains("will not be generated"),
        "generation warned: {said}"
    );
    assert!(package.join("api/phones/import_phones.py").is_file());
    package
}

async fn user_key(app: &TestApp) -> String {
    let (_, admin) = app.admin_of("Acme").await;
    let body = json!({"name": "python", "role": "user"});
    let response = app.post("/api/v1/api-keys", &admin, &body).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    created["secret"].as_str().unwrap().to_string()
}

async fn a_generated_python_client_imports_lists_and_exports_with_an_api_key(engine: Engine) {
    if let Some(tool) = missing_tool().await {
        skip_browser(&format!(
            "{tool} is not installed (scripts/setup-tools installs it)"
        ));
        return;
    }
    let app = spawn_app(engine).await;
    let key = user_key(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let package = generate(dir.path()).await;

    let mut script = Command::new("python3");
    script
        .arg(repo().join("tests/python/client_workflow.py"))
        .env("PYTHONPATH", package.parent().unwrap())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("RCS_URL", &app.base)
        .env("RCS_API_KEY", &key)
        .env("RCS_CA_FILE", app.env.data_dir().join("tls/server.crt"));
    let output = run(script).await.expect("python3 runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the script failed: {stderr}");
    let summary: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("summary is not JSON ({e}): {stderr}"));
    let macs = json!(["00085D0C0C01", "00085D0C0C02", "00085D0C0C03"]);
    assert_eq!(summary["imported"], 3, "{summary}");
    assert_eq!(summary["dry_run"], json!({"added": 1, "dry_run": true}));
    assert_eq!(summary["listed"], macs, "the dry run wrote nothing");
    assert_eq!(summary["exported"], macs);
    assert_eq!(
        summary["export_header"],
        "mac,server,branding,firmware,reported_firmware,model,vendor,last_seen,last_address,state,created"
    );

    // The multipart import wrote, the dry run did not.
    let phones: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM phones")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(phones, 3);
    app.stop().await;
}
