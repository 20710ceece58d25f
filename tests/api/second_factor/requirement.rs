//! Requiring a second factor (for an account, by its Super User; for the platform, by the
//! operator), setting one up during the login it is required for, and a Super User resetting
//! a user's second factor.

use rcs_shared::{Account, EnrolledLogin, Role, SecondFactorEnrolment};
use serde_json::json;

use crate::helpers::cli::{rcs, run};
use crate::helpers::second_factor::{current_code, next_code, wrong_code};
use crate::helpers::{error_body, routes, spawn_app, spawn_app_with, Engine, TestApp, PASSWORD};
use crate::on_both_engines;

on_both_engines!(
    an_account_requires_a_second_factor_and_users_set_it_up_at_login,
    the_platform_can_require_a_second_factor,
    a_super_user_resets_a_second_factor_audited_ending_the_users_sessions,
);

const ADMIN: &str = "admin@acme.example";
const STAFF: &str = "staff@acme.example";

/// POST to a login-step route (no session): the answer unchecked.
async fn public_post(app: &TestApp, path: &str, body: serde_json::Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .expect("request sent")
}

/// Sets up the required second factor during a login; returns the new app's secret and the
/// login that finishes it.
async fn enrol_at_login(app: &TestApp, email: &str) -> (String, EnrolledLogin) {
    let challenge = app.login(email, PASSWORD).await;
    assert_eq!(challenge.status(), 202);
    let challenge: rcs_shared::SecondFactorChallenge = challenge.json().await.unwrap();
    assert!(challenge.enrolment_required);
    let token = challenge.challenge;
    // An enrolment challenge is no code challenge, and no session.
    let as_code = app.second_factor(&token, "123456").await;
    assert_eq!(error_body(as_code).await.code, "invalid_challenge");
    assert_eq!(app.get(routes::ME, &token).await.status(), 401);

    let started = public_post(app, routes::LOGIN_ENROLMENT, json!({"challenge": token})).await;
    assert_eq!(started.status(), 200);
    let enrolment: SecondFactorEnrolment = started.json().await.unwrap();
    let body = |code: String| json!({"challenge": token, "code": code});
    let wrong = public_post(
        app,
        routes::LOGIN_ENROLMENT_CONFIRM,
        body(wrong_code(&enrolment.secret)),
    )
    .await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(error_body(wrong).await.code, "invalid_code");
    let done = public_post(
        app,
        routes::LOGIN_ENROLMENT_CONFIRM,
        body(current_code(&enrolment.secret)),
    )
    .await;
    assert_eq!(done.status(), 200, "{}", done.text().await.unwrap());
    let enrolled: EnrolledLogin = done.json().await.unwrap();
    // The challenge is used up with it.
    let again = public_post(app, routes::LOGIN_ENROLMENT, json!({"challenge": token})).await;
    assert_eq!(error_body(again).await.code, "invalid_challenge");
    (enrolment.secret, enrolled)
}

async fn an_account_requires_a_second_factor_and_users_set_it_up_at_login(engine: Engine) {
    let app = spawn_app(engine).await;
    let (account, _) = app.create_account("Acme Telecom", ADMIN).await;
    app.add_user(account, STAFF, Role::User).await;
    let admin = app.token(ADMIN).await;
    let staff = app.token(STAFF).await;
    let require = json!({"require_second_factor": true});

    let account_of = app.get(routes::ACCOUNT, &staff).await;
    let shown: Account = account_of.json().await.unwrap();
    assert!(!shown.require_second_factor && !shown.platform_requires_second_factor);
    let refused = app.patch(routes::ACCOUNT, &staff, &require).await;
    assert_eq!(refused.status(), 403);
    // Nobody requires of others what they do not have.
    let first = app.patch(routes::ACCOUNT, &admin, &require).await;
    assert_eq!(first.status(), 409);
    assert_eq!(error_body(first).await.code, "enrol_first");

    app.enrol(&admin).await;
    let required = app.patch(routes::ACCOUNT, &admin, &require).await;
    assert_eq!(required.status(), 200);
    let required: Account = required.json().await.unwrap();
    assert!(required.require_second_factor);
    // Sessions without a second factor end; the Super User's own goes on.
    assert_eq!(app.get(routes::ME, &staff).await.status(), 401);
    assert_eq!(app.get(routes::ME, &admin).await.status(), 200);

    let (secret, enrolled) = enrol_at_login(&app, STAFF).await;
    assert_eq!(enrolled.recovery_codes.len(), 10);
    assert!(enrolled.login.user.second_factor);
    let staff = enrolled.login.token;
    let status = app.get(routes::MY_SECOND_FACTOR, &staff).await;
    let status: rcs_shared::SecondFactorStatus = status.json().await.unwrap();
    assert!(status.enabled && status.required);
    let off = app
        .post(
            routes::MY_SECOND_FACTOR_DISABLE,
            &staff,
            &json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(off.status(), 409);
    assert_eq!(error_body(off).await.code, "second_factor_required");
    // From now on the staff member logs in with a code.
    let token = app.token_with_code(STAFF, &next_code(&secret)).await;
    assert_eq!(app.get(routes::ME, &token).await.status(), 200);

    let audit = app.audit_actions(account).await;
    assert!(
        audit.contains(&"account.second_factor_required".to_string()),
        "{audit:?}"
    );
    let optional = app
        .patch(
            routes::ACCOUNT,
            &admin,
            &json!({"require_second_factor": false}),
        )
        .await;
    assert_eq!(optional.status(), 200);
    let off = app
        .post(
            routes::MY_SECOND_FACTOR_DISABLE,
            &staff,
            &json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(off.status(), 204);
}

async fn the_platform_can_require_a_second_factor(engine: Engine) {
    let app = spawn_app_with(engine, |s| s.require_second_factor = true).await;
    app.create_account("Acme Telecom", ADMIN).await;
    let (_, enrolled) = enrol_at_login(&app, ADMIN).await;
    let account: Account = app
        .get(routes::ACCOUNT, &enrolled.login.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(account.platform_requires_second_factor && !account.require_second_factor);
}

async fn a_super_user_resets_a_second_factor_audited_ending_the_users_sessions(engine: Engine) {
    let app = spawn_app(engine).await;
    let (account, _) = app.create_account("Acme Telecom", ADMIN).await;
    let staff_id = app.add_user(account, STAFF, Role::User).await;
    let (other_account, _) = app.create_account("Globex", "admin@globex.example").await;
    let _ = other_account;
    let admin = app.token(ADMIN).await;
    let staff_password_session = app.token(STAFF).await;
    let secret = app.enrol(&staff_password_session).await.secret;
    let staff = app.token_with_code(STAFF, &next_code(&secret)).await;

    let by_staff = app
        .delete(&routes::user_second_factor(staff_id), &staff)
        .await;
    assert_eq!(by_staff.status(), 403);
    let globex = app.token("admin@globex.example").await;
    let foreign = app
        .delete(&routes::user_second_factor(staff_id), &globex)
        .await;
    assert_eq!(foreign.status(), 404);
    let own_id: i64 = app
        .get(routes::ME, &admin)
        .await
        .json::<rcs_shared::User>()
        .await
        .unwrap()
        .id;
    let own = app
        .delete(&routes::user_second_factor(own_id), &admin)
        .await;
    assert_eq!(error_body(own).await.code, "cannot_reset_own_second_factor");

    let reset = app
        .delete(&routes::user_second_factor(staff_id), &admin)
        .await;
    assert_eq!(reset.status(), 204);
    assert_eq!(app.get(routes::ME, &staff).await.status(), 401);
    assert_eq!(
        app.get(routes::ME, &staff_password_session).await.status(),
        401
    );
    assert_eq!(app.login(STAFF, PASSWORD).await.status(), 200);
    let again = app
        .delete(&routes::user_second_factor(staff_id), &admin)
        .await;
    assert_eq!(error_body(again).await.code, "second_factor_not_found");
    let audit = app.audit_actions(account).await;
    assert!(
        audit.contains(&"user.second_factor_reset".to_string()),
        "{audit:?}"
    );

    // The operator's way back in for a Super User without a phone or recovery codes.
    app.enrol(&admin).await;
    let mut cli = rcs(&app.env);
    cli.args(["user", "reset-second-factor", "--email", ADMIN]);
    let (ok, stdout, stderr) = run(cli, None).await;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("Reset the second factor of admin@acme.example"),
        "{stdout}"
    );
    assert_eq!(app.get(routes::ME, &admin).await.status(), 401);
    assert_eq!(app.login(ADMIN, PASSWORD).await.status(), 200);
    let audit = app.audit_actions(account).await;
    let resets = audit
        .iter()
        .filter(|a| *a == "user.second_factor_reset")
        .count();
    assert_eq!(resets, 2, "{audit:?}");
}
