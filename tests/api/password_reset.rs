//! Password recovery by email, with mail delivered over SMTP to a server in the test.

use std::time::{Duration, Instant};

use rcs_shared::{ApiError, PasswordResetAccepted, RESET_REQUESTED_MESSAGE};
use serde_json::json;

use crate::helpers::mail::{spawn_app_with_mail, ReceivedMail};
use crate::helpers::routes;
use crate::helpers::{error_body, random_hex, spawn_app_with, Engine, TestApp, PASSWORD};
use crate::on_both_engines;

on_both_engines!(
    known_and_unknown_emails_get_the_same_answer,
    the_mailed_link_sets_a_new_password_once,
    an_expired_link_is_refused,
    a_newer_request_invalidates_the_older_link,
    changing_the_password_otherwise_voids_a_pending_link,
    a_reset_ends_every_existing_session,
    reset_requests_are_throttled_per_email_and_per_client,
    a_bad_link_or_a_weak_password_gets_a_clear_answer,
    an_unreachable_smtp_server_does_not_break_the_endpoint,
    a_silent_smtp_server_does_not_slow_the_answer,
);

const NEW_PASSWORD: &str = "a brand new passphrase";

/// The token of a reset mail, checked to be one.
fn token_of(mail: &ReceivedMail) -> String {
    mail.reset_token()
        .unwrap_or_else(|| panic!("no reset link in {}", mail.data))
}

async fn pending_links(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM password_resets")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn known_and_unknown_emails_get_the_same_answer(engine: Engine) {
    let (app, smtp) = spawn_app_with_mail(engine, |_| {}).await;
    app.create_account("Acme", "admin@acme.example").await;

    let known = app.request_reset("Admin@Acme.example").await;
    let unknown = app.request_reset("nobody@acme.example").await;
    assert_eq!(known.status(), 202);
    assert_eq!(unknown.status(), 202);
    let known: PasswordResetAccepted = known.json().await.unwrap();
    let unknown: PasswordResetAccepted = unknown.json().await.unwrap();
    assert_eq!(known, unknown);
    assert_eq!(known.message, RESET_REQUESTED_MESSAGE);

    // Only the existing user gets a mail.
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails[0].to, ["admin@acme.example"]);
    assert_eq!(mails[0].from, "rcs@test.example");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.received().len(), 1);

    // Not an address at all is a plain validation error (it reveals nothing about accounts).
    let invalid = app.request_reset("not-an-address").await;
    assert_eq!(invalid.status(), 422);
    assert_eq!(error_body(invalid).await.code, "invalid_email");
}

async fn the_mailed_link_sets_a_new_password_once(engine: Engine) {
    let (app, smtp) = spawn_app_with_mail(engine, |_| {}).await;
    app.create_account("Acme", "admin@acme.example").await;

    assert_eq!(app.request_reset("admin@acme.example").await.status(), 202);
    let mail = smtp.wait_for(1).await.remove(0);
    assert_eq!(mail.subject(), "Reset your rcs password");
    assert!(mail.data.contains("text/plain"), "{}", mail.data);
    assert!(mail.data.contains("text/html"), "{}", mail.data);
    let port = app.base.rsplit(':').next().unwrap();
    let link = mail.reset_link().unwrap();
    assert!(
        link.starts_with(&format!("https://localhost:{port}/reset-password?token=")),
        "{link}"
    );
    let token = token_of(&mail);
    assert!(token.len() >= 32, "at least 128 bits: {token}");
    assert!(mail.decoded().contains("30 minutes"));

    // Only a hash of the token is stored.
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM password_resets")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_ne!(stored, token);
    assert!(!stored.contains(&token));

    assert_eq!(app.confirm_reset(&token, NEW_PASSWORD).await.status(), 204);
    assert_eq!(
        app.login("admin@acme.example", NEW_PASSWORD).await.status(),
        200
    );
    assert_eq!(
        app.login("admin@acme.example", PASSWORD).await.status(),
        401
    );

    let again = app.confirm_reset(&token, "yet another passphrase").await;
    assert_eq!(again.status(), 400);
    let again = error_body(again).await;
    assert_eq!(again.code, "invalid_reset_link");
    assert!(
        again.message.contains("no longer valid"),
        "{}",
        again.message
    );
    assert_eq!(
        app.login("admin@acme.example", NEW_PASSWORD).await.status(),
        200
    );

    // The user is told their password changed.
    let notice = smtp.wait_for(2).await.remove(1);
    assert_eq!(notice.to, ["admin@acme.example"]);
    assert_eq!(notice.subject(), "Your rcs password was changed");
    assert!(notice.reset_token().is_none());
    assert_eq!(pending_links(&app).await, 0);

    // The audit trail records the reset.
    let admin = app.token_with("admin@acme.example", NEW_PASSWORD).await;
    let audit: serde_json::Value = app.get(routes::AUDIT, &admin).await.json().await.unwrap();
    assert!(audit.to_string().contains("me.password_reset"), "{audit}");
}

async fn an_expired_link_is_refused(engine: Engine) {
    let (app, smtp) = spawn_app_with_mail(engine, |s| s.reset_token_ttl_secs = 1).await;
    app.create_account("Acme", "admin@acme.example").await;
    app.request_reset("admin@acme.example").await;
    let token = token_of(&smtp.wait_for(1).await[0]);
    assert!(smtp.received()[0].decoded().contains("1 second"));

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired = app.confirm_reset(&token, NEW_PASSWORD).await;
    assert_eq!(expired.status(), 400);
    assert_eq!(error_body(expired).await.code, "invalid_reset_link");
    assert_eq!(
        app.login("admin@acme.example", PASSWORD).await.status(),
        200
    );
}

async fn a_newer_request_invalidates_the_older_link(engine: Engine) {
    let (app, smtp) = spawn_app_with_mail(engine, |_| {}).await;
    app.create_account("Acme", "admin@acme.example").await;
    app.request_reset("admin@acme.example").await;
    let first = token_of(&smtp.wait_for(1).await[0]);
    app.request_reset("admin@acme.example").await;
    let second = token_of(&smtp.wait_for(2).await[1]);
    assert_ne!(first, second);

    let old = app.confirm_reset(&first, NEW_PASSWORD).await;
    assert_eq!(old.status(), 400);
    assert_eq!(error_body(old).await.code, "invalid_reset_link");
    assert_eq!(app.confirm_reset(&second, NEW_PASSWORD).await.status(), 204);
    assert_eq!(pending_links(&app).await, 0);
}

async fn changing_the_password_otherwise_voids_a_pending_link(engine: Engine) {
    let (app, smtp) = spawn_app_with_mail(engine, |_| {}).await;
    app.create_account("Acme", "admin@acme.example").await;
    app.request_reset("admin@acme.example").await;
    let token = token_of(&smtp.wait_for(1).await[0]);

    let session = app.token("admin@acme.example").await;
    let change = json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD});
    assert_eq!(
        app.put(routes::MY_PASSWORD, &session, &change)
            .await
            .status(),
        204
    );
    let stale = app.confirm_reset(&token, "an attacker's choice").await;
    assert_eq!(stale.status(), 400);
    assert_eq!(
        app.login("admin@acme.example", NEW_PASSWORD).await.status(),
        200
    );
}

async fn a_reset_ends_every_existing_session(engine: Engine) {
    let (app, smtp) = spawn_app_with_mail(engine, |_| {}).await;
    app.create_account("Acme", "admin@acme.example").await;
    let first = app.token("admin@acme.example").await;
    let second = app.token("admin@acme.example").await;
    assert_eq!(app.get(routes::ME, &first).await.status(), 200);

    app.request_reset("admin@acme.example").await;
    let token = token_of(&smtp.wait_for(1).await[0]);
    assert_eq!(app.confirm_reset(&token, NEW_PASSWORD).await.status(), 204);

    for old in [&first, &second] {
        let rejected = app.get(routes::ME, old).await;
        assert_eq!(rejected.status(), 401);
        assert_eq!(error_body(rejected).await.code, "invalid_token");
    }
    let fresh = app.token_with("admin@acme.example", NEW_PASSWORD).await;
    assert_eq!(app.get(routes::ME, &fresh).await.status(), 200);
}

async fn reset_requests_are_throttled_per_email_and_per_client(engine: Engine) {
    let (app, smtp) = spawn_app_with_mail(engine, |s| {
        s.reset_max_requests_per_email = 2;
        s.reset_max_requests_per_client = 4;
    })
    .await;
    app.create_account("Acme", "admin@acme.example").await;

    for _ in 0..2 {
        assert_eq!(app.request_reset("admin@acme.example").await.status(), 202);
    }
    let throttled = app.request_reset("ADMIN@acme.example").await;
    assert_eq!(throttled.status(), 429);
    let retry_after = crate::helpers::retry_after(&throttled);
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_eq!(error_body(throttled).await.code, "too_many_requests");

    // Unknown addresses count the same, so the client soon hits its own limit.
    for i in 0..2 {
        let status = app
            .request_reset(&format!("guess{i}@acme.example"))
            .await
            .status();
        assert_eq!(status, 202, "attempt {i}");
    }
    assert_eq!(app.request_reset("guess9@acme.example").await.status(), 429);

    // Two requests went through for the real user: two mails, no more.
    smtp.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.received().len(), 2);
}

async fn a_bad_link_or_a_weak_password_gets_a_clear_answer(engine: Engine) {
    let (app, smtp) = spawn_app_with_mail(engine, |_| {}).await;
    app.create_account("Acme", "admin@acme.example").await;
    for token in [
        random_hex(32),
        "short".into(),
        String::new(),
        "é".repeat(40),
    ] {
        let refused = app.confirm_reset(&token, NEW_PASSWORD).await;
        assert_eq!(refused.status(), 400, "{token:?}");
        let body: ApiError = refused.json().await.unwrap();
        assert_eq!(body.code, "invalid_reset_link");
    }

    app.request_reset("admin@acme.example").await;
    let token = token_of(&smtp.wait_for(1).await[0]);
    let weak = app.confirm_reset(&token, "short").await;
    assert_eq!(weak.status(), 422);
    assert_eq!(error_body(weak).await.code, "invalid_password");
    // The link survives a rejected password.
    assert_eq!(app.confirm_reset(&token, NEW_PASSWORD).await.status(), 204);

    let missing = app
        .client
        .post(app.url(routes::PASSWORD_RESET_CONFIRM))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    assert_eq!(error_body(missing).await.code, "invalid_json");
}

async fn an_unreachable_smtp_server_does_not_break_the_endpoint(engine: Engine) {
    // A port nobody listens on: connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_app_with(engine, |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into())
    })
    .await;
    app.create_account("Acme", "admin@acme.example").await;

    let answer = app.request_reset("admin@acme.example").await;
    assert_eq!(answer.status(), 202);
    let answer: PasswordResetAccepted = answer.json().await.unwrap();
    assert_eq!(answer.message, RESET_REQUESTED_MESSAGE);
    // The link was issued even though its mail could not go out.
    let deadline = Instant::now() + Duration::from_secs(10);
    while pending_links(&app).await == 0 {
        assert!(Instant::now() < deadline, "no reset link stored");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A second request still answers, and so does the rest of the API.
    assert_eq!(app.request_reset("admin@acme.example").await.status(), 202);
    assert_eq!(
        app.login("admin@acme.example", PASSWORD).await.status(),
        200
    );
}

async fn a_silent_smtp_server_does_not_slow_the_answer(engine: Engine) {
    // Accepts connections and never says a word, like a hung mail server.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hung = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let app = spawn_app_with(engine, |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into())
    })
    .await;
    app.create_account("Acme", "admin@acme.example").await;

    for _ in 0..3 {
        let started = Instant::now();
        assert_eq!(app.request_reset("admin@acme.example").await.status(), 202);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
    hung.abort();
}
