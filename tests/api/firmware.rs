//! The firmware catalog: `rcs firmware import|list|remove` and GET /api/v1/firmware.

use std::path::{Path, PathBuf};

use crate::helpers::cli::{rcs, run};
use crate::helpers::internals;
use crate::helpers::routes;
use crate::helpers::{sample_firmware_dirs, Engine, TestEnv};
use crate::on_both_engines;

on_both_engines!(
    the_operator_imports_lists_and_removes_releases_from_the_command_line,
    bad_manifests_are_rejected_and_nothing_is_stored,
);

async fn firmware(env: &TestEnv, args: &[&str]) -> (bool, String, String) {
    let mut cmd = rcs(env);
    cmd.arg("firmware").args(args);
    run(cmd, None).await
}

async fn import(env: &TestEnv, dir: &Path) -> (bool, String, String) {
    firmware(env, &["import", dir.to_str().unwrap()]).await
}

fn sample(version: &str) -> PathBuf {
    sample_firmware_dirs()
        .into_iter()
        .find(|d| d.ends_with(version))
        .expect("sample release")
}

/// A copy of a sample release folder that a test may spoil.
fn copy_of(version: &str, into: &Path) -> PathBuf {
    let dir = into.join(version);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(sample(version)).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    dir
}

fn edit_manifest(dir: &Path, f: impl FnOnce(String) -> String) {
    let path = dir.join("manifest.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, f(text)).unwrap();
}

fn blob_count(env: &TestEnv) -> usize {
    let root = env.data_dir().join("blobs/sha256");
    let Ok(folders) = std::fs::read_dir(root) else {
        return 0;
    };
    folders
        .map(|f| std::fs::read_dir(f.unwrap().path()).unwrap().count())
        .sum()
}

async fn the_operator_imports_lists_and_removes_releases_from_the_command_line(engine: Engine) {
    let env = TestEnv::new(engine).await;
    let (ok, stdout, stderr) = import(&env, &sample("4.2.0.181")).await;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("Imported firmware 4.2.0.181 (3 images)"),
        "{stdout}"
    );
    let (ok, _, stderr) = import(&env, &sample("3.3.1.4322")).await;
    assert!(ok, "{stderr}");
    assert_eq!(blob_count(&env), 5, "one blob per distinct image");

    // The images are stored under their SHA-256.
    let bytes = std::fs::read(sample("4.2.0.181").join("6757i.st")).unwrap();
    let hash = hex::encode(hmac_sha256::Hash::hash(&bytes));
    let stored = env
        .data_dir()
        .join("blobs/sha256")
        .join(&hash[..2])
        .join(&hash);
    assert_eq!(std::fs::read(stored).unwrap(), bytes);

    // Importing the same release again changes nothing.
    let (ok, stdout, stderr) = import(&env, &sample("4.2.0.181")).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("already imported"), "{stdout}");
    assert_eq!(blob_count(&env), 5);

    // Newest first, compared numerically.
    let (ok, stdout, stderr) = firmware(&env, &["list"]).await;
    assert!(ok, "{stderr}");
    let newer = stdout.find("4.2.0.181").expect("4.2.0.181 listed");
    let older = stdout.find("3.3.1.4322").expect("3.3.1.4322 listed");
    assert!(newer < older, "{stdout}");
    assert!(stdout.contains("6867i (512 bytes)"), "{stdout}");

    // A release phones are pinned to cannot be removed; the message counts them.
    crate::helpers::cli::create_account(&env, "Acme", "admin@acme.example").await;
    let db = internals::Db::connect(&env.settings.database_url, 1)
        .await
        .unwrap();
    for mac in ["00085D000001", "00085D000002"] {
        sqlx::query(
            "INSERT INTO phones (mac, account_id, firmware, created_at, updated_at) \
             VALUES ($1, 1, '3.3.1.4322', 0, 0)",
        )
        .bind(mac)
        .execute(&db.pool)
        .await
        .unwrap();
    }
    let (ok, _, stderr) = firmware(&env, &["remove", "3.3.1.4322"]).await;
    assert!(!ok);
    assert!(
        stderr.contains("2 phones are pinned to firmware 3.3.1.4322"),
        "{stderr}"
    );
    sqlx::query("UPDATE phones SET firmware = NULL")
        .execute(&db.pool)
        .await
        .unwrap();
    let (ok, stdout, stderr) = firmware(&env, &["remove", "3.3.1.4322"]).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Removed firmware 3.3.1.4322"), "{stdout}");
    let (ok, _, stderr) = firmware(&env, &["remove", "3.3.1.4322"]).await;
    assert!(!ok);
    assert!(stderr.contains("no firmware 3.3.1.4322"), "{stderr}");
    let (_, stdout, _) = firmware(&env, &["list"]).await;
    assert!(!stdout.contains("3.3.1.4322"), "{stdout}");
    assert!(stdout.contains("4.2.0.181"), "{stdout}");
    db.pool.close().await;
}

async fn bad_manifests_are_rejected_and_nothing_is_stored(engine: Engine) {
    let env = TestEnv::new(engine).await;
    let scratch = tempfile::tempdir().unwrap();
    let refused = async |dir: &Path, expected: &str| {
        let (ok, stdout, stderr) = import(&env, dir).await;
        assert!(!ok, "{} was accepted: {stdout}", dir.display());
        assert!(stderr.contains(expected), "{stderr}");
    };

    let mismatch = copy_of("4.2.0.181", &scratch.path().join("mismatch"));
    let mut bytes = std::fs::read(mismatch.join("6757i.st")).unwrap();
    bytes[100] ^= 1;
    std::fs::write(mismatch.join("6757i.st"), bytes).unwrap();
    refused(
        &mismatch,
        "6757i.st (model 6757i) does not match the manifest: its SHA-256 is",
    )
    .await;

    let short = copy_of("4.2.0.181", &scratch.path().join("short"));
    std::fs::write(short.join("6731i.st"), b"truncated").unwrap();
    refused(&short, "it has 9 bytes, the manifest says 360").await;

    let old = copy_of("4.2.0.181", &scratch.path().join("old"));
    edit_manifest(&old, |m| m.replace("4.2.0.181", "2.3.9.1"));
    refused(
        &old,
        "Firmware 2.3.9.1 is older than 2.4.0, the oldest release rcs accepts",
    )
    .await;

    let missing = copy_of("4.2.0.181", &scratch.path().join("missing"));
    std::fs::remove_file(missing.join("6867i.st")).unwrap();
    refused(&missing, "The image of model 6867i").await;

    let duplicate = copy_of("4.2.0.181", &scratch.path().join("duplicate"));
    edit_manifest(&duplicate, |m| {
        m.replace("model = \"6867i\"", "model = \"6757i\"")
    });
    refused(&duplicate, "Model 6757i is listed twice").await;

    let escaping = copy_of("4.2.0.181", &scratch.path().join("escaping"));
    edit_manifest(&escaping, |m| {
        m.replace("file = \"6731i.st\"", "file = \"../6731i.st\"")
    });
    refused(&escaping, "is not a file name in the release folder").await;

    let no_manifest = scratch.path().join("no-manifest");
    std::fs::create_dir_all(&no_manifest).unwrap();
    refused(&no_manifest, "holds no manifest.toml").await;

    assert_eq!(blob_count(&env), 0, "a rejected release stores no image");
    let (_, stdout, _) = firmware(&env, &["list"]).await;
    assert_eq!(stdout.lines().count(), 1, "only the heading: {stdout}");

    // A different manifest under a version already in the catalog is a conflict.
    assert!(import(&env, &sample("4.2.0.181")).await.0);
    let changed = copy_of("4.2.0.181", &scratch.path().join("changed"));
    edit_manifest(&changed, |m| {
        m.replace("Sample release: TLS", "Changed: TLS")
    });
    refused(
        &changed,
        "Firmware 4.2.0.181 is already in the catalog with a different manifest",
    )
    .await;
    // An unquoted TOML date is read the same as the quoted one: identical, not different.
    let dated = copy_of("4.2.0.181", &scratch.path().join("dated"));
    edit_manifest(&dated, |m| m.replace("\"2019-06-12\"", "2019-06-12"));
    let (ok, stdout, stderr) = import(&env, &dated).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("already imported"), "{stdout}");
}

on_both_engines!(staff_see_the_catalog_newest_first_by_numeric_version);

async fn staff_see_the_catalog_newest_first_by_numeric_version(engine: Engine) {
    let app = crate::helpers::spawn_app(engine).await;
    app.create_account("Acme", "admin@acme.example").await;
    let token = app.token("admin@acme.example").await;
    assert!(catalog(&app, &token).await.is_empty());

    app.load_sample_firmware().await;
    // 4.10 is newer than 4.2 although it sorts before it as text.
    let scratch = tempfile::tempdir().unwrap();
    let newer = copy_of("4.2.0.181", scratch.path());
    edit_manifest(&newer, |m| m.replace("4.2.0.181", "4.10.0.1"));
    app.import_firmware(&newer).await;

    // Aastra's releases (the other vendors' come after them: firmware_vendors.rs).
    let releases: Vec<_> = catalog(&app, &token)
        .await
        .into_iter()
        .filter(|r| r.vendor == "aastra")
        .collect();
    let versions: Vec<&str> = releases.iter().map(|r| r.version.as_str()).collect();
    assert_eq!(versions, ["4.10.0.1", "4.2.0.181", "3.3.1.4322"]);
    let current = &releases[1];
    assert_eq!(current.released, "2019-06-12");
    assert!(current.notes.starts_with("Sample release"));
    let models: Vec<&str> = current.images.iter().map(|i| i.model.as_str()).collect();
    assert_eq!(models, ["6731i", "6757i", "6867i"]);
    let image = &current.images[1];
    let bytes = std::fs::read(sample("4.2.0.181").join("6757i.st")).unwrap();
    assert_eq!(
        (image.file.as_str(), image.size, image.sha256.clone()),
        (
            "6757i.st",
            bytes.len() as u64,
            hex::encode(hmac_sha256::Hash::hash(&bytes))
        )
    );

    let anonymous = app
        .client
        .get(app.url(routes::FIRMWARE))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

async fn catalog(app: &crate::helpers::TestApp, token: &str) -> Vec<rcs_shared::FirmwareRelease> {
    let response = app.get(routes::FIRMWARE, token).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

on_both_engines!(phones_can_only_be_pinned_to_releases_in_the_catalog);

async fn phones_can_only_be_pinned_to_releases_in_the_catalog(engine: Engine) {
    use reqwest::Method;
    use serde_json::json;

    let ctx = crate::helpers::phones::Ctx::new(engine).await;
    ctx.add_ok(json!({ "macs": ["00085D000001"], "firmware": "4.2.0.181" }))
        .await;
    let unknown = |response: reqwest::Response| async move {
        assert_eq!(response.status(), 422);
        let error = crate::helpers::error_body(response).await;
        assert_eq!(error.code, "unknown_firmware");
        assert!(error.message.contains("4.2.0.999"), "{}", error.message);
    };

    // Registration, single and bulk edits, and an import's default are each refused.
    unknown(
        ctx.add(
            &ctx.token,
            json!({ "macs": ["00085D000002"], "firmware": "4.2.0.999" }),
        )
        .await,
    )
    .await;
    unknown(
        ctx.send(
            Method::PATCH,
            &routes::phone("00085D000001"),
            &ctx.token,
            Some(&json!({ "firmware": "4.2.0.999" })),
        )
        .await,
    )
    .await;
    unknown(
        ctx.send(
            Method::PATCH,
            routes::PHONES,
            &ctx.token,
            Some(&json!({ "macs": ["00085D000001"], "set": { "firmware": "4.2.0.999" } })),
        )
        .await,
    )
    .await;
    unknown(ctx.import("firmware=4.2.0.999", "00085D000003\n").await).await;

    // In a file, every line naming an unknown release is listed and nothing is imported.
    let file = "mac,firmware\n00085D000004,3.3.1.4322\n00085D000005,4.2.0.999\n00085D000006,\n00085D000007,2.0\n";
    let report = ctx.import_rejected(file.to_string()).await;
    let lines: Vec<u64> = report.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 5]);
    assert!(
        report.problems[0]
            .message
            .contains("no firmware 4.2.0.999 in the catalog"),
        "{:?}",
        report.problems
    );
    assert_eq!(ctx.all_macs().await, ["00085D000001"]);

    // Clearing needs no catalog; the pinned release is unchanged by the refusals.
    assert_eq!(
        ctx.phone("00085D000001").await.firmware.as_deref(),
        Some("4.2.0.181")
    );
    let response = ctx
        .send(
            Method::PATCH,
            &routes::phone("00085D000001"),
            &ctx.token,
            Some(&json!({ "firmware": null })),
        )
        .await;
    assert_eq!(response.status(), 200);
}

on_both_engines!(the_sample_catalog_loads_with_one_command);

async fn the_sample_catalog_loads_with_one_command(engine: Engine) {
    let env = TestEnv::new(engine).await;
    let catalog = concat!(env!("CARGO_MANIFEST_DIR"), "/../firmware");
    let (ok, stdout, stderr) = firmware(&env, &["import", catalog]).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Imported firmware 3.3.1.4322"), "{stdout}");
    assert!(stdout.contains("Imported firmware 4.2.0.181"), "{stdout}");
    let (ok, stdout, stderr) = firmware(&env, &["import", catalog]).await;
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout.matches("already imported").count(),
        sample_firmware_dirs().len(),
        "{stdout}"
    );

    let empty = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = firmware(&env, &["import", empty.path().to_str().unwrap()]).await;
    assert!(!ok);
    assert!(stderr.contains("no manifest.toml"), "{stderr}");
}
