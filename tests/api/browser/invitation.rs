//! A new user's invitation in a real browser, with mail through a real SMTP server in the test:
//! the Super User adds the user without typing a password, the user opens the mailed link,
//! is refused a common password, chooses a good one and logs in.

use serde_json::Value;

use crate::helpers::browser::{assert_web_ui_built, Browser};
use crate::helpers::mail::spawn_app_with_mail;
use crate::helpers::{Engine, PASSWORD};

crate::on_both_engines!(a_super_user_invites_a_user_who_chooses_a_password_from_the_mail);

async fn a_super_user_invites_a_user_who_chooses_a_password_from_the_mail(engine: Engine) {
    assert_web_ui_built();
    let Some(browser) = Browser::start().await else {
        return;
    };
    let (app, smtp) = spawn_app_with_mail(engine, |_| {}).await;
    app.create_account("Acme Telecom", "admin@acme.example")
        .await;
    browser.resize(1280, 900).await;
    browser.log_in(&app, "admin@acme.example", PASSWORD).await;
    browser.click("#nav-users").await;
    browser.click("#user-add").await;
    browser.type_into("#user-email", "new@acme.example").await;
    browser.type_into("#user-name", "New Staff").await;
    // Inviting is the default: no password field at all.
    let invite = browser.find("#user-invite").await;
    let checked = browser
        .call(
            reqwest::Method::GET,
            &format!("/element/{invite}/property/checked"),
            Value::Null,
        )
        .await;
    assert_eq!(checked, Value::Bool(true));
    browser.wait_gone("#user-password").await;
    browser.click("#user-save").await;
    browser
        .wait_text("#users-notice", |t| {
            t == "User new@acme.example added; an invitation was sent to that address."
        })
        .await;
    let mail = smtp.wait_for(1).await.remove(0);
    assert_eq!(mail.to, ["new@acme.example"]);
    assert!(mail.decoded().contains("welcome=1"));
    let token = mail.reset_token().expect("a link in the mail");
    browser.log_out().await;

    browser
        .goto(&app.url(&format!("/reset-password?token={token}&welcome=1")))
        .await;
    browser
        .wait_text("#reset-title", |t| t == "Welcome: choose your password")
        .await;
    for field in ["#new-password", "#confirm-password"] {
        browser.type_into(field, "Password1234!").await;
    }
    browser.click("#reset-submit").await;
    browser
        .wait_text("#reset-error", |t| t.contains("too common"))
        .await;
    let chosen = "four unrelated words here";
    for field in ["#new-password", "#confirm-password"] {
        browser.clear(field).await;
        browser.type_into(field, chosen).await;
    }
    browser.click("#reset-submit").await;
    browser
        .wait_text("#reset-message", |t| {
            t.contains("password has been changed")
        })
        .await;
    browser.type_into("#username", "new@acme.example").await;
    browser.type_into("#password", chosen).await;
    browser.click("#login-button").await;
    browser
        .wait_text("#account-name", |t| t == "Acme Telecom")
        .await;
    let _ = browser.call(reqwest::Method::DELETE, "", Value::Null).await;
}
