//! What reaches the log: never a password, a token, a reset link or a configured secret, even
//! with every module logging at `trace`.

use std::ffi::OsString;
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::cli::{create_account, serve_with, trusting};
use crate::helpers::mail::SmtpServer;
use crate::helpers::routes;
use crate::helpers::second_factor::{current_code, next_code};
use crate::helpers::{random_hex, Engine, TestEnv, PASSWORD};
use crate::on_both_engines;

on_both_engines!(passwords_tokens_and_secrets_never_reach_the_log);

/// `rcs serve` at `RUST_LOG=trace`, with SMTP, a JWT secret and (on PostgreSQL) a database
/// password configured, goes through every flow that handles a secret: a failed and a good
/// login, authenticated calls, a password change, a mailed reset and its confirmation, setting
/// up a second factor and logging in with a code and a recovery code, logout.
/// Then not one of those secrets may appear anywhere in what it logged.
async fn passwords_tokens_and_secrets_never_reach_the_log(engine: Engine) {
    let env = TestEnv::new(engine).await;
    let email = "admin@acme.example";
    create_account(&env, "Acme", email).await;
    let smtp = SmtpServer::start().await;
    let jwt_secret = format!("jwt-secret-{}", random_hex(16));
    let db_password = format!("dbpw{}", random_hex(8));
    // PostgreSQL on this machine trusts local connections, so a password in the URL is
    // accepted (and ignored by the server): rcs must still never print it.
    let database_url = match engine {
        Engine::Sqlite => env.settings.database_url.clone(),
        Engine::Postgres => {
            env.settings
                .database_url
                .replacen("postgres@", &format!("postgres:{db_password}@"), 1)
        }
    };
    let settings: Vec<(&str, OsString)> = vec![
        ("RUST_LOG", "trace".into()),
        ("RCS_DATA_DIR", env.data_dir().into()),
        ("RCS_DATABASE_URL", database_url.into()),
        ("RCS_JWT_SECRET", jwt_secret.clone().into()),
        ("RCS_SMTP_URL", smtp.url().into()),
        ("RCS_WORKERS", "1".into()),
    ];
    let (mut child, port, log) = serve_with(&settings).await;
    let client = trusting(&env.data_dir().join("tls")).build().unwrap();
    let url = |path: &str| format!("https://localhost:{port}{path}");
    let login = |password: String| {
        client
            .post(url(routes::LOGIN))
            .json(&json!({ "email": email, "password": password }))
            .send()
    };
    let wrong = format!("wrong-{}", random_hex(8));
    assert_eq!(login(wrong.clone()).await.unwrap().status(), 401);
    let response = login(PASSWORD.to_string()).await.unwrap();
    assert_eq!(response.status(), 200);
    let token = response.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let me = client
        .get(url(routes::ME))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);

    let changed = format!("changed {}", random_hex(8));
    let response = client
        .put(url(routes::MY_PASSWORD))
        .bearer_auth(&token)
        .json(&json!({ "current_password": PASSWORD, "new_password": changed }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    let response = client
        .post(url(routes::PASSWORD_RESET))
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let mail = smtp.wait_for(1).await.remove(0);
    let reset = mail.reset_token().expect("the mail holds a reset link");
    let reset_password = format!("reset {}", random_hex(8));
    let response = client
        .post(url(routes::PASSWORD_RESET_CONFIRM))
        .json(&json!({ "token": reset, "new_password": reset_password }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let response = login(reset_password.clone()).await.unwrap();
    assert_eq!(response.status(), 200);
    let second = response.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let two_factor = second_factor_flow(&client, &url, email, &reset_password, &second).await;
    let response = client
        .post(url(routes::LOGOUT))
        .bearer_auth(&second)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    // The old token, now revoked, is presented once more: a refusal must not log it either.
    let refused = client
        .get(url(routes::ME))
        .bearer_auth(&second)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    // Let the last lines arrive, then stop the service.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = child.kill();
    let _ = tokio::task::spawn_blocking(move || child.wait()).await;
    let lines = log.lock().unwrap().clone();
    let text = lines.join("\n");
    assert!(
        lines.iter().filter(|l| l.contains("TRACE")).count() > 100,
        "the service logged at trace level ({} lines)",
        lines.len()
    );
    assert!(
        text.contains(routes::LOGIN),
        "requests are logged, so their secrets had the chance to leak"
    );
    let signature = |jwt: &str| jwt.rsplit('.').next().unwrap().to_string();
    let secrets = [
        ("the account password", PASSWORD.to_string()),
        ("a wrong password", wrong),
        ("the changed password", changed),
        ("the password set by reset", reset_password),
        ("a session token", token.clone()),
        ("a session token's signature", signature(&token)),
        ("another session token's signature", signature(&second)),
        ("the reset token", reset),
        ("the JWT secret", jwt_secret),
        ("the database password", db_password),
    ];
    let secrets = secrets.into_iter().chain(two_factor);
    for (what, secret) in secrets {
        if engine == Engine::Sqlite && what == "the database password" {
            continue;
        }
        if let Some(line) = lines.iter().find(|l| l.contains(&secret)) {
            panic!("{what} reached the log: {line}");
        }
    }
}

/// Sets up a second factor for the session `token` and logs in with a code and with a
/// recovery code; answers the secrets that went by (TOTP secret, codes, challenges).
async fn second_factor_flow(
    client: &reqwest::Client,
    url: &impl Fn(&str) -> String,
    email: &str,
    password: &str,
    token: &str,
) -> Vec<(&'static str, String)> {
    let post = |path: &str, token: Option<&str>, body: Value| {
        let mut request = client.post(url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let start = post(
        routes::MY_SECOND_FACTOR,
        Some(token),
        json!({ "password": password }),
    );
    let enrolment: Value = start.await.unwrap().json().await.unwrap();
    let secret = enrolment["secret"].as_str().unwrap().to_string();
    let code = current_code(&secret);
    let body = json!({ "code": code });
    let confirmed = post(routes::MY_SECOND_FACTOR_CONFIRM, Some(token), body)
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 200);
    let recovery: Value = confirmed.json().await.unwrap();
    let recovery = recovery["recovery_codes"][0].as_str().unwrap().to_string();
    // Six-digit codes are not checked: the log's timestamps hold microseconds, so a code
    // would turn up by chance; they live for a minute and are used once anyway.
    let mut seen = vec![
        ("the TOTP secret", secret.clone()),
        ("a recovery code", recovery.clone()),
    ];
    for code in [next_code(&secret), recovery] {
        let body = json!({ "email": email, "password": password });
        let challenge: Value = post(routes::LOGIN, None, body)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let challenge = challenge["challenge"].as_str().unwrap().to_string();
        let body = json!({ "challenge": challenge, "code": code });
        let done = post(routes::LOGIN_SECOND_FACTOR, None, body).await.unwrap();
        assert_eq!(done.status(), 200);
        seen.push(("a login challenge", challenge));
    }
    seen
}
