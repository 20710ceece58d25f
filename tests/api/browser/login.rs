//! Logging in and out, and resetting a forgotten password through the emailed link, in a
//! real browser.

use serde_json::{json, Value};

use crate::helpers::browser::{acme_in_a_browser, assert_web_ui_built, Browser};
use crate::helpers::mail::spawn_app_with_mail;
use crate::helpers::{Engine, PASSWORD};

#[tokio::test]
async fn a_user_logs_in_and_out_through_the_web_page() {
    let Some((browser, app, _)) = acme_in_a_browser().await else {
        return;
    };

    browser.goto(&app.url("/")).await;
    browser.type_into("#username", "admin@acme.example").await;
    browser.type_into("#password", "wrong password").await;
    browser.click("#login-button").await;
    browser
        .wait_text("#login-error", |t| t == "Invalid username or password.")
        .await;

    browser.goto(&app.url("/")).await;
    browser.type_into("#username", "admin@acme.example").await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("#login-button").await;
    browser
        .wait_text("#account-name", |t| t == "Acme Telecom")
        .await;
    browser
        .wait_text("#logged-in-as", |t| {
            t.contains("admin@acme.example (Super User)")
        })
        .await;

    browser.click("#logout-button").await;
    browser
        .wait_text("#logout-message", |t| t == "Logout Successful.")
        .await;
    // The token the page held is revoked server-side, not just forgotten.
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    browser.find("#username").await;
    let _ = browser.call(reqwest::Method::DELETE, "", Value::Null).await;
}

#[tokio::test]
async fn a_user_resets_a_forgotten_password_through_the_emailed_link() {
    assert_web_ui_built();
    let Some(browser) = Browser::start().await else {
        return;
    };
    let (app, smtp) = spawn_app_with_mail(Engine::Sqlite, |_| {}).await;
    app.create_account("Acme Telecom", "admin@acme.example")
        .await;

    browser.goto(&app.url("/")).await;
    browser.type_into("#username", "admin@acme.example").await;
    browser.click("#forgot-link").await;
    // The username typed so far carries over; the answer is the neutral one.
    browser.click("#forgot-submit").await;
    browser
        .wait_text("#forgot-message", |t| {
            t == "If the account exists, an email with a link has been sent."
        })
        .await;

    let mail = smtp.wait_for(1).await.remove(0);
    assert_eq!(mail.to, ["admin@acme.example"]);
    let link = mail.reset_link().expect("a reset link in the mail");
    // The link names the configured public address; the browser opens the same path here.
    let path = &link[link.find("/reset-password").unwrap()..];
    browser.goto(&app.url(path)).await;
    let new_password = "a brand new passphrase";
    browser.type_into("#new-password", new_password).await;
    browser
        .type_into("#confirm-password", "a different passphrase")
        .await;
    browser.click("#reset-submit").await;
    browser
        .wait_text("#reset-error", |t| t == "The passwords do not match.")
        .await;
    let confirm = browser.find("#confirm-password").await;
    browser
        .call(
            reqwest::Method::POST,
            &format!("/element/{confirm}/clear"),
            json!({}),
        )
        .await;
    browser.type_into("#confirm-password", new_password).await;
    browser.click("#reset-submit").await;
    browser
        .wait_text("#reset-message", |t| {
            t.contains("password has been changed")
        })
        .await;

    browser.type_into("#username", "admin@acme.example").await;
    browser.type_into("#password", new_password).await;
    browser.click("#login-button").await;
    browser
        .wait_text("#account-name", |t| t == "Acme Telecom")
        .await;

    // The same link a second time: the page says it is no longer valid.
    browser.goto(&app.url(path)).await;
    browser
        .type_into("#new-password", "third passphrase!")
        .await;
    browser
        .type_into("#confirm-password", "third passphrase!")
        .await;
    browser.click("#reset-submit").await;
    browser
        .wait_text("#reset-error", |t| t.contains("no longer valid"))
        .await;
    let _ = browser.call(reqwest::Method::DELETE, "", Value::Null).await;
}
