//! The API keys screen in a real browser: a Super User creates a key, copies its secret
//! (shown once), a script uses it, and the key is revoked after a confirmation.

use crate::helpers::browser::acme_in_a_browser;
use crate::helpers::routes;
use crate::helpers::PASSWORD;

#[tokio::test]
async fn a_super_user_creates_a_key_sees_its_secret_once_and_revokes_it() {
    let Some((browser, app, _)) = acme_in_a_browser().await else {
        return;
    };
    browser.resize(1280, 900).await;
    browser.log_in(&app, "admin@acme.example", PASSWORD).await;
    // Times follow the user's timezone, as everywhere else.
    browser.prefer_timezone("Asia/Tokyo").await;
    browser.click("#nav-api-keys").await;
    browser.click("#api-key-add").await;
    browser.type_into("#api-key-name", "inventory sync").await;
    browser.choose("#api-key-role", "User").await;
    browser.click("#api-key-save").await;
    browser.find("#api-key-secret-dialog").await;
    let secret = browser.value("#api-key-secret").await;
    assert!(secret.starts_with("rcs_"), "{secret}");
    browser.screenshot("api-key-created").await;
    assert_eq!(app.get(routes::PHONES, &secret).await.status(), 200);

    browser.click("#api-key-secret-done").await;
    browser.wait_gone("#api-key-secret-dialog").await;
    let table = browser
        .wait_text("#api-keys-table", |t| {
            t.contains("inventory sync") && t.contains("127.0.0.1")
        })
        .await;
    assert!(!table.contains(&secret[8..]), "the list shows the secret");
    assert!(table.contains("admin@acme.example"));
    let created = browser
        .text("#api-keys-table tbody tr:first-child td[data-label='Created']")
        .await;
    assert!(
        created.ends_with("GMT+9") && created.matches(':').count() == 2,
        "created in Tokyo time, to the second: {created}"
    );

    browser
        .click("button[aria-label='Revoke inventory sync']")
        .await;
    browser.click("#api-key-revoke-confirm").await;
    browser
        .wait_text("#api-keys-notice", |t| t.contains("revoked"))
        .await;
    browser.screenshot("api-keys").await;
    assert_eq!(app.get(routes::PHONES, &secret).await.status(), 401);
}
