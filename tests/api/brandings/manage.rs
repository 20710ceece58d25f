//! Managing brandings: who may change them, the account default phones fall back to,
//! deleting brandings phones use, and the wall between accounts.

use rcs_shared::{Branding, Role};
use serde_json::json;

use crate::helpers::{error_body, internals, routes, spawn_app, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    super_users_create_list_read_rename_and_delete_brandings,
    users_read_brandings_and_assign_them_to_phones_but_every_write_is_forbidden,
    phones_without_a_branding_of_their_own_receive_the_accounts_default,
    deleting_a_branding_phones_use_is_refused_with_the_count_unless_forced,
    accounts_cannot_see_or_touch_each_others_brandings,
);

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

async fn insert_phone(app: &TestApp, mac: &str, account_id: i64, branding_id: Option<i64>) {
    sqlx::query(
        "INSERT INTO phones (mac, account_id, branding_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(mac)
    .bind(account_id)
    .bind(branding_id)
    .bind(internals::now())
    .execute(&app.db.pool)
    .await
    .expect("phone inserted");
}

async fn super_users_create_list_read_rename_and_delete_brandings(engine: Engine) {
    let app = spawn_app(engine).await;
    let (acme, token) = app.admin_of("Acme").await;

    let created = app.create_branding(&token, "  Acme blue ", false).await;
    assert_eq!(created.name, "Acme blue", "the name is trimmed");
    assert!(!created.is_default && created.files.is_empty());
    assert_eq!(created.phone_count, 0);
    app.create_branding(&token, "Acme red", false).await;

    let listed: Vec<Branding> = app
        .get(routes::BRANDINGS, &token)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = listed.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["Acme blue", "Acme red"]);
    assert_eq!(app.branding(&token, created.id).await, created);

    let taken = app
        .post(routes::BRANDINGS, &token, &json!({"name": "Acme red"}))
        .await;
    assert_eq!(taken.status(), 409);
    assert_eq!(error_body(taken).await.code, "branding_name_taken");
    for bad in ["", "   ", &"x".repeat(41), "a\u{7}b"] {
        let response = app
            .post(routes::BRANDINGS, &token, &json!({"name": bad}))
            .await;
        assert_eq!(response.status(), 422, "{bad:?}");
        assert_eq!(error_body(response).await.code, "invalid_branding_name");
    }
    let path = routes::branding(created.id);
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
    let actions = app.audit_actions(acme).await;
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
    let (acme, admin) = app.admin_of("Acme").await;
    app.add_user(acme, "user@acme.example", Role::User).await;
    let user = app.token("user@acme.example").await;
    let b = app.create_branding(&admin, "Acme", false).await;
    assert_eq!(
        app.put_branding_file(&admin, b.id, "logo.png", None, PNG)
            .await
            .status(),
        200
    );
    let path = routes::branding(b.id);
    let file = format!("{path}/files/logo.png");

    for (what, response) in [
        (
            "create",
            app.post(routes::BRANDINGS, &user, &json!({"name": "Mine"}))
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
            app.put_branding_file(&user, b.id, "x.txt", None, b"x")
                .await,
        ),
        ("delete file", app.delete(&file, &user).await),
    ] {
        assert_eq!(response.status(), 403, "{what}");
        assert_eq!(error_body(response).await.code, "forbidden", "{what}");
    }
    b_with_file(&app, &admin, b.id).await;
    for read in [routes::BRANDINGS.to_string(), path.clone(), file] {
        assert_eq!(app.get(&read, &user).await.status(), 200, "{read}");
    }

    // A User pins a catalog firmware release and the branding on phones.
    app.load_sample_firmware().await;
    let add = json!({"macs": ["00:15:65:00:00:01"], "branding_id": b.id, "firmware": "66.86.0.15"});
    let response = app.post(routes::PHONES, &user, &add).await;
    assert_eq!(
        response.status(),
        200,
        "a User assigns a branding to phones"
    );
    assert_eq!(app.branding(&user, b.id).await.phone_count, 1);
    let phone: rcs_shared::Phone = app
        .get(&routes::phone("001565000001"), &user)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(phone.branding_id, Some(b.id));
    assert_eq!(phone.firmware.as_deref(), Some("66.86.0.15"));
    let unknown = json!({"macs": ["00:15:65:00:00:02"], "branding_id": b.id + 1000});
    let response = app.post(routes::PHONES, &user, &unknown).await;
    assert_eq!(response.status(), 422);
    assert_eq!(error_body(response).await.code, "unknown_branding");
}

/// The branding as the admin sees it; the forbidden writes above must have left it as is.
async fn b_with_file(app: &TestApp, token: &str, id: i64) -> Branding {
    let b = app.branding(token, id).await;
    assert_eq!(b.files.len(), 1);
    assert_eq!(b.name, "Acme");
    b
}

async fn phones_without_a_branding_of_their_own_receive_the_accounts_default(engine: Engine) {
    let app = spawn_app(engine).await;
    let (acme, token) = app.admin_of("Acme").await;
    let effective = |id: Option<i64>| {
        let db = app.db.clone();
        async move {
            internals::effective_branding_for_phone(&db, acme, id)
                .await
                .unwrap()
                .map(|(row, _)| row.name)
        }
    };
    assert_eq!(effective(None).await, None, "no default yet");
    let blue = app.create_branding(&token, "Blue", true).await;
    assert!(blue.is_default);
    let red = app.create_branding(&token, "Red", false).await;
    assert_eq!(
        app.put_branding_file(&token, blue.id, "logo.png", None, PNG)
            .await
            .status(),
        200
    );
    let (row, files) = internals::effective_branding_for_phone(&app.db, acme, None)
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
    let path = routes::branding(red.id);
    let red_now: Branding = app
        .patch(&path, &token, &json!({"is_default": true}))
        .await
        .json()
        .await
        .unwrap();
    assert!(red_now.is_default);
    assert!(!app.branding(&token, blue.id).await.is_default);
    assert_eq!(effective(None).await.as_deref(), Some("Red"));
    let green = app.create_branding(&token, "Green", true).await;
    let listed: Vec<Branding> = app
        .get(routes::BRANDINGS, &token)
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
    let path = routes::branding(green.id);
    assert_eq!(
        app.patch(&path, &token, &json!({"is_default": false}))
            .await
            .status(),
        200
    );
    assert_eq!(effective(None).await, None, "no default any more");
    // Another account's branding is never a phone's, and never its default.
    let (_, other) = app.admin_of("Other").await;
    let foreign = app.create_branding(&other, "Theirs", true).await;
    assert_eq!(effective(Some(foreign.id)).await, None);
}

async fn deleting_a_branding_phones_use_is_refused_with_the_count_unless_forced(engine: Engine) {
    let app = spawn_app(engine).await;
    let (acme, token) = app.admin_of("Acme").await;
    let b = app.create_branding(&token, "Acme", false).await;
    assert_eq!(
        app.put_branding_file(&token, b.id, "logo.png", None, PNG)
            .await
            .status(),
        200
    );
    insert_phone(&app, "001565000001", acme, Some(b.id)).await;
    insert_phone(&app, "001565000002", acme, Some(b.id)).await;
    insert_phone(&app, "001565000003", acme, None).await;
    assert_eq!(app.branding(&token, b.id).await.phone_count, 2);

    let path = routes::branding(b.id);
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
    let (_, acme) = app.admin_of("Acme").await;
    let (_, globex) = app.admin_of("Globex").await;
    let theirs = app.create_branding(&globex, "Globex", false).await;
    assert_eq!(
        app.put_branding_file(&globex, theirs.id, "logo.png", None, PNG)
            .await
            .status(),
        200
    );
    app.create_branding(&acme, "Globex", false).await; // names are per account

    let path = routes::branding(theirs.id);
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
            app.put_branding_file(&acme, theirs.id, "x.txt", None, b"x")
                .await,
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
        .get(routes::BRANDINGS, &acme)
        .await
        .json()
        .await
        .unwrap();
    assert!(listed.iter().all(|b| b.id != theirs.id));
    let add = json!({"macs": ["00:15:65:00:00:09"], "branding_id": theirs.id});
    let response = app.post(routes::PHONES, &acme, &add).await;
    assert_eq!(error_body(response).await.code, "unknown_branding");
    let after = app.branding(&globex, theirs.id).await;
    assert_eq!(
        (after.name.as_str(), after.is_default, after.files.len()),
        ("Globex", false, 1)
    );
}
