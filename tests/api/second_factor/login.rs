//! Setting up a second factor from the preferences, and logging in with it: the code, a wrong
//! code, a reused code, recovery codes, the challenge's limits, turning it off.

use rcs_shared::{
    LoginResponse, SecondFactorChallenge, SecondFactorEnrolment, SecondFactorStatus, User,
};
use serde_json::json;

use crate::helpers::second_factor::{current_code, next_code, wrong_code};
use crate::helpers::{error_body, routes, spawn_app, spawn_app_with, Engine, TestApp, PASSWORD};
use crate::on_both_engines;

on_both_engines!(
    a_user_sets_up_a_second_factor_and_logs_in_with_each_code_once,
    recovery_codes_log_in_once_each,
    a_challenge_dies_after_five_wrong_codes_and_a_user_takes_ten_per_window,
    turning_it_off_needs_a_code_or_the_password,
);

const ADMIN: &str = "admin@acme.example";

async fn sessions(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn status(app: &TestApp, token: &str) -> SecondFactorStatus {
    let response = app.get(routes::MY_SECOND_FACTOR, token).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn a_user_sets_up_a_second_factor_and_logs_in_with_each_code_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let (account, _) = app.create_account("Acme", ADMIN).await;
    let token = app.token(ADMIN).await;

    // Starting needs the password: a stolen session alone cannot set up its own app.
    let wrong = app
        .post(
            routes::MY_SECOND_FACTOR,
            &token,
            &json!({"password": "not it at all"}),
        )
        .await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(error_body(wrong).await.code, "wrong_current_password");
    let started = app
        .post(
            routes::MY_SECOND_FACTOR,
            &token,
            &json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(started.status(), 200);
    let enrolment: SecondFactorEnrolment = started.json().await.unwrap();
    assert_eq!(enrolment.secret.len(), 32, "160 bits in base32");
    assert!(enrolment
        .otpauth_url
        .starts_with("otpauth://totp/rcs:admin%40acme.example?secret="));
    assert!(enrolment.otpauth_url.contains(&enrolment.secret));
    assert!(enrolment.qr_svg.starts_with("<?xml") && enrolment.qr_svg.contains("<svg"));
    // Not confirmed yet: logins still need the password only.
    assert!(!status(&app, &token).await.enabled);
    assert_eq!(app.login(ADMIN, PASSWORD).await.status(), 200);

    let refused = app
        .post(
            routes::MY_SECOND_FACTOR_CONFIRM,
            &token,
            &json!({"code": wrong_code(&enrolment.secret)}),
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert_eq!(error_body(refused).await.code, "invalid_code");
    let confirmed_with = current_code(&enrolment.secret);
    let confirmed = app
        .post(
            routes::MY_SECOND_FACTOR_CONFIRM,
            &token,
            &json!({"code": confirmed_with}),
        )
        .await;
    assert_eq!(confirmed.status(), 200);
    let codes: rcs_shared::RecoveryCodes = confirmed.json().await.unwrap();
    assert_eq!(codes.recovery_codes.len(), 10);
    let state = status(&app, &token).await;
    assert!(state.enabled && !state.required);
    assert_eq!(state.recovery_codes_left, 10);
    let me: User = app.get(routes::ME, &token).await.json().await.unwrap();
    assert!(me.second_factor);
    // The secret is never shown again: setting up anew is refused while it is on.
    let again = app
        .post(
            routes::MY_SECOND_FACTOR,
            &token,
            &json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(again.status(), 409);
    assert_eq!(error_body(again).await.code, "second_factor_enabled");

    // The password alone now opens no session, only the second step.
    let before = sessions(&app).await;
    let first = app.login(ADMIN, PASSWORD).await;
    assert_eq!(first.status(), 202);
    let challenge: SecondFactorChallenge = first.json().await.unwrap();
    assert!(!challenge.enrolment_required);
    assert_eq!(sessions(&app).await, before);
    // The challenge is not a session token.
    assert_eq!(
        app.get(routes::ME, &challenge.challenge).await.status(),
        401
    );

    let wrong = app
        .second_factor(&challenge.challenge, &wrong_code(&enrolment.secret))
        .await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(error_body(wrong).await.code, "invalid_code");
    // The code that confirmed the set-up is used up.
    let reused = app
        .second_factor(&challenge.challenge, &confirmed_with)
        .await;
    assert_eq!(reused.status(), 401);
    assert_eq!(error_body(reused).await.code, "code_already_used");

    let code = next_code(&enrolment.secret);
    let logged_in = app.second_factor(&challenge.challenge, &code).await;
    assert_eq!(logged_in.status(), 200);
    let session: LoginResponse = logged_in.json().await.unwrap();
    assert!(session.user.second_factor);
    assert_eq!(app.get(routes::ME, &session.token).await.status(), 200);

    // The challenge works once, and so does the code, with any challenge.
    let replayed = app.second_factor(&challenge.challenge, &code).await;
    assert_eq!(error_body(replayed).await.code, "invalid_challenge");
    let other = app.challenge(ADMIN).await;
    let reused = app.second_factor(&other.challenge, &code).await;
    assert_eq!(reused.status(), 401);
    assert_eq!(error_body(reused).await.code, "code_already_used");
    let audit = app.audit_actions(account).await;
    assert!(
        audit.contains(&"me.second_factor_enable".to_string()),
        "{audit:?}"
    );
}

async fn recovery_codes_log_in_once_each(engine: Engine) {
    let app = spawn_app(engine).await;
    let (account, _) = app.create_account("Acme", ADMIN).await;
    let token = app.token(ADMIN).await;
    let enrolled = app.enrol(&token).await;
    let codes = &enrolled.recovery_codes;
    let unique: std::collections::HashSet<&String> = codes.iter().collect();
    assert_eq!(unique.len(), 10);
    assert!(codes
        .iter()
        .all(|c| c.len() == 19 && c.matches('-').count() == 3));
    // Only their SHA-256 is stored.
    let stored: Vec<String> = sqlx::query_scalar("SELECT code_hash FROM recovery_codes")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 10);
    assert!(stored
        .iter()
        .all(|h| h.len() == 64 && !codes.iter().any(|c| h.contains(c))));

    // Typed as a person might: upper case, spaces for dashes.
    let typed = codes[3].to_uppercase().replace('-', " ");
    let challenge = app.challenge(ADMIN).await;
    let response = app.second_factor(&challenge.challenge, &typed).await;
    assert_eq!(response.status(), 200);
    let again = app.challenge(ADMIN).await;
    let used = app.second_factor(&again.challenge, &codes[3]).await;
    assert_eq!(used.status(), 401);
    assert_eq!(error_body(used).await.code, "invalid_code");
    let other = app.second_factor(&again.challenge, &codes[4]).await;
    assert_eq!(other.status(), 200);
    assert_eq!(status(&app, &token).await.recovery_codes_left, 8);
    let audit = app.audit_actions(account).await;
    let used = audit
        .iter()
        .filter(|a| *a == "me.recovery_code_used")
        .count();
    assert_eq!(used, 2, "{audit:?}");
}

/// POST /api/v1/auth/login/second-factor as if sent from `address`.
async fn code_from(app: &TestApp, address: &str, challenge: &str, code: &str) -> reqwest::Response {
    app.client
        .post(app.url(routes::LOGIN_SECOND_FACTOR))
        .header("x-forwarded-for", address)
        .json(&json!({"challenge": challenge, "code": code}))
        .send()
        .await
        .expect("request sent")
}

async fn challenge_from(app: &TestApp, address: &str) -> String {
    let response = app
        .client
        .post(app.url(routes::LOGIN))
        .header("x-forwarded-for", address)
        .json(&json!({"email": ADMIN, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    response
        .json::<SecondFactorChallenge>()
        .await
        .unwrap()
        .challenge
}

/// A challenge takes five wrong codes, then the password is needed again; and a user takes
/// ten wrong codes per window from anywhere: with the password, many addresses still cannot
/// try a million codes.
async fn a_challenge_dies_after_five_wrong_codes_and_a_user_takes_ten_per_window(engine: Engine) {
    let app = spawn_app_with(engine, |s| s.trust_forwarded_for = true).await;
    app.create_account("Acme", ADMIN).await;
    let token = app.token(ADMIN).await;
    let secret = app.enrol(&token).await.secret;
    let wrong = wrong_code(&secret);

    let mut tried = 0;
    for round in 0..2 {
        let challenge = challenge_from(&app, &format!("10.1.{round}.1")).await;
        for n in 0..5 {
            let address = format!("10.1.{round}.{}", n + 10);
            let response = code_from(&app, &address, &challenge, &wrong).await;
            assert_eq!(response.status(), 401, "wrong code {tried}");
            tried += 1;
        }
        let dead = code_from(&app, "10.1.9.9", &challenge, &next_code(&secret)).await;
        assert_eq!(error_body(dead).await.code, "invalid_challenge");
    }
    // Ten wrong codes: the right one waits for the window, from any address.
    let challenge = challenge_from(&app, "10.2.0.1").await;
    let limited = code_from(&app, "10.2.0.2", &challenge, &next_code(&secret)).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
}

async fn turning_it_off_needs_a_code_or_the_password(engine: Engine) {
    let app = spawn_app(engine).await;
    let (account, _) = app.create_account("Acme", ADMIN).await;
    let token = app.token(ADMIN).await;
    let enrolled = app.enrol(&token).await;
    let off = |body| {
        let (app, token) = (&app, &token);
        async move {
            app.post(routes::MY_SECOND_FACTOR_DISABLE, token, &body)
                .await
        }
    };
    let nothing = off(json!({})).await;
    assert_eq!(error_body(nothing).await.code, "code_or_password_required");
    let wrong = off(json!({"code": wrong_code(&enrolled.secret)})).await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(error_body(wrong).await.code, "invalid_code");
    let used = off(json!({"code": enrolled.confirmed_with})).await;
    assert_eq!(error_body(used).await.code, "invalid_code");
    let bad_password = off(json!({"password": "not the password"})).await;
    assert_eq!(
        error_body(bad_password).await.code,
        "wrong_current_password"
    );
    assert!(status(&app, &token).await.enabled);

    let done = off(json!({"code": next_code(&enrolled.secret)})).await;
    assert_eq!(done.status(), 204);
    assert!(!status(&app, &token).await.enabled);
    assert_eq!(app.login(ADMIN, PASSWORD).await.status(), 200);
    let leftovers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(leftovers, 0);

    // Once more, with the password this time.
    app.enrol(&token).await;
    let done = off(json!({"password": PASSWORD})).await;
    assert_eq!(done.status(), 204);
    let not_on = off(json!({"password": PASSWORD})).await;
    assert_eq!(error_body(not_on).await.code, "second_factor_not_enabled");
    let audit = app.audit_actions(account).await;
    let disabled = audit
        .iter()
        .filter(|a| *a == "me.second_factor_disable")
        .count();
    assert_eq!(disabled, 2, "{audit:?}");
}
