//! New users are invited by mail (over SMTP to a server in the test) to choose their own
//! password, and passwords follow OWASP ASVS 5.0: 12 characters at least, no common ones.

use rcs_shared::User;
use serde_json::json;

use crate::helpers::mail::{spawn_app_with_mail, ReceivedMail};
use crate::helpers::routes;
use crate::helpers::{error_body, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    a_user_added_without_a_password_is_invited_and_chooses_one,
    an_invitation_link_works_once_and_a_new_one_replaces_it,
    an_expired_invitation_is_refused,
    invitations_are_a_super_users_and_stay_in_the_account,
    short_and_common_passwords_are_refused_everywhere,
);

const CHOSEN: &str = "my own passphrase at last";

async fn invite(app: &TestApp, admin: &str, email: &str) -> User {
    let body = json!({"email": email, "role": "user", "name": "New Staff"});
    let response = app.post(routes::USERS, admin, &body).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

fn token_of(mail: &ReceivedMail) -> String {
    mail.reset_token()
        .unwrap_or_else(|| panic!("no link in {}", mail.data))
}

async fn a_user_added_without_a_password_is_invited_and_chooses_one(engine: Engine) {
    let (app, smtp) = spawn_app_with_mail(engine, |_| {}).await;
    let (_, admin) = app.admin_of("Acme").await;
    let user = invite(&app, &admin, "new@acme.example").await;
    let mails = smtp.wait_for(1).await;
    let mail = &mails[0];
    assert_eq!(mail.to, ["new@acme.example"]);
    assert_eq!(
        mail.subject(),
        "You are invited to rcs: choose your password"
    );
    let text = mail.decoded();
    assert!(text.contains("admin@acme.example added you"), "{text}");
    assert!(text.contains("&welcome=1") || text.contains("&amp;welcome=1"));
    // Nobody can log in before the link is used: there is no password to guess.
    assert_eq!(app.login("new@acme.example", "").await.status(), 401);
    let token = token_of(mail);
    assert_eq!(app.confirm_reset(&token, CHOSEN).await.status(), 204);
    let session = app.token_with("new@acme.example", CHOSEN).await;
    let me: User = app.get(routes::ME, &session).await.json().await.unwrap();
    assert_eq!(me.id, user.id);
    // The audit trail says the user was invited.
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'user.create' AND target = 'new@acme.example'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(detail, "User, invited by mail");
}

async fn an_invitation_link_works_once_and_a_new_one_replaces_it(engine: Engine) {
    let (app, smtp) = spawn_app_with_mail(engine, |_| {}).await;
    let (_, admin) = app.admin_of("Acme").await;
    let user = invite(&app, &admin, "new@acme.example").await;
    let first = token_of(&smtp.wait_for(1).await[0]);
    let path = format!("{}/{}/invitation", routes::USERS, user.id);
    let response = app.post(&path, &admin, &json!({})).await;
    assert_eq!(response.status(), 204);
    let second = token_of(&smtp.wait_for(2).await[1]);
    assert_ne!(first, second);
    let stale = app.confirm_reset(&first, CHOSEN).await;
    assert_eq!(stale.status(), 400);
    assert_eq!(app.confirm_reset(&second, CHOSEN).await.status(), 204);
    let again = app.confirm_reset(&second, "yet another passphrase").await;
    assert_eq!(again.status(), 400, "single use");
    app.token_with("new@acme.example", CHOSEN).await;
    let invited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'user.invite' AND target = 'new@acme.example'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(invited, 1);
}

async fn an_expired_invitation_is_refused(engine: Engine) {
    let (app, smtp) = spawn_app_with_mail(engine, |s| s.invitation_ttl_secs = 60).await;
    let (_, admin) = app.admin_of("Acme").await;
    invite(&app, &admin, "new@acme.example").await;
    let mails = smtp.wait_for(1).await;
    assert!(mails[0].decoded().contains("within 1 minute"));
    // The link's clock runs out (moved back rather than waited for).
    sqlx::query("UPDATE password_resets SET expires_at = expires_at - 61")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let response = app.confirm_reset(&token_of(&mails[0]), CHOSEN).await;
    assert_eq!(response.status(), 400);
    assert_eq!(error_body(response).await.code, "invalid_reset_link");
}

async fn invitations_are_a_super_users_and_stay_in_the_account(engine: Engine) {
    let (app, smtp) = spawn_app_with_mail(engine, |_| {}).await;
    let (_, admin) = app.admin_of("Acme").await;
    let (_, other_admin) = app.admin_of("Globex").await;
    let staff = app.create_user(&admin, "staff@acme.example", "user").await;
    let staff_token = app.token("staff@acme.example").await;
    let path = format!("{}/{}/invitation", routes::USERS, staff.id);
    let response = app.post(&path, &staff_token, &json!({})).await;
    assert_eq!(response.status(), 403);
    let response = app.post(&path, &other_admin, &json!({})).await;
    assert_eq!(response.status(), 404);
    let response = app
        .post(
            &format!("{}/999999/invitation", routes::USERS),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 404);
    let body = json!({"email": "x@acme.example", "role": "user"});
    assert_eq!(
        app.post(routes::USERS, &staff_token, &body).await.status(),
        403
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(smtp.received().is_empty(), "no mail for refused requests");
    let links: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM password_resets")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(links, 0);
}

async fn short_and_common_passwords_are_refused_everywhere(engine: Engine) {
    let (app, _smtp) = spawn_app_with_mail(engine, |_| {}).await;
    let (_, admin) = app.admin_of("Acme").await;
    for (password, says) in [
        ("eleven char", "at least 12 characters"),
        ("password1234", "too common"),
        ("Password123!", "too common"),
        ("qwertyuiop12", "too common"),
        ("zzzzzzzzzzzz", "too common"),
    ] {
        let body = json!({"email": "x@acme.example", "password": password, "role": "user"});
        let response = app.post(routes::USERS, &admin, &body).await;
        assert_eq!(response.status(), 422, "{password}");
        let error = error_body(response).await;
        assert_eq!(error.code, "invalid_password");
        assert!(
            error.message.contains(says),
            "{password}: {}",
            error.message
        );
        let change =
            json!({"current_password": crate::helpers::PASSWORD, "new_password": password});
        let response = app.put("/api/v1/me/password", &admin, &change).await;
        assert_eq!(response.status(), 422, "{password}");
    }
    let users: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = 'x@acme.example'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(users, 0);
    let body =
        json!({"email": "x@acme.example", "password": "four random words here", "role": "user"});
    assert_eq!(app.post(routes::USERS, &admin, &body).await.status(), 201);
}
