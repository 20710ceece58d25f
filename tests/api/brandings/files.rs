//! A branding's files: uploaded, read, replaced and removed with their content types; safe
//! names, size caps, and image names that must carry their format's bytes.

use rcs_shared::Branding;

use crate::helpers::{error_body, routes, spawn_app, spawn_app_with, Engine};
use crate::on_both_engines;

on_both_engines!(
    files_are_uploaded_read_replaced_and_removed_with_their_content_types,
    unsafe_file_names_are_refused_and_nothing_is_stored,
    files_over_the_per_file_or_per_branding_cap_are_413,
    image_names_must_carry_their_formats_bytes,
);

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

async fn files_are_uploaded_read_replaced_and_removed_with_their_content_types(engine: Engine) {
    let app = spawn_app(engine).await;
    let (acme, token) = app.admin_of("Acme").await;
    let b = app.create_branding(&token, "Acme", false).await;

    let response = app
        .put_branding_file(&token, b.id, "logo.png", None, PNG)
        .await;
    assert_eq!(response.status(), 200);
    let after: Branding = response.json().await.unwrap();
    assert_eq!(after.files.len(), 1);
    assert_eq!(after.files[0].name, "logo.png");
    assert_eq!(
        after.files[0].content_type, "image/png",
        "guessed from the name"
    );
    assert_eq!(after.files[0].size, PNG.len() as i64);
    assert_eq!(after.files[0].sha256, hex::encode(sha2_digest(PNG)));
    let settings = b"color=blue\n";
    let response = app
        .put_branding_file(&token, b.id, "brand.txt", Some("text/plain"), settings)
        .await;
    assert_eq!(response.status(), 200);

    let logo = app
        .get(&routes::branding_file(b.id, "logo.png"), &token)
        .await;
    assert_eq!(logo.status(), 200);
    assert_eq!(logo.headers()["content-type"], "image/png");
    assert_eq!(logo.headers()["x-content-type-options"], "nosniff");
    assert!(
        logo.headers().get("content-disposition").is_none(),
        "images show inline"
    );
    assert_eq!(logo.bytes().await.unwrap().as_ref(), PNG);
    let text = app
        .get(&routes::branding_file(b.id, "brand.txt"), &token)
        .await;
    assert_eq!(text.headers()["content-type"], "text/plain");
    let disposition = text.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert_eq!(text.bytes().await.unwrap().as_ref(), settings);

    let replaced: Branding = app
        .put_branding_file(&token, b.id, "brand.txt", None, b"color=red\n")
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = replaced.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["brand.txt", "logo.png"]);
    assert_eq!(replaced.files[0].size, 10);
    assert_eq!(replaced.files[0].content_type, "text/plain; charset=utf-8");

    let file = routes::branding_file(b.id, "brand.txt");
    assert_eq!(app.delete(&file, &token).await.status(), 200);
    let response = app.delete(&file, &token).await;
    assert_eq!(response.status(), 404);
    assert_eq!(error_body(response).await.code, "file_not_found");
    assert_eq!(app.get(&file, &token).await.status(), 404);
    assert_eq!(app.branding(&token, b.id).await.files.len(), 1);
    let actions = app.audit_actions(acme).await;
    for action in ["branding.file.put", "branding.file.delete"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

fn sha2_digest(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

async fn unsafe_file_names_are_refused_and_nothing_is_stored(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, token) = app.admin_of("Acme").await;
    let b = app.create_branding(&token, "Acme", false).await;
    // These reach the handler, decoded, and are refused by name.
    let long = "x".repeat(101);
    for name in [
        "a%2Fb",
        "..%2F..%2Fetc%2Fpasswd",
        "a%5Cb",
        "a%0Ab",
        "%00",
        "%2E%2E%2Fx",
        &long,
    ] {
        let response = app.put_branding_file(&token, b.id, name, None, b"x").await;
        assert_eq!(response.status(), 422, "{name}");
        assert_eq!(
            error_body(response).await.code,
            "invalid_file_name",
            "{name}"
        );
        let read = app.get(&routes::branding_file(b.id, name), &token).await;
        assert_eq!(read.status(), 422, "GET {name}");
    }
    // Dot segments are resolved by URL rules before any route sees them (`..`, `%2e%2e`),
    // and an empty name matches no route: whatever answers, it is not a stored file.
    for name in ["..", "%2e%2e", "%2E%2E", "."] {
        let response = app.put_branding_file(&token, b.id, name, None, b"x").await;
        assert!(
            response.status().is_client_error(),
            "{name}: {}",
            response.status()
        );
    }
    let response = app.put_branding_file(&token, b.id, "", None, b"x").await;
    assert!(
        response.status().is_client_error(),
        "empty: {}",
        response.status()
    );
    assert_eq!(
        app.put_branding_file(&token, b.id, &"y".repeat(100), None, b"x")
            .await
            .status(),
        200
    );
    assert_eq!(
        app.branding(&token, b.id).await.files.len(),
        1,
        "only the 100-char name"
    );
}

async fn files_over_the_per_file_or_per_branding_cap_are_413(engine: Engine) {
    let app = spawn_app_with(engine, |s| {
        s.branding_max_file_bytes = 1000;
        s.branding_max_total_bytes = 2500;
    })
    .await;
    let (_, token) = app.admin_of("Acme").await;
    let b = app.create_branding(&token, "Acme", false).await;

    let response = app
        .put_branding_file(&token, b.id, "big.bin", None, &[0u8; 1001])
        .await;
    assert_eq!(response.status(), 413);
    assert_eq!(error_body(response).await.code, "payload_too_large");
    for name in ["a.bin", "b.bin"] {
        assert_eq!(
            app.put_branding_file(&token, b.id, name, None, &[1u8; 1000])
                .await
                .status(),
            200
        );
    }
    // 2000 stored + 600 > 2500: the branding's total is the limit, also 413.
    let response = app
        .put_branding_file(&token, b.id, "c.bin", None, &[2u8; 600])
        .await;
    assert_eq!(response.status(), 413);
    let message = error_body(response).await.message;
    assert!(message.contains("total"), "{message}");
    // Replacing a file counts its new size, not both.
    assert_eq!(
        app.put_branding_file(&token, b.id, "a.bin", None, &[3u8; 900])
            .await
            .status(),
        200
    );
    assert_eq!(
        app.put_branding_file(&token, b.id, "c.bin", None, &[2u8; 600])
            .await
            .status(),
        200
    );
    let total: i64 = app
        .branding(&token, b.id)
        .await
        .files
        .iter()
        .map(|f| f.size)
        .sum();
    assert_eq!(total, 2500);
}

async fn image_names_must_carry_their_formats_bytes(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, token) = app.admin_of("Acme").await;
    let b = app.create_branding(&token, "Acme", false).await;
    let cases: [(&str, Option<&str>, &[u8]); 5] = [
        ("logo.png", None, b"GIF89a..."),
        ("logo.jpg", None, PNG),
        ("screen.GIF", None, b"<html>"),
        ("icon.bmp", None, b""),
        ("logo.png", Some("text/html"), PNG),
    ];
    for (name, ct, bytes) in cases {
        let response = app.put_branding_file(&token, b.id, name, ct, bytes).await;
        assert_eq!(response.status(), 422, "{name}");
        assert_eq!(
            error_body(response).await.code,
            "content_mismatch",
            "{name}"
        );
    }
    let good: [(&str, &[u8], &str); 4] = [
        ("a.jpeg", b"\xff\xd8\xff\xe0", "image/jpeg"),
        ("b.gif", b"GIF87a", "image/gif"),
        ("c.bmp", b"BM\0\0", "image/bmp"),
        ("d.PNG", PNG, "image/png"),
    ];
    for (name, bytes, expected) in good {
        let response = app
            .put_branding_file(&token, b.id, name, Some("application/octet-stream"), bytes)
            .await;
        assert_eq!(response.status(), 200, "{name}");
        let after: Branding = response.json().await.unwrap();
        let file = after.files.iter().find(|f| f.name == name).unwrap();
        assert_eq!(file.content_type, expected);
    }
}
