//! A firmware release uploaded in the console: streamed, unpacked defensively, checked as
//! `rcs firmware import` checks a folder, and stored only when every image matches.

use std::io::Write;
use std::path::{Path, PathBuf};

use rcs_shared::{AdminFirmwareRelease, OperatorAuditPage};
use serde_json::json;

use super::operators::operator_token;
use crate::helpers::{error_body, routes, spawn_app, spawn_app_with, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    a_release_uploads_as_tar_or_zip_lists_its_phones_and_is_removed,
    an_image_that_does_not_match_its_manifest_stores_nothing,
    climbing_paths_links_and_junk_are_refused_and_store_nothing,
    an_upload_over_the_limit_or_unpacking_past_it_is_refused,
);

const FIRMWARE: &str = "/api/v1/admin/firmware";

fn sample(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../firmware")
        .join(version)
}

/// A tar of the release folder `dir` under the name `top/`, as `tar -cf r.tar top/` makes.
fn tar_of(dir: &Path, top: &str) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.append_dir_all(top, dir).unwrap();
    builder.into_inner().unwrap()
}

/// A zip holding `files` (name, bytes) at its top.
fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

async fn upload(app: &TestApp, token: &str, bytes: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url(FIRMWARE))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .expect("request sent")
}

async fn catalog(app: &TestApp, token: &str) -> Vec<AdminFirmwareRelease> {
    let response = app.get(FIRMWARE, token).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Files under the blob store (none before any release is stored).
fn blobs(app: &TestApp) -> usize {
    fn count(dir: &Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .map(|e| e.unwrap().path())
                .map(|p| if p.is_dir() { count(&p) } else { 1 })
                .sum()
        })
    }
    count(&app.env.settings.data_dir.join("blobs"))
}

/// Nothing left in the upload scratch folder once an upload is answered.
fn scratch_is_empty(app: &TestApp) -> bool {
    let dir = app.env.settings.data_dir.join("uploads");
    std::fs::read_dir(dir).map_or(true, |mut e| e.next().is_none())
}

async fn a_release_uploads_as_tar_or_zip_lists_its_phones_and_is_removed(engine: Engine) {
    let app = spawn_app(engine).await;
    let ops = operator_token(&app, "ops@platform.example").await;
    let response = upload(&app, &ops, tar_of(&sample("4.2.0.181"), "4.2.0.181")).await;
    assert_eq!(response.status(), 201);
    let release: AdminFirmwareRelease = response.json().await.unwrap();
    assert_eq!(release.release.version, "4.2.0.181");
    assert_eq!(release.release.images.len(), 3);
    assert_eq!(release.pinned_phones, 0);
    assert!(scratch_is_empty(&app));

    // The same release again is no change; gzip and zip work too (zip at the top level).
    let again = upload(&app, &ops, tar_of(&sample("4.2.0.181"), ".")).await;
    assert_eq!(again.status(), 200);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar_of(&sample("3.3.1.4322"), "3.3.1.4322"))
        .unwrap();
    let response = upload(&app, &ops, gz.finish().unwrap()).await;
    assert_eq!(response.status(), 201);
    let response = upload(&app, &ops, zip_of(&files_of(&sample("1.0.11.85")))).await;
    assert_eq!(response.status(), 201);
    let vendor = response.json::<AdminFirmwareRelease>().await.unwrap();
    assert_eq!(vendor.release.vendor, "grandstream");

    // Staff see the release and pin phones to it; the console counts them.
    let (_, admin) = app.admin_of("Acme").await;
    let pinned = app
        .register_phones(
            &admin,
            &json!({"macs": ["00085D000001", "00085D000002"], "firmware": "4.2.0.181"}),
        )
        .await;
    assert_eq!(pinned.status(), 200);
    let listed = catalog(&app, &ops).await;
    let aastra = listed
        .iter()
        .find(|r| r.release.version == "4.2.0.181")
        .unwrap();
    assert_eq!(aastra.pinned_phones, 2);
    assert_eq!(listed.len(), 3);
    let in_use = app.delete(&format!("{FIRMWARE}/4.2.0.181"), &ops).await;
    assert_eq!(in_use.status(), 409);
    assert_eq!(error_body(in_use).await.code, "firmware_in_use");
    let removed = app.delete(&format!("{FIRMWARE}/3.3.1.4322"), &ops).await;
    assert_eq!(removed.status(), 204);
    let staff: Vec<rcs_shared::FirmwareRelease> = app
        .get(routes::FIRMWARE, &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff.len(), 2);
    let trail: OperatorAuditPage = app
        .get("/api/v1/admin/audit", &ops)
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = trail
        .items
        .iter()
        .filter(|e| e.action.starts_with("firmware."))
        .map(|e| (e.action.as_str(), e.target.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("firmware.remove", "3.3.1.4322"),
            ("firmware.import", "1.0.11.85"),
            ("firmware.import", "3.3.1.4322"),
            ("firmware.import", "4.2.0.181"),
        ]
    );
}

async fn an_image_that_does_not_match_its_manifest_stores_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let ops = operator_token(&app, "ops@platform.example").await;
    let mut files = files_of(&sample("4.2.0.181"));
    let image = files.iter_mut().find(|(n, _)| n == "6757i.st").unwrap();
    image.1[10] ^= 0xff;
    let response = upload(&app, &ops, zip_of(&files)).await;
    assert_eq!(response.status(), 422);
    let body = error_body(response).await;
    assert_eq!(body.code, "firmware_file_mismatch");
    assert!(body.message.contains("6757i.st"), "{}", body.message);
    assert!(catalog(&app, &ops).await.is_empty());
    assert_eq!(blobs(&app), 0, "no image reached the blob store");
    assert!(scratch_is_empty(&app));
}

async fn climbing_paths_links_and_junk_are_refused_and_store_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let ops = operator_token(&app, "ops@platform.example").await;
    let good = files_of(&sample("4.2.0.181"));

    // A zip entry that climbs out of the scratch folder.
    let mut climbing = good.clone();
    climbing.push(("../../escaped.txt".to_string(), b"gotcha".to_vec()));
    let response = upload(&app, &ops, zip_of(&climbing)).await;
    assert_eq!(response.status(), 422);
    let body = error_body(response).await;
    assert_eq!(body.code, "unsafe_archive_entry");
    assert!(body.message.contains("escaped.txt"), "{}", body.message);

    // A tar with a symbolic link (to the server's files) beside the release.
    let mut builder = tar::Builder::new(Vec::new());
    builder.append_dir_all(".", sample("4.2.0.181")).unwrap();
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Symlink);
    header.set_size(0);
    builder
        .append_link(&mut header, "passwd", "/etc/passwd")
        .unwrap();
    let response = upload(&app, &ops, builder.into_inner().unwrap()).await;
    assert_eq!(response.status(), 422);
    assert_eq!(error_body(response).await.code, "unsafe_archive_entry");

    // A tar whose header names an absolute path (written raw: the builder refuses it).
    let mut raw = tar::Header::new_ustar();
    raw.as_old_mut().name[..11].copy_from_slice(b"/etc/cron.d");
    raw.set_size(3);
    raw.set_mode(0o644);
    raw.set_entry_type(tar::EntryType::Regular);
    raw.set_cksum();
    let mut bytes = raw.as_bytes().to_vec();
    bytes.extend_from_slice(b"bad");
    bytes.resize(512 * 4, 0);
    let response = upload(&app, &ops, bytes).await;
    assert_eq!(response.status(), 422);
    assert_eq!(error_body(response).await.code, "unsafe_archive_entry");

    // Not an archive; an archive without a manifest; an empty body.
    let response = upload(&app, &ops, b"this is no archive".to_vec()).await;
    assert_eq!(error_body(response).await.code, "invalid_archive");
    let response = upload(&app, &ops, zip_of(&[("6757i.st".into(), vec![1, 2, 3])])).await;
    assert_eq!(error_body(response).await.code, "missing_manifest");
    let response = upload(&app, &ops, Vec::new()).await;
    assert_eq!(error_body(response).await.code, "invalid_archive");
    // A zip cut short.
    let mut cut = zip_of(&good);
    cut.truncate(cut.len() / 2);
    let response = upload(&app, &ops, cut).await;
    assert_eq!(response.status(), 422);

    assert!(catalog(&app, &ops).await.is_empty());
    assert_eq!(blobs(&app), 0);
    assert!(scratch_is_empty(&app));
    let outside = app.env.settings.data_dir.join("escaped.txt");
    assert!(!outside.exists());
    // Staff cannot upload.
    let (_, admin) = app.admin_of("Acme").await;
    let response = upload(&app, &admin, zip_of(&good)).await;
    assert_eq!(response.status(), 403);
}

async fn an_upload_over_the_limit_or_unpacking_past_it_is_refused(engine: Engine) {
    let app = spawn_app_with(engine, |s| s.firmware_upload_max_bytes = 64 * 1024).await;
    let ops = operator_token(&app, "ops@platform.example").await;
    // Over the limit as sent.
    let response = upload(&app, &ops, vec![0u8; 64 * 1024 + 1]).await;
    assert_eq!(response.status(), 413);
    // Small as sent, large unpacked: 1 MiB of zeros compresses to about a kilobyte.
    let zeros = vec![0u8; 1024 * 1024];
    let mut files = files_of(&sample("4.2.0.181"));
    files.push(("padding.bin".into(), zeros));
    let bomb = zip_of(&files);
    assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
    let response = upload(&app, &ops, bomb).await;
    assert_eq!(response.status(), 422);
    assert_eq!(error_body(response).await.code, "archive_too_large");
    assert!(catalog(&app, &ops).await.is_empty());
    assert_eq!(blobs(&app), 0);
    assert!(scratch_is_empty(&app));
}
