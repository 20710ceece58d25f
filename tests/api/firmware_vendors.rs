//! The catalog knows vendors: each release is one vendor's, its images under that vendor's
//! native file names, listed and filtered by vendor; and a phone is only pinned to releases of
//! its own vendor (the detected one, else its MAC's maker prefix).

use std::path::{Path, PathBuf};

use rcs_shared::FirmwareRelease;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::cli::{rcs, run};
use crate::helpers::phones::Ctx;
use crate::helpers::{error_body, routes, sample_firmware_dirs, Engine, TestApp, TestEnv};
use crate::on_both_engines;

on_both_engines!(
    every_vendors_sample_release_is_listed_with_its_vendor_and_filtered_by_it,
    the_command_line_lists_the_vendor_of_each_release,
    manifests_are_checked_against_their_vendor_and_refusals_store_nothing,
    a_release_of_another_vendor_cannot_be_pinned_and_nothing_changes,
    a_csv_import_lists_each_line_pinned_to_another_vendor_and_writes_nothing,
    a_phone_of_unknown_make_takes_any_vendors_release,
    the_vendor_detected_at_boot_outranks_the_mac_prefix,
);

/// The sample release folder named `version`.
fn sample(version: &str) -> PathBuf {
    sample_firmware_dirs()
        .into_iter()
        .find(|d| d.ends_with(version))
        .expect("sample release")
}

/// A copy of a sample release folder, with its manifest changed by `edit`.
fn copy_of(version: &str, into: &Path, edit: impl FnOnce(String) -> String) -> PathBuf {
    let dir = into.join(version);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(sample(version)).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    let manifest = dir.join("manifest.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, edit(text)).unwrap();
    dir
}

async fn catalog(app: &TestApp, token: &str, query: &str) -> Vec<FirmwareRelease> {
    let response = app
        .get(&format!("{}{query}", routes::FIRMWARE), token)
        .await;
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.unwrap()
}

fn versions(releases: &[FirmwareRelease]) -> Vec<(&str, &str)> {
    releases
        .iter()
        .map(|r| (r.vendor.as_str(), r.version.as_str()))
        .collect()
}

async fn every_vendors_sample_release_is_listed_with_its_vendor_and_filtered_by_it(engine: Engine) {
    let app = crate::helpers::spawn_app(engine).await;
    app.create_account("Acme", "admin@acme.example").await;
    let token = app.token("admin@acme.example").await;
    app.load_sample_firmware().await;

    // By vendor name, newest first within a vendor.
    let all = catalog(&app, &token, "").await;
    assert_eq!(
        versions(&all),
        [
            ("aastra", "4.2.0.181"),
            ("aastra", "3.3.1.4322"),
            ("grandstream", "1.0.11.85"),
            ("polycom", "6.4.6.2100"),
            ("snom", "10.1.215.13"),
            ("yealink", "66.86.0.15"),
        ]
    );
    let images = |version: &str| -> Vec<(String, String)> {
        let release = all.iter().find(|r| r.version == version).unwrap();
        release
            .images
            .iter()
            .map(|i| (i.model.clone(), i.file.clone()))
            .collect()
    };
    let t4 = "T46S(T48S,T42S,T41S)-66.86.0.15.rom".to_string();
    assert_eq!(
        images("66.86.0.15"),
        [("T46S".into(), t4.clone()), ("T48S".into(), t4)]
    );
    assert_eq!(
        images("10.1.215.13"),
        [("D785".into(), "snomD785-10.1.215.13-SIP-r.bin".into())]
    );
    assert_eq!(
        images("6.4.6.2100"),
        [("VVX400".into(), "3111-46157-001.sip.ld".into())]
    );
    assert_eq!(
        images("1.0.11.85"),
        [("GXP2170".into(), "gxp2170fw.bin".into())]
    );
    // The two models of the Yealink release share one image.
    let yealink = &all[5];
    assert_eq!(yealink.images[0].sha256, yealink.images[1].sha256);
    let bytes =
        std::fs::read(sample("66.86.0.15").join("T46S(T48S,T42S,T41S)-66.86.0.15.rom")).unwrap();
    assert_eq!(
        yealink.images[0].sha256,
        hex::encode(hmac_sha256::Hash::hash(&bytes))
    );

    // The filter takes a vendor's names and aliases, in any case.
    for (query, expected) in [
        ("?vendor=yealink", vec![("yealink", "66.86.0.15")]),
        ("?vendor=Poly", vec![("polycom", "6.4.6.2100")]),
        (
            "?vendor=mitel",
            vec![("aastra", "4.2.0.181"), ("aastra", "3.3.1.4322")],
        ),
        ("?vendor=SNOM", vec![("snom", "10.1.215.13")]),
        ("?vendor=grandstream", vec![("grandstream", "1.0.11.85")]),
    ] {
        assert_eq!(versions(&catalog(&app, &token, query).await), expected);
    }
    let unknown = app
        .get(&format!("{}?vendor=cisco", routes::FIRMWARE), &token)
        .await;
    assert_eq!(unknown.status(), 422);
    let error = error_body(unknown).await;
    assert_eq!(error.code, "invalid_vendor");
    assert!(error.message.contains("\"cisco\""), "{}", error.message);
    assert!(
        error
            .message
            .contains("aastra, yealink, snom, polycom, grandstream"),
        "{}",
        error.message
    );
}

async fn firmware(env: &TestEnv, args: &[&str]) -> (bool, String, String) {
    let mut cmd = rcs(env);
    cmd.arg("firmware").args(args);
    run(cmd, None).await
}

async fn the_command_line_lists_the_vendor_of_each_release(engine: Engine) {
    let env = TestEnv::new(engine).await;
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../firmware");
    let (ok, stdout, stderr) = firmware(&env, &["import", root]).await;
    assert!(ok, "{stderr}");
    for version in ["66.86.0.15", "10.1.215.13", "6.4.6.2100", "1.0.11.85"] {
        assert!(
            stdout.contains(&format!("Imported firmware {version}")),
            "{stdout}"
        );
    }
    let (ok, stdout, stderr) = firmware(&env, &["list"]).await;
    assert!(ok, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("VENDOR"), "{stdout}");
    let row = |version: &str| {
        lines
            .iter()
            .find(|l| l.contains(version))
            .unwrap_or_else(|| panic!("{version} listed: {stdout}"))
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(row("66.86.0.15"), "yealink");
    assert_eq!(row("10.1.215.13"), "snom");
    assert_eq!(row("6.4.6.2100"), "polycom");
    assert_eq!(row("1.0.11.85"), "grandstream");
    assert_eq!(row("4.2.0.181"), "aastra");
    assert!(
        stdout.contains("T46S (448 bytes), T48S (448 bytes)"),
        "{stdout}"
    );
}

/// The library import `rcs firmware import` runs; the refusal's code and message.
async fn refused(app: &TestApp, dir: &Path) -> (&'static str, String) {
    let store = rcs::storage::BlobStore::new(&app.env.settings.data_dir);
    match rcs::services::firmware::import(
        &app.db,
        &store,
        &rcs::services::operators::OperatorActor::cli(),
        dir,
    )
    .await
    {
        Err(rcs::error::Error::Unprocessable(code, message))
        | Err(rcs::error::Error::Conflict(code, message)) => (code, message),
        other => panic!("{} was not refused as expected: {other:?}", dir.display()),
    }
}

async fn manifests_are_checked_against_their_vendor_and_refusals_store_nothing(engine: Engine) {
    let app = crate::helpers::spawn_app(engine).await;
    let scratch = tempfile::tempdir().unwrap();
    let stored = || async { rcs::db::firmware::releases(&app.db, None).await.unwrap() };

    // A vendor rcs does not know.
    let cisco = copy_of("66.86.0.15", &scratch.path().join("cisco"), |m| {
        m.replace("vendor = \"yealink\"", "vendor = \"cisco\"")
    });
    let (code, message) = refused(&app, &cisco).await;
    assert_eq!(code, "invalid_firmware_manifest");
    assert!(
        message.contains("\"cisco\" is not a vendor rcs knows"),
        "{message}"
    );
    assert!(message.contains("yealink"), "{message}");

    // An image named the way another vendor names them: Snom's .bin in a Yealink release,
    // Aastra's .st in a Snom one.
    let as_yealink = copy_of("10.1.215.13", &scratch.path().join("as-yealink"), |m| {
        m.replace("vendor = \"snom\"", "vendor = \"yealink\"")
    });
    let (code, message) = refused(&app, &as_yealink).await;
    assert_eq!(code, "invalid_firmware_manifest");
    assert!(
        message.contains("snomD785-10.1.215.13-SIP-r.bin (model D785) is not a Yealink image"),
        "{message}"
    );
    assert!(message.contains(".rom"), "{message}");
    let as_snom = copy_of("4.2.0.181", &scratch.path().join("as-snom"), |m| {
        format!("vendor = \"snom\"\n{m}")
    });
    let (code, message) = refused(&app, &as_snom).await;
    assert_eq!(code, "invalid_firmware_manifest");
    assert!(message.contains("is not a Snom image"), "{message}");

    // The 2.4.0 floor is Aastra's: the same low number is refused for Aastra only.
    let old_aastra = copy_of("4.2.0.181", &scratch.path().join("old-aastra"), |m| {
        m.replace("version = \"4.2.0.181\"", "version = \"2.3.0.50\"")
    });
    let (code, message) = refused(&app, &old_aastra).await;
    assert_eq!(code, "firmware_too_old");
    assert!(message.contains("Aastra/Mitel"), "{message}");

    assert!(stored().await.is_empty(), "a refused release is stored");
    assert_eq!(blob_count(&app), 0, "a refused release stores no image");

    let low_yealink = copy_of("66.86.0.15", &scratch.path().join("low-yealink"), |m| {
        m.replace("version = \"66.86.0.15\"", "version = \"2.3.0.50\"")
    });
    app.import_firmware(&low_yealink).await;
    let rows = stored().await;
    assert_eq!(
        rows.iter()
            .map(|r| (r.version.as_str(), r.vendor.as_str()))
            .collect::<Vec<_>>(),
        [("2.3.0.50", "yealink")]
    );

    // The vendor is part of the manifest: the same release under another vendor is a
    // different manifest, refused; an alias of the same vendor is the same one.
    app.import_firmware(&sample("1.0.11.85")).await;
    let as_snom = copy_of("1.0.11.85", &scratch.path().join("gxp-as-snom"), |m| {
        m.replace("vendor = \"grandstream\"", "vendor = \"snom\"")
    });
    let (code, message) = refused(&app, &as_snom).await;
    assert_eq!(code, "firmware_exists");
    assert!(message.contains("different manifest"), "{message}");
    let mitel = copy_of("4.2.0.181", &scratch.path().join("mitel"), |m| {
        format!("vendor = \"Mitel\"\n{m}")
    });
    app.import_firmware(&sample("4.2.0.181")).await;
    let store = rcs::storage::BlobStore::new(&app.env.settings.data_dir);
    let again = rcs::services::firmware::import(
        &app.db,
        &store,
        &rcs::services::operators::OperatorActor::cli(),
        &mitel,
    )
    .await
    .unwrap();
    assert_eq!(
        again,
        rcs::services::firmware::Imported::AlreadyImported {
            version: "4.2.0.181".into()
        }
    );
    let rows = stored().await;
    let vendor_of = |version: &str| {
        rows.iter()
            .find(|r| r.version == version)
            .map(|r| r.vendor.as_str())
    };
    assert_eq!(vendor_of("1.0.11.85"), Some("grandstream"));
    assert_eq!(vendor_of("4.2.0.181"), Some("aastra"));
}

/// Images in the blob store.
fn blob_count(app: &TestApp) -> usize {
    let Ok(folders) = std::fs::read_dir(app.env.data_dir().join("blobs/sha256")) else {
        return 0;
    };
    folders
        .map(|f| std::fs::read_dir(f.unwrap().path()).unwrap().count())
        .sum()
}

/// The answer to a refused pin: 422 `firmware_vendor_mismatch`; its message.
async fn mismatch(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 422);
    let error = error_body(response).await;
    assert_eq!(error.code, "firmware_vendor_mismatch", "{}", error.message);
    error.message
}

async fn patch(ctx: &Ctx, path: &str, body: Value) -> reqwest::Response {
    ctx.send(Method::PATCH, path, &ctx.token, Some(&body)).await
}

async fn a_release_of_another_vendor_cannot_be_pinned_and_nothing_changes(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    ctx.add_ok(json!({ "macs": ["00085D000001", "00085D000002"], "firmware": "4.2.0.181" }))
        .await;
    let audits = ctx.app.audit_actions(ctx.account_id).await.len();

    // Registering one Aastra phone with a Yealink release.
    let message = mismatch(
        ctx.add(
            &ctx.token,
            json!({ "macs": ["00:08:5D:00:00:03"], "firmware": "66.86.0.15" }),
        )
        .await,
    )
    .await;
    assert!(message.contains("00085D000003"), "{message}");
    assert!(
        message.contains("Firmware 66.86.0.15 is for Yealink phones"),
        "{message}"
    );
    assert!(message.contains("Aastra/Mitel"), "{message}");
    assert!(message.contains("maker prefix"), "{message}");

    // A list where one Yealink phone fits but three Aastra ones do not: nothing is added.
    let message = mismatch(
        ctx.add(
            &ctx.token,
            json!({
                "macs": ["001565000001", "00085D000003", "00085D000004", "00085D000005"],
                "firmware": "66.86.0.15"
            }),
        )
        .await,
    )
    .await;
    assert!(message.contains("00085D000003"), "{message}");
    assert!(message.contains("2 more listed phones"), "{message}");
    assert_eq!(ctx.all_macs().await, ["00085D000001", "00085D000002"]);

    // Editing one phone, and several.
    let message = mismatch(
        patch(
            &ctx,
            &routes::phone("00085D000001"),
            json!({ "firmware": "10.1.215.13" }),
        )
        .await,
    )
    .await;
    assert!(message.contains("Snom"), "{message}");
    assert!(message.contains("00085D000001"), "{message}");
    mismatch(
        patch(
            &ctx,
            routes::PHONES,
            json!({ "macs": ["00085D000001", "00085D000002"], "set": { "firmware": "1.0.11.85" } }),
        )
        .await,
    )
    .await;
    for mac in ["00085D000001", "00085D000002"] {
        assert_eq!(
            ctx.phone(mac).await.firmware.as_deref(),
            Some("4.2.0.181"),
            "{mac}"
        );
    }
    assert_eq!(
        ctx.app.audit_actions(ctx.account_id).await.len(),
        audits,
        "a refused pin is not audited as a change"
    );

    // The phone's own vendor's release is fine, and a Yealink phone takes a Yealink one.
    let response = patch(
        &ctx,
        routes::PHONES,
        json!({ "macs": ["00085D000001", "00085D000002"], "set": { "firmware": "3.3.1.4322" } }),
    )
    .await;
    assert_eq!(response.status(), 200);
    ctx.add_ok(json!({ "macs": ["00:15:65:00:00:01"], "firmware": "66.86.0.15" }))
        .await;
    assert_eq!(
        ctx.phone("001565000001").await.firmware.as_deref(),
        Some("66.86.0.15")
    );
}

async fn a_csv_import_lists_each_line_pinned_to_another_vendor_and_writes_nothing(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    ctx.add_ok(json!({ "macs": ["00085D000001"], "firmware": "4.2.0.181" }))
        .await;

    // Per line: lines 3 and 5 pin a Yealink release to Aastra phones (5 also updates a
    // registered one); the Yealink phone and the unknown-make one on lines 2 and 4 are fine.
    let file = "mac,firmware\n\
                001565000002,66.86.0.15\n\
                00085D000003,66.86.0.15\n\
                02AA00000004,66.86.0.15\n\
                00085D000001,66.86.0.15\n";
    let report = ctx.import_rejected(file.to_string()).await;
    let lines: Vec<u64> = report.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 5], "{:?}", report.problems);
    let first = &report.problems[0].message;
    assert!(first.contains("00085D000003"), "{first}");
    assert!(
        first.contains("Firmware 66.86.0.15 is for Yealink phones"),
        "{first}"
    );
    assert!(first.contains("Aastra/Mitel"), "{first}");

    // The query's default release applies to every line, and is checked for each.
    let response = ctx
        .import("firmware=6.4.6.2100", "001565000002\n0004F2000002\n")
        .await;
    assert_eq!(response.status(), 422);
    let report: rcs_shared::InvalidCsv = response.json().await.unwrap();
    assert_eq!(report.code, "invalid_csv");
    let lines: Vec<u64> = report.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [1], "{:?}", report.problems);
    assert!(report.problems[0].message.contains("Yealink"));

    // A dry run reports the same, and nothing was written by any of them.
    let response = ctx.import("dry_run=true", file.to_string()).await;
    assert_eq!(response.status(), 422);
    assert_eq!(ctx.all_macs().await, ["00085D000001"]);
    assert_eq!(
        ctx.phone("00085D000001").await.firmware.as_deref(),
        Some("4.2.0.181")
    );

    // Fixed, the file imports.
    let fixed = file
        .replace("00085D000003,66.86.0.15", "00085D000003,4.2.0.181")
        .replace("00085D000001,66.86.0.15", "00085D000001,3.3.1.4322");
    let result = ctx.import_ok("", &fixed).await;
    assert_eq!((result.added, result.updated), (3, 1));
    assert_eq!(
        ctx.phone("001565000002").await.firmware.as_deref(),
        Some("66.86.0.15")
    );
}

async fn a_phone_of_unknown_make_takes_any_vendors_release(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    ctx.add_ok(json!({ "macs": ["02AA00000001"], "firmware": "66.86.0.15" }))
        .await;
    for release in ["10.1.215.13", "6.4.6.2100", "1.0.11.85", "4.2.0.181"] {
        let response = patch(
            &ctx,
            &routes::phone("02AA00000001"),
            json!({ "firmware": release }),
        )
        .await;
        assert_eq!(response.status(), 200, "{release}");
        assert_eq!(
            ctx.phone("02AA00000001").await.firmware.as_deref(),
            Some(release)
        );
    }
}

/// Records `vendor` as detected at `mac`'s boots, as the device route does.
async fn detected(ctx: &Ctx, mac: &str, vendor: &str) {
    sqlx::query("UPDATE phones SET vendor = $1 WHERE mac = $2")
        .bind(vendor)
        .bind(mac)
        .execute(&ctx.app.db.pool)
        .await
        .unwrap();
}

async fn the_vendor_detected_at_boot_outranks_the_mac_prefix(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    ctx.add_ok(json!({ "macs": ["02AA00000001", "00085D000009"] }))
        .await;
    detected(&ctx, "02AA00000001", "yealink").await;
    // An Aastra prefix on a phone that booted as a Yealink (a relabelled unit).
    detected(&ctx, "00085D000009", "yealink").await;

    let message = mismatch(
        patch(
            &ctx,
            &routes::phone("02AA00000001"),
            json!({ "firmware": "4.2.0.181" }),
        )
        .await,
    )
    .await;
    assert!(message.contains("02AA00000001 is Yealink"), "{message}");
    assert!(message.contains("detected"), "{message}");
    mismatch(
        ctx.add(
            &ctx.token,
            json!({ "macs": ["00085D000009"], "firmware": "3.3.1.4322" }),
        )
        .await,
    )
    .await;
    let report = ctx
        .import_rejected("mac,firmware\n02AA00000001,4.2.0.181\n".to_string())
        .await;
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    for mac in ["02AA00000001", "00085D000009"] {
        assert_eq!(ctx.phone(mac).await.firmware, None, "{mac}");
    }

    // Both take the Yealink release.
    let response = patch(
        &ctx,
        routes::PHONES,
        json!({ "macs": ["02AA00000001", "00085D000009"], "set": { "firmware": "66.86.0.15" } }),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        ctx.phone("00085D000009").await.firmware.as_deref(),
        Some("66.86.0.15")
    );
}
