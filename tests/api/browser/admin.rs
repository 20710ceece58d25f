//! The account screens in a real browser: brandings (created by a Super User, read-only for
//! a User), users, preferences, password change, the role-dependent menu, and a lost
//! session returning to the login page.

use crate::helpers::browser::acme_in_a_browser;
use crate::helpers::routes;
use crate::helpers::PASSWORD;

#[tokio::test]
async fn a_super_user_manages_brandings_and_users_that_a_user_only_sees() {
    let Some((browser, app, _)) = acme_in_a_browser().await else {
        return;
    };
    browser.resize(1280, 900).await;
    browser.log_in(&app, "admin@acme.example", PASSWORD).await;
    browser.find("#nav-users").await;

    // Create a branding, upload a logo with a preview, and see it in the list. The logo is
    // a picture of the page: any real PNG does, and this one is big enough to see.
    browser.resize(480, 320).await;
    let dir = tempfile::tempdir().unwrap();
    let logo = dir.path().join("logo.png");
    std::fs::write(&logo, browser.png().await).unwrap();
    browser.resize(1280, 900).await;
    browser.click("#nav-brandings").await;
    browser.click("#branding-create").await;
    browser.type_into("#branding-name", "Acme Blue").await;
    browser.click("#branding-default").await;
    browser.click("#branding-create-submit").await;
    browser.find("#branding-editor").await;
    browser
        .type_into("#branding-file", logo.to_str().unwrap())
        .await;
    browser.find("#branding-file-preview").await;
    assert_eq!(browser.value("#branding-file-name").await, "logo.png");
    browser.screenshot("branding-editor").await;
    browser.click("#branding-upload").await;
    browser
        .wait_text("#branding-files", |t| t.contains("logo.png"))
        .await;
    browser.find("#branding-files img.thumb").await;
    browser.click("#branding-editor-done").await;
    browser
        .wait_text("#brandings-table", |t| {
            t.contains("Acme Blue") && t.contains("Default") && t.contains("logo.png")
        })
        .await;
    browser.screenshot("brandings").await;

    // Add a User with a password.
    browser.click("#nav-users").await;
    browser.click("#user-add").await;
    browser.type_into("#user-email", "staff@acme.example").await;
    browser.type_into("#user-name", "Sam Staff").await;
    // (An invitation by mail is the default; this Super User sets the password instead.)
    browser.click("#user-invite").await;
    browser
        .type_into("#user-password", "staff password 1")
        .await;
    browser.choose("#user-role", "User").await;
    browser.click("#user-save").await;
    browser
        .wait_text("#users-table", |t| {
            t.contains("staff@acme.example") && t.contains("Sam Staff")
        })
        .await;
    browser.screenshot("users").await;

    // Preferences: a bad phone number is shown at its field; a good one is saved.
    browser.click("#nav-preferences").await;
    browser.clear("#pref-name").await;
    browser.type_into("#pref-name", "Ada Admin").await;
    browser.type_into("#pref-phone1", "call me").await;
    browser.click("#preferences-save").await;
    browser
        .wait_text("#pref-phone1-error", |t| !t.is_empty())
        .await;
    browser.clear("#pref-phone1").await;
    browser.type_into("#pref-phone1", "+1 555 010 0000").await;
    browser
        .type_into("#pref-address", "1 Main St, Springfield")
        .await;
    browser.click("#preferences-save").await;
    browser
        .wait_text("#preferences-saved", |t| t.contains("saved"))
        .await;
    let token = app.token("admin@acme.example").await;
    let me: rcs_shared::User = app.get(routes::ME, &token).await.json().await.unwrap();
    assert_eq!(
        (me.name.as_str(), me.phone1.as_str(), me.address.as_str()),
        ("Ada Admin", "+1 555 010 0000", "1 Main St, Springfield")
    );
    browser.screenshot("preferences").await;

    // Change Password: a wrong current password is reported at that field.
    browser.click("#nav-password").await;
    browser
        .type_into("#current-password", "not my password")
        .await;
    browser
        .type_into("#new-password", "another passphrase")
        .await;
    browser
        .type_into("#confirm-password", "another passphrase")
        .await;
    browser.click("#password-save").await;
    browser
        .wait_text("#current-password-error", |t| t.contains("not correct"))
        .await;
    browser.log_out().await;

    // The User: no Users menu, brandings listed read-only.
    browser
        .log_in(&app, "staff@acme.example", "staff password 1")
        .await;
    browser.find("#nav-brandings").await;
    browser.wait_gone("#nav-users").await;
    browser.click("#nav-brandings").await;
    browser
        .wait_text("#brandings-table", |t| t.contains("Acme Blue"))
        .await;
    browser.find("#brandings-read-only").await;
    browser.wait_gone("#branding-create").await;
    browser.wait_gone("#brandings-table button").await;
    browser.screenshot("brandings-as-user").await;
    browser.goto(&app.url("/#/users")).await;
    browser
        .wait_text("main h2", |t| t == "Page not found")
        .await;

    // A session ended elsewhere (here: every session row deleted) returns to the login page.
    sqlx::query("DELETE FROM sessions")
        .execute(&app.db.pool)
        .await
        .unwrap();
    browser.click("#nav-servers").await;
    browser
        .wait_text("#expired-message", |t| t.contains("log in again"))
        .await;

    browser
        .log_in(&app, "staff@acme.example", "staff password 1")
        .await;
    browser.log_out().await;
    browser.quit().await;
}

/// Servers and users are edited and deleted through their dialogs: renaming a server, deleting
/// one that phones use with the reassign choice, promoting a User and setting their password,
/// and deleting them.
#[tokio::test]
async fn a_super_user_edits_and_deletes_servers_and_users() {
    use serde_json::{json, Value};
    let Some((browser, app, _)) = acme_in_a_browser().await else {
        return;
    };
    let token = app.token("admin@acme.example").await;
    for (name, url) in [
        ("Main PBX", "https://pbx.acme.example/cfg/"),
        ("Backup PBX", "https://backup.acme.example/cfg/"),
    ] {
        let r = app
            .post(routes::SERVERS, &token, &json!({"name": name, "url": url}))
            .await;
        assert_eq!(r.status(), 201);
    }
    let servers: Vec<Value> = app.get(routes::SERVERS, &token).await.json().await.unwrap();
    let main = servers.iter().find(|s| s["name"] == "Main PBX").unwrap()["id"].clone();
    let added = app
        .post(
            routes::PHONES,
            &token,
            &json!({"macs": ["00085D1A2B3C", "00085D1A2B3D"], "server_id": main}),
        )
        .await;
    assert!(added.status().is_success());
    let added = app
        .post(
            routes::USERS,
            &token,
            &json!({"email": "staff@acme.example", "password": "staff password 1", "role": "user"}),
        )
        .await;
    assert_eq!(added.status(), 201);

    browser.resize(1280, 900).await;
    browser.log_in(&app, "admin@acme.example", PASSWORD).await;

    // Rename a server in its dialog.
    browser.click("#nav-servers").await;
    browser.click("button[aria-label='Edit Main PBX']").await;
    browser.clear("#server-name").await;
    browser.type_into("#server-name", "Primary PBX").await;
    browser.click("#server-save").await;
    browser
        .wait_text("#servers-table", |t| {
            t.contains("Primary PBX") && !t.contains("Main PBX")
        })
        .await;

    // Delete it while two phones use it, moving them to the backup server.
    browser
        .click("button[aria-label='Delete Primary PBX']")
        .await;
    browser.find("#server-reassign").await;
    browser.choose("#server-reassign", "Backup PBX").await;
    browser.screenshot("server-delete").await;
    browser.click("#server-delete-confirm").await;
    browser
        .wait_text("#servers-table", |t| !t.contains("Primary PBX"))
        .await;
    let phones: rcs_shared::PhonePage = app.get(routes::PHONES, &token).await.json().await.unwrap();
    assert_eq!(phones.items.len(), 2);
    assert!(phones
        .items
        .iter()
        .all(|p| p.server_name.as_deref() == Some("Backup PBX")));

    // Promote the User and give them a new password, then delete them.
    browser.click("#nav-users").await;
    browser
        .click("button[aria-label='Edit staff@acme.example']")
        .await;
    browser.choose("#user-role", "Super User").await;
    browser
        .type_into("#user-password", "a new staff password")
        .await;
    browser.click("#user-save").await;
    browser
        .wait_text("#users-table", |t| {
            t.lines()
                .any(|l| l.contains("staff@acme.example") && l.contains("Super User"))
        })
        .await;
    let staff = app
        .token_with("staff@acme.example", "a new staff password")
        .await;
    let me: rcs_shared::User = app.get(routes::ME, &staff).await.json().await.unwrap();
    assert_eq!(me.role, rcs_shared::Role::SuperUser);
    browser
        .click("button[aria-label='Delete staff@acme.example']")
        .await;
    browser.click("#user-delete-confirm").await;
    browser
        .wait_text("#users-table", |t| !t.contains("staff@acme.example"))
        .await;
    assert_eq!(
        app.login("staff@acme.example", "a new staff password")
            .await
            .status(),
        401
    );
    browser.log_out().await;
    browser.quit().await;
}
