//! Brandings: who may change them, their files (safe names, size caps, image bytes), the
//! account default phones fall back to, deleting brandings phones use, and the wall between
//! accounts.

use rcs_shared::{Branding, Role};
use serde_json::json;

use crate::helpers::{error_body, spawn_app, spawn_app_with, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    super_users_create_list_read_rename_and_delete_brandings,
    users_read_brandings_and_assign_them_to_phones_but_every_write_is_forbidden,
    files_are_uploaded_read_replaced_and_removed_with_their_content_types,
    unsafe_file_names_are_refused_and_nothing_is_stored,
    files_over_the_per_file_or_per_branding_cap_are_413,
    image_names_must_carry_their_formats_bytes,
    phones_without_a_branding_of_their_own_receive_the_accounts_default,
    deleting_a_branding_phones_use_is_refused_with_the_count_unless_forced,
    accounts_cannot_see_or_touch_each_others_brandings,
);

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

/// An account with a Super User, logged in.
async fn admin_of(app: &TestApp, account: &str) -> (i64, String) {
    let email = format!("admin@{}.example", account.to_lowercase());
    let (account_id, _) = app.create_account(account, &email).await;
    (account_id, app.token(&email).await)
}

async fn create_branding(app: &TestApp, token: &str, name: &str, is_default: bool) -> Branding {
    let body = json!({"name": name, "is_default": is_default});
    let response = app.post("/api/v1/brandings", token, &body).await;
    assert_eq!(response.status(), 201, "create branding {name}");
    response.json().await.unwrap()
}

async fn put_file(
    app: &TestApp,
    token: &str,
    id: i64,
    name: &str,
    content_type: Option<&str>,
    bytes: &[u8],
) -> reqwest::Response {
    let url = app.url(&format!("/api/v1/brandings/{id}/files/{name}"));
    let mut request = app.client.put(url).bearer_auth(token).body(bytes.to_vec());
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    request.send().await.expect("request sent")
}

async fn branding(app: &TestApp, token: &str, id: i64) -> Branding {
    let response = app.get(&format!("/api/v1/brandings/{id}"), token).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn insert_phone(app: &TestApp, mac: &str, account_id: i64, branding_id: Option<i64>) {
    sqlx::query(
        "INSERT INTO phones (mac, account_id, branding_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(mac)
    .bind(account_id)
    .bind(branding_id)
    .bind(rcs::db::now())
    .execute(&app.db.pool)
    .await
    .expect("phone inserted");
}

async fn audit_actions(app: &TestApp, account_id: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_events WHERE account_id = $1 ORDER BY id")
        .bind(account_id)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

async fn super_users_create_list_read_rename_and_delete_brandings(engine: Engine) {
    let app = spawn_app(engine).await;
    let (acme, token) = admin_of(&app, "Acme").await;

    let created = create_branding(&app, &token, "  Acme blue ", false).await;
    assert_eq!(created.name, "Acme blue", "the name is trimmed");
    assert!(!created.is_default && created.files.is_empty());
    assert_eq!(created.phone_count, 0);
    create_branding(&app, &token, "Acme red", false).await;

    let listed: Vec<Branding> = app
        .get("/api/v1/brandings", &token)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = listed.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["Acme blue", "Acme red"]);
    assert_eq!(branding(&app, &token, created.id).await, created);

    let taken = app
        .post("/api/v1/brandings", &token, &json!({"name": "Acme red"}))
        .await;
    assert_eq!(taken.status(), 409);
    assert_eq!(error_body(taken).await.code, "branding_name_taken");
    for bad in ["", "   ", &"x".repeat(41), "a\u{7}b"] {
        let response = app
            .post("/api/v1/brandings", &token, &json!({"name": bad}))
            .await;
        assert_eq!(response.status(), 422, "{bad:?}");
        assert_eq!(error_body(response).await.code, "invalid_branding_name");
    }
    let path = format!("/api/v1/brandings/{}", created.id);
    let renamed = app.patch(&path, &token, &json!({"name": "Acme red"})).await;
    assert_eq!(renamed.status(), 409, "renaming onto a taken name");
    let renamed: Branding = app
        .patch(&path, &token, &json!({"name": "Acme navy"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(renamed.name, "Acme navy");

    assert_eq!(app.delete(&path, &token).await.status(), 204);
    assert_eq!(app.get(&path, &token).await.status(), 404);
    assert_eq!(app.delete(&path, &token).await.status(), 404);
    let actions = audit_actions(&app, acme).await;
    for action in ["branding.create", "branding.update", "branding.delete"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

async fn users_read_brandings_and_assign_them_to_phones_but_every_write_is_forbidden(
    engine: Engine,
) {
    let app = spawn_app(engine).await;
    let (acme, admin) = admin_of(&app, "Acme").await;
    app.add_user(acme, "user@acme.example", Role::User).await;
    let user = app.token("user@acme.example").await;
    let b = create_branding(&app, &admin, "Acme", false).await;
    assert_eq!(
        put_file(&app, &admin, b.id, "logo.png", None, PNG)
            .await
            .status(),
        200
    );
    let path = format!("/api/v1/brandings/{}", b.id);
    let file = format!("{path}/files/logo.png");

    for (what, response) in [
        (
            "create",
            app.post("/api/v1/brandings", &user, &json!({"name": "Mine"}))
                .await,
        ),
        (
            "rename",
            app.patch(&path, &user, &json!({"name": "Mine"})).await,
        ),
        (
            "default",
            app.patch(&path, &user, &json!({"is_default": true})).await,
        ),
        ("delete", app.delete(&path, &user).await),
        (
            "put file",
            put_file(&app, &user, b.id, "x.txt", None, b"x").await,
        ),
        ("delete file", app.delete(&file, &user).await),
    ] {
        assert_eq!(response.status(), 403, "{what}");
        assert_eq!(error_body(response).await.code, "forbidden", "{what}");
    }
    b_with_file(&app, &admin, b.id).await;
    for read in ["/api/v1/brandings".to_string(), path.clone(), file] {
        assert_eq!(app.get(&read, &user).await.status(), 200, "{read}");
    }

    // A User pins a catalog firmware release and the branding on phones.
    app.load_sample_firmware().await;
    let add = json!({"macs": ["00:15:65:00:00:01"], "branding_id": b.id, "firmware": "4.2.0.181"});
    let response = app.post("/api/v1/phones", &user, &add).await;
    assert_eq!(
        response.status(),
        200,
        "a User assigns a branding to phones"
    );
    assert_eq!(branding(&app, &user, b.id).await.phone_count, 1);
    let phone: rcs_shared::Phone = app
        .get("/api/v1/phones/001565000001", &user)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(phone.branding_id, Some(b.id));
    assert_eq!(phone.firmware.as_deref(), Some("4.2.0.181"));
    let unknown = json!({"macs": ["00:15:65:00:00:02"], "branding_id": b.id + 1000});
    let response = app.post("/api/v1/phones", &user, &unknown).await;
    assert_eq!(response.status(), 422);
    assert_eq!(error_body(response).await.code, "unknown_branding");
}

/// The branding as the admin sees it; the forbidden writes above must have left it as is.
async fn b_with_file(app: &TestApp, token: &str, id: i64) -> Branding {
    let b = branding(app, token, id).await;
    assert_eq!(b.files.len(), 1);
    assert_eq!(b.name, "Acme");
    b
}

async fn files_are_uploaded_read_replaced_and_removed_with_their_content_types(engine: Engine) {
    let app = spawn_app(engine).await;
    let (acme, token) = admin_of(&app, "Acme").await;
    let b = create_branding(&app, &token, "Acme", false).await;

    let response = put_file(&app, &token, b.id, "logo.png", None, PNG).await;
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
    let response = put_file(
        &app,
        &token,
        b.id,
        "brand.txt",
        Some("text/plain"),
        settings,
    )
    .await;
    assert_eq!(response.status(), 200);

    let logo = app
        .get(
            &format!("/api/v1/brandings/{}/files/logo.png", b.id),
            &token,
        )
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
        .get(
            &format!("/api/v1/brandings/{}/files/brand.txt", b.id),
            &token,
        )
        .await;
    assert_eq!(text.headers()["content-type"], "text/plain");
    let disposition = text.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert_eq!(text.bytes().await.unwrap().as_ref(), settings);

    let replaced: Branding = put_file(&app, &token, b.id, "brand.txt", None, b"color=red\n")
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = replaced.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["brand.txt", "logo.png"]);
    assert_eq!(replaced.files[0].size, 10);
    assert_eq!(replaced.files[0].content_type, "text/plain; charset=utf-8");

    let file = format!("/api/v1/brandings/{}/files/brand.txt", b.id);
    assert_eq!(app.delete(&file, &token).await.status(), 200);
    let response = app.delete(&file, &token).await;
    assert_eq!(response.status(), 404);
    assert_eq!(error_body(response).await.code, "file_not_found");
    assert_eq!(app.get(&file, &token).await.status(), 404);
    assert_eq!(branding(&app, &token, b.id).await.files.len(), 1);
    let actions = audit_actions(&app, acme).await;
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
    let (_, token) = admin_of(&app, "Acme").await;
    let b = create_branding(&app, &token, "Acme", false).await;
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
        let response = put_file(&app, &token, b.id, name, None, b"x").await;
        assert_eq!(response.status(), 422, "{name}");
        assert_eq!(
            error_body(response).await.code,
            "invalid_file_name",
            "{name}"
        );
        let read = app
            .get(&format!("/api/v1/brandings/{}/files/{name}", b.id), &token)
            .await;
        assert_eq!(read.status(), 422, "GET {name}");
    }
    // Dot segments are resolved by URL rules before any route sees them (`..`, `%2e%2e`),
    // and an empty name matches no route: whatever answers, it is not a stored file.
    for name in ["..", "%2e%2e", "%2E%2E", "."] {
        let response = put_file(&app, &token, b.id, name, None, b"x").await;
        assert!(
            response.status().is_client_error(),
            "{name}: {}",
            response.status()
        );
    }
    let response = put_file(&app, &token, b.id, "", None, b"x").await;
    assert!(
        response.status().is_client_error(),
        "empty: {}",
        response.status()
    );
    assert_eq!(
        put_file(&app, &token, b.id, &"y".repeat(100), None, b"x")
            .await
            .status(),
        200
    );
    assert_eq!(
        branding(&app, &token, b.id).await.files.len(),
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
    let (_, token) = admin_of(&app, "Acme").await;
    let b = create_branding(&app, &token, "Acme", false).await;

    let response = put_file(&app, &token, b.id, "big.bin", None, &[0u8; 1001]).await;
    assert_eq!(response.status(), 413);
    assert_eq!(error_body(response).await.code, "payload_too_large");
    for name in ["a.bin", "b.bin"] {
        assert_eq!(
            put_file(&app, &token, b.id, name, None, &[1u8; 1000])
                .await
                .status(),
            200
        );
    }
    // 2000 stored + 600 > 2500: the branding's total is the limit, also 413.
    let response = put_file(&app, &token, b.id, "c.bin", None, &[2u8; 600]).await;
    assert_eq!(response.status(), 413);
    let message = error_body(response).await.message;
    assert!(message.contains("total"), "{message}");
    // Replacing a file counts its new size, not both.
    assert_eq!(
        put_file(&app, &token, b.id, "a.bin", None, &[3u8; 900])
            .await
            .status(),
        200
    );
    assert_eq!(
        put_file(&app, &token, b.id, "c.bin", None, &[2u8; 600])
            .await
            .status(),
        200
    );
    let total: i64 = branding(&app, &token, b.id)
        .await
        .files
        .iter()
        .map(|f| f.size)
        .sum();
    assert_eq!(total, 2500);
}

async fn image_names_must_carry_their_formats_bytes(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, token) = admin_of(&app, "Acme").await;
    let b = create_branding(&app, &token, "Acme", false).await;
    let cases: [(&str, Option<&str>, &[u8]); 5] = [
        ("logo.png", None, b"GIF89a..."),
        ("logo.jpg", None, PNG),
        ("screen.GIF", None, b"<html>"),
        ("icon.bmp", None, b""),
        ("logo.png", Some("text/html"), PNG),
    ];
    for (name, ct, bytes) in cases {
        let response = put_file(&app, &token, b.id, name, ct, bytes).await;
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
        let response = put_file(
            &app,
            &token,
            b.id,
            name,
            Some("application/octet-stream"),
            bytes,
        )
        .await;
        assert_eq!(response.status(), 200, "{name}");
        let after: Branding = response.json().await.unwrap();
        let file = after.files.iter().find(|f| f.name == name).unwrap();
        assert_eq!(file.content_type, expected);
    }
}

async fn phones_without_a_branding_of_their_own_receive_the_accounts_default(engine: Engine) {
    let app = spawn_app(engine).await;
    let (acme, token) = admin_of(&app, "Acme").await;
    let effective = |id: Option<i64>| {
        let db = app.db.clone();
        async move {
            rcs::db::brandings::effective_for_phone(&db, acme, id)
                .await
                .unwrap()
                .map(|(row, _)| row.name)
        }
    };
    assert_eq!(effective(None).await, None, "no default yet");
    let blue = create_branding(&app, &token, "Blue", true).await;
    assert!(blue.is_default);
    let red = create_branding(&app, &token, "Red", false).await;
    assert_eq!(
        put_file(&app, &token, blue.id, "logo.png", None, PNG)
            .await
            .status(),
        200
    );
    let (row, files) = rcs::db::brandings::effective_for_phone(&app.db, acme, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.name.as_str(), files.len()),
        ("Blue", 1),
        "the default, with its files"
    );
    assert_eq!(
        effective(Some(red.id)).await.as_deref(),
        Some("Red"),
        "its own wins"
    );

    // Making Red the default clears Blue in the same change; creating one as default too.
    let path = format!("/api/v1/brandings/{}", red.id);
    let red_now: Branding = app
        .patch(&path, &token, &json!({"is_default": true}))
        .await
        .json()
        .await
        .unwrap();
    assert!(red_now.is_default);
    assert!(!branding(&app, &token, blue.id).await.is_default);
    assert_eq!(effective(None).await.as_deref(), Some("Red"));
    let green = create_branding(&app, &token, "Green", true).await;
    let listed: Vec<Branding> = app
        .get("/api/v1/brandings", &token)
        .await
        .json()
        .await
        .unwrap();
    let defaults: Vec<i64> = listed
        .iter()
        .filter(|b| b.is_default)
        .map(|b| b.id)
        .collect();
    assert_eq!(defaults, [green.id]);
    let path = format!("/api/v1/brandings/{}", green.id);
    assert_eq!(
        app.patch(&path, &token, &json!({"is_default": false}))
            .await
            .status(),
        200
    );
    assert_eq!(effective(None).await, None, "no default any more");
    // Another account's branding is never a phone's, and never its default.
    let (_, other) = admin_of(&app, "Other").await;
    let foreign = create_branding(&app, &other, "Theirs", true).await;
    assert_eq!(effective(Some(foreign.id)).await, None);
}

async fn deleting_a_branding_phones_use_is_refused_with_the_count_unless_forced(engine: Engine) {
    let app = spawn_app(engine).await;
    let (acme, token) = admin_of(&app, "Acme").await;
    let b = create_branding(&app, &token, "Acme", false).await;
    assert_eq!(
        put_file(&app, &token, b.id, "logo.png", None, PNG)
            .await
            .status(),
        200
    );
    insert_phone(&app, "001565000001", acme, Some(b.id)).await;
    insert_phone(&app, "001565000002", acme, Some(b.id)).await;
    insert_phone(&app, "001565000003", acme, None).await;
    assert_eq!(branding(&app, &token, b.id).await.phone_count, 2);

    let path = format!("/api/v1/brandings/{}", b.id);
    let refused = app.delete(&path, &token).await;
    assert_eq!(refused.status(), 409);
    let body = error_body(refused).await;
    assert_eq!(body.code, "branding_in_use");
    assert!(body.message.starts_with("2 phones"), "{}", body.message);
    assert_eq!(
        app.delete(&format!("{path}?force=false"), &token)
            .await
            .status(),
        409
    );

    assert_eq!(
        app.delete(&format!("{path}?force=true"), &token)
            .await
            .status(),
        204
    );
    let assigned: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM phones WHERE account_id = $1 AND branding_id IS NOT NULL",
    )
    .bind(acme)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        assigned, 0,
        "the phones lost the branding, not their registration"
    );
    let files: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM branding_files WHERE branding_id = $1")
            .bind(b.id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(files, 0, "its files went with it");
    assert_eq!(
        app.delete(&format!("{path}?force=maybe"), &token)
            .await
            .status(),
        400
    );
}

async fn accounts_cannot_see_or_touch_each_others_brandings(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, acme) = admin_of(&app, "Acme").await;
    let (_, globex) = admin_of(&app, "Globex").await;
    let theirs = create_branding(&app, &globex, "Globex", false).await;
    assert_eq!(
        put_file(&app, &globex, theirs.id, "logo.png", None, PNG)
            .await
            .status(),
        200
    );
    create_branding(&app, &acme, "Globex", false).await; // names are per account

    let path = format!("/api/v1/brandings/{}", theirs.id);
    let file = format!("{path}/files/logo.png");
    for (what, response) in [
        ("get", app.get(&path, &acme).await),
        (
            "patch",
            app.patch(&path, &acme, &json!({"name": "Mine"})).await,
        ),
        (
            "default",
            app.patch(&path, &acme, &json!({"is_default": true})).await,
        ),
        ("delete", app.delete(&path, &acme).await),
        ("get file", app.get(&file, &acme).await),
        (
            "put file",
            put_file(&app, &acme, theirs.id, "x.txt", None, b"x").await,
        ),
        ("delete file", app.delete(&file, &acme).await),
    ] {
        assert_eq!(response.status(), 404, "{what}");
        assert_eq!(
            error_body(response).await.code,
            "branding_not_found",
            "{what}"
        );
    }
    let listed: Vec<Branding> = app
        .get("/api/v1/brandings", &acme)
        .await
        .json()
        .await
        .unwrap();
    assert!(listed.iter().all(|b| b.id != theirs.id));
    let add = json!({"macs": ["00:15:65:00:00:09"], "branding_id": theirs.id});
    let response = app.post("/api/v1/phones", &acme, &add).await;
    assert_eq!(error_body(response).await.code, "unknown_branding");
    let after = branding(&app, &globex, theirs.id).await;
    assert_eq!(
        (after.name.as_str(), after.is_default, after.files.len()),
        ("Globex", false, 1)
    );
}
