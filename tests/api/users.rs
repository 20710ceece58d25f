//! Users: a Super User adds, changes and deletes the account's users; everyone edits their own
//! preferences and password.

use rcs_shared::{Role, User};
use serde_json::json;

use crate::helpers::routes;
use crate::helpers::{error_body, spawn_app, Engine, TestApp, PASSWORD};
use crate::on_both_engines;

on_both_engines!(
    a_super_user_adds_users_and_super_users_who_can_then_log_in,
    usernames_are_unique_platform_wide_and_never_change,
    changing_a_users_role_or_password_ends_their_sessions_but_renaming_does_not,
    deleting_a_user_ends_their_sessions_and_nobody_deletes_themselves,
    the_last_super_user_cannot_be_demoted,
    a_user_gets_403_on_every_user_route,
    accounts_cannot_see_or_touch_each_others_users,
    users_edit_their_own_name_address_and_phone_numbers,
    changing_ones_password_checks_the_current_one_and_ends_only_the_other_sessions,
);

const NEW_PASSWORD: &str = "another long passphrase";

/// Account "Acme" with Super User admin@acme.example, logged in.
async fn acme(app: &TestApp) -> (i64, String) {
    let (id, _) = app.create_account("Acme", "admin@acme.example").await;
    (id, app.token("admin@acme.example").await)
}

async fn a_super_user_adds_users_and_super_users_who_can_then_log_in(engine: Engine) {
    let app = spawn_app(engine).await;
    let (account_id, admin) = acme(&app).await;

    let staff = app
        .create_user(&admin, " Staff@Acme.example ", "user")
        .await;
    assert_eq!(staff.email, "staff@acme.example");
    assert_eq!(staff.role, Role::User);
    assert_eq!(staff.name, "Sam");
    assert_eq!(
        (staff.account_id, staff.account_name.as_str()),
        (account_id, "Acme")
    );
    let boss = app
        .create_user(&admin, "boss@acme.example", "super_user")
        .await;
    assert_eq!(boss.role, Role::SuperUser);

    let token = app.token("staff@acme.example").await;
    let me: User = app.get(routes::ME, &token).await.json().await.unwrap();
    assert_eq!(me, staff);
    let read: User = app
        .get(&routes::user(boss.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read, boss);

    for (body, code) in [
        (
            json!({"email": "not-an-email", "password": PASSWORD, "role": "user"}),
            "invalid_email",
        ),
        (
            json!({"email": "x@acme.example", "password": "short", "role": "user"}),
            "invalid_password",
        ),
        (
            json!({"email": "x@acme.example", "password": PASSWORD, "role": "user", "name": "n".repeat(101)}),
            "invalid_name",
        ),
    ] {
        let response = app.post(routes::USERS, &admin, &body).await;
        assert_eq!(response.status(), 422, "{body}");
        assert_eq!(error_body(response).await.code, code);
    }
    let bad_role = app
        .post(
            routes::USERS,
            &admin,
            &json!({"email": "x@acme.example", "password": PASSWORD, "role": "root"}),
        )
        .await;
    assert_eq!(bad_role.status(), 400);
}

async fn usernames_are_unique_platform_wide_and_never_change(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, admin) = acme(&app).await;
    app.create_account("Other", "admin@other.example").await;
    let other = app.token("admin@other.example").await;
    let staff = app.create_user(&admin, "staff@acme.example", "user").await;

    for (token, email) in [
        (&admin, "STAFF@acme.example"),
        (&other, "staff@acme.example"),
        (&admin, "admin@other.example"),
    ] {
        let response = app
            .post(
                routes::USERS,
                token,
                &json!({"email": email, "password": PASSWORD, "role": "user"}),
            )
            .await;
        assert_eq!(response.status(), 409, "{email}");
        assert_eq!(error_body(response).await.code, "username_taken");
    }

    let path = routes::user(staff.id);
    let rename = app
        .patch(
            &path,
            &admin,
            &json!({"email": "new@acme.example", "name": "X"}),
        )
        .await;
    assert_eq!(rename.status(), 422);
    assert_eq!(error_body(rename).await.code, "username_immutable");
    let unchanged: User = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(unchanged, staff, "nothing of a refused change is applied");
}

async fn changing_a_users_role_or_password_ends_their_sessions_but_renaming_does_not(
    engine: Engine,
) {
    let app = spawn_app(engine).await;
    let (_, admin) = acme(&app).await;
    let staff = app.create_user(&admin, "staff@acme.example", "user").await;
    let path = routes::user(staff.id);

    let token = app.token("staff@acme.example").await;
    let renamed = app.patch(&path, &admin, &json!({"name": "Samantha"})).await;
    assert_eq!(renamed.status(), 200);
    assert_eq!(renamed.json::<User>().await.unwrap().name, "Samantha");
    assert_eq!(app.get(routes::ME, &token).await.status(), 200);

    let promoted = app
        .patch(&path, &admin, &json!({"role": "super_user"}))
        .await;
    assert_eq!(promoted.status(), 200);
    assert_eq!(promoted.json::<User>().await.unwrap().role, Role::SuperUser);
    assert_eq!(app.get(routes::ME, &token).await.status(), 401);
    let token = app.token("staff@acme.example").await;
    assert_eq!(app.get(routes::USERS, &token).await.status(), 200);

    let short = app
        .patch(&path, &admin, &json!({"password": "short"}))
        .await;
    assert_eq!(short.status(), 422);
    assert_eq!(error_body(short).await.code, "invalid_password");
    assert_eq!(app.get(routes::ME, &token).await.status(), 200);

    let changed = app
        .patch(&path, &admin, &json!({"password": NEW_PASSWORD}))
        .await;
    assert_eq!(changed.status(), 200);
    assert_eq!(app.get(routes::ME, &token).await.status(), 401);
    assert_eq!(
        app.login("staff@acme.example", PASSWORD).await.status(),
        401
    );
    assert_eq!(
        app.login("staff@acme.example", NEW_PASSWORD).await.status(),
        200
    );
    // The Super User who made the changes is still logged in.
    assert_eq!(app.get(routes::ME, &admin).await.status(), 200);
}

async fn deleting_a_user_ends_their_sessions_and_nobody_deletes_themselves(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, admin) = acme(&app).await;
    let staff = app.create_user(&admin, "staff@acme.example", "user").await;
    let token = app.token("staff@acme.example").await;

    let path = routes::user(staff.id);
    assert_eq!(app.delete(&path, &admin).await.status(), 204);
    assert_eq!(app.get(routes::ME, &token).await.status(), 401);
    assert_eq!(
        app.login("staff@acme.example", PASSWORD).await.status(),
        401
    );
    assert_eq!(app.get(&path, &admin).await.status(), 404);
    assert_eq!(app.delete(&path, &admin).await.status(), 404);

    let me: User = app.get(routes::ME, &admin).await.json().await.unwrap();
    let myself = app.delete(&routes::user(me.id), &admin).await;
    assert_eq!(myself.status(), 409);
    assert_eq!(error_body(myself).await.code, "cannot_delete_self");

    // Another Super User may delete this one.
    app.create_user(&admin, "boss@acme.example", "super_user")
        .await;
    let boss = app.token("boss@acme.example").await;
    let deleted = app.delete(&routes::user(me.id), &boss).await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(app.get(routes::ME, &admin).await.status(), 401);
}

async fn the_last_super_user_cannot_be_demoted(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, admin) = acme(&app).await;
    let me: User = app.get(routes::ME, &admin).await.json().await.unwrap();
    let my_path = routes::user(me.id);

    let demote = app.patch(&my_path, &admin, &json!({"role": "user"})).await;
    assert_eq!(demote.status(), 409);
    let body = error_body(demote).await;
    assert_eq!(body.code, "last_super_user");
    let still: User = app.get(&my_path, &admin).await.json().await.unwrap();
    assert_eq!(still.role, Role::SuperUser);
    // Keeping the role is no demotion.
    let same = app
        .patch(&my_path, &admin, &json!({"role": "super_user"}))
        .await;
    assert_eq!(same.status(), 200);

    // With a second Super User, one may step down; then the other is the last one.
    let boss = app
        .create_user(&admin, "boss@acme.example", "super_user")
        .await;
    let stepped_down = app.patch(&my_path, &admin, &json!({"role": "user"})).await;
    assert_eq!(stepped_down.status(), 200);
    assert_eq!(stepped_down.json::<User>().await.unwrap().role, Role::User);
    // The change applies to the caller's own session at once.
    assert_eq!(app.get(routes::USERS, &admin).await.status(), 403);

    let boss_token = app.token("boss@acme.example").await;
    let boss_path = routes::user(boss.id);
    let last = app
        .patch(&boss_path, &boss_token, &json!({"role": "user"}))
        .await;
    assert_eq!(last.status(), 409);
    assert_eq!(error_body(last).await.code, "last_super_user");
    let last = app.delete(&boss_path, &boss_token).await;
    assert_eq!(last.status(), 409);
}

async fn a_user_gets_403_on_every_user_route(engine: Engine) {
    let app = spawn_app(engine).await;
    let (account_id, admin) = acme(&app).await;
    let staff_id = app
        .add_user(account_id, "staff@acme.example", Role::User)
        .await;
    let token = app.token("staff@acme.example").await;
    let me: User = app.get(routes::ME, &admin).await.json().await.unwrap();

    let path = routes::user(me.id);
    let own = routes::user(staff_id);
    let new_user = json!({"email": "x@acme.example", "password": PASSWORD, "role": "super_user"});
    let responses = [
        app.get(routes::USERS, &token).await,
        app.post(routes::USERS, &token, &new_user).await,
        app.get(&path, &token).await,
        app.patch(&path, &token, &json!({"role": "user"})).await,
        app.patch(&own, &token, &json!({"role": "super_user"}))
            .await,
        app.delete(&path, &token).await,
        app.get(routes::AUDIT, &token).await,
    ];
    for (i, response) in responses.into_iter().enumerate() {
        assert_eq!(response.status(), 403, "call {i}");
        assert_eq!(error_body(response).await.code, "forbidden");
    }
    let admin_now: User = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(admin_now, me);
    assert_eq!(app.login("x@acme.example", PASSWORD).await.status(), 401);
}

async fn accounts_cannot_see_or_touch_each_others_users(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, admin) = acme(&app).await;
    let (_, other_admin_id) = app.create_account("Other", "admin@other.example").await;
    let other = app.token("admin@other.example").await;
    let theirs = app.create_user(&other, "staff@other.example", "user").await;

    for id in [theirs.id, other_admin_id] {
        let path = routes::user(id);
        let read = app.get(&path, &admin).await;
        assert_eq!(read.status(), 404);
        assert_eq!(error_body(read).await.code, "user_not_found");
        let patch = app
            .patch(
                &path,
                &admin,
                &json!({"role": "user", "password": NEW_PASSWORD}),
            )
            .await;
        assert_eq!(patch.status(), 404);
        assert_eq!(app.delete(&path, &admin).await.status(), 404);
    }
    assert_eq!(app.get(routes::ME, &other).await.status(), 200);
    assert_eq!(
        app.login("staff@other.example", PASSWORD).await.status(),
        200
    );

    let listed: Vec<User> = app.get(routes::USERS, &admin).await.json().await.unwrap();
    let emails: Vec<String> = listed.into_iter().map(|u| u.email).collect();
    assert_eq!(emails, ["admin@acme.example"]);
}

async fn users_edit_their_own_name_address_and_phone_numbers(engine: Engine) {
    let app = spawn_app(engine).await;
    let (account_id, _) = acme(&app).await;
    app.add_user(account_id, "staff@acme.example", Role::User)
        .await;
    let token = app.token("staff@acme.example").await;

    let body = json!({
        "name": " Sam Staff ",
        "address": "1 Main St\nSpringfield",
        "phone1": "+1 (555) 010-0000",
        "phone2": "030.1234.5678",
    });
    let updated = app.patch(routes::ME, &token, &body).await;
    assert_eq!(updated.status(), 200);
    let updated: User = updated.json().await.unwrap();
    assert_eq!(updated.name, "Sam Staff");
    assert_eq!(updated.address, "1 Main St\nSpringfield");
    assert_eq!(updated.phone1, "+1 (555) 010-0000");
    assert_eq!(updated.phone2, "030.1234.5678");
    assert_eq!(updated.email, "staff@acme.example");
    let me: User = app.get(routes::ME, &token).await.json().await.unwrap();
    assert_eq!(me, updated);

    let cleared: User = app
        .patch(routes::ME, &token, &json!({"phone2": ""}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (cleared.phone2.as_str(), cleared.name.as_str()),
        ("", "Sam Staff")
    );

    for (body, code, field) in [
        (json!({"name": "n".repeat(101)}), "invalid_name", "Name"),
        (
            json!({"address": "a".repeat(201)}),
            "invalid_address",
            "Address",
        ),
        (json!({"phone1": "12"}), "invalid_phone_number", "Phone 1"),
        (
            json!({"phone2": "call me maybe"}),
            "invalid_phone_number",
            "Phone 2",
        ),
        (
            json!({"phone2": "1".repeat(33)}),
            "invalid_phone_number",
            "Phone 2",
        ),
    ] {
        let response = app.patch(routes::ME, &token, &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let error = error_body(response).await;
        assert_eq!(error.code, code);
        assert!(error.message.starts_with(field), "{}", error.message);
    }
    let me: User = app.get(routes::ME, &token).await.json().await.unwrap();
    assert_eq!(me, cleared, "refused changes stored nothing");
}

async fn changing_ones_password_checks_the_current_one_and_ends_only_the_other_sessions(
    engine: Engine,
) {
    let app = spawn_app(engine).await;
    let (account_id, _) = acme(&app).await;
    app.add_user(account_id, "staff@acme.example", Role::User)
        .await;
    let here = app.token("staff@acme.example").await;
    let elsewhere = app.token("staff@acme.example").await;
    let admin = app.token("admin@acme.example").await;

    let wrong = app
        .put(
            routes::MY_PASSWORD,
            &here,
            &json!({"current_password": "not it at all", "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(error_body(wrong).await.code, "wrong_current_password");
    let short = app
        .put(
            routes::MY_PASSWORD,
            &here,
            &json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!(short.status(), 422);
    assert_eq!(error_body(short).await.code, "invalid_password");
    assert_eq!(app.get(routes::ME, &elsewhere).await.status(), 200);

    let changed = app
        .put(
            routes::MY_PASSWORD,
            &here,
            &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(changed.status(), 204);
    assert_eq!(app.get(routes::ME, &here).await.status(), 200);
    assert_eq!(app.get(routes::ME, &elsewhere).await.status(), 401);
    assert_eq!(
        app.get(routes::ME, &admin).await.status(),
        200,
        "other users unaffected"
    );
    assert_eq!(
        app.login("staff@acme.example", PASSWORD).await.status(),
        401
    );
    assert_eq!(
        app.login("staff@acme.example", NEW_PASSWORD).await.status(),
        200
    );
}
