//! Login, tokens, logout, roles and throttling.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use rcs_shared::{LoginResponse, Role, User};
use serde_json::{json, Value};

use crate::helpers::routes;
use crate::helpers::{error_body, spawn_app, spawn_app_with, Engine, JWT_SECRET, PASSWORD};
use crate::on_both_engines;

on_both_engines!(
    login_returns_a_token_the_api_accepts,
    wrong_password_and_unknown_email_get_the_same_answer,
    a_token_stops_working_when_it_expires,
    tampered_unsigned_and_foreign_tokens_are_rejected,
    logout_revokes_only_that_token,
    a_user_gets_403_on_a_super_user_route,
    failed_logins_are_throttled_per_email_and_per_client,
    malformed_requests_get_a_json_error,
    compressed_bodies_are_refused_never_inflated,
);

async fn login_returns_a_token_the_api_accepts(engine: Engine) {
    let app = spawn_app(engine).await;
    let (account_id, user_id) = app
        .create_account("Acme Telecom", "Admin@Acme.example")
        .await;

    // The username is case-insensitive and stored lower-case.
    let response = app.login("admin@acme.EXAMPLE", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let body: LoginResponse = response.json().await.unwrap();
    assert_eq!(body.user.email, "admin@acme.example");
    assert_eq!(body.user.role, Role::SuperUser);
    assert_eq!(body.user.account_name, "Acme Telecom");
    assert_eq!((body.user.id, body.user.account_id), (user_id, account_id));
    let expires = time::OffsetDateTime::parse(
        &body.expires_at,
        &time::format_description::well_known::Rfc3339,
    )
    .expect("expires_at is RFC 3339");
    let ttl = expires - time::OffsetDateTime::now_utc();
    assert!(
        ttl.whole_seconds() > 3500 && ttl.whole_seconds() <= 3600,
        "{ttl}"
    );

    let me = app.get(routes::ME, &body.token).await;
    assert_eq!(me.status(), 200);
    let me: User = me.json().await.unwrap();
    assert_eq!(me, body.user);

    let anonymous = app.client.get(app.url(routes::ME)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(error_body(anonymous).await.code, "unauthorized");
}

async fn wrong_password_and_unknown_email_get_the_same_answer(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_account("Acme", "admin@acme.example").await;

    let wrong = app.login("admin@acme.example", "not the password").await;
    let unknown = app.login("nobody@acme.example", "not the password").await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    let (wrong, unknown) = (error_body(wrong).await, error_body(unknown).await);
    assert_eq!(wrong, unknown);
    assert_eq!(wrong.code, "invalid_credentials");
}

async fn a_token_stops_working_when_it_expires(engine: Engine) {
    let app = spawn_app_with(engine, |s| s.token_ttl_secs = 3).await;
    app.create_account("Acme", "admin@acme.example").await;
    let login: LoginResponse = app
        .login("admin@acme.example", PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let expires_at = time::OffsetDateTime::parse(
        &login.expires_at,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    // Valid while the clock is before expires_at (checked with a second of margin, so a
    // slow machine cannot make this step flaky)...
    if time::OffsetDateTime::now_utc() < expires_at - time::Duration::seconds(1) {
        assert_eq!(app.get(routes::ME, &login.token).await.status(), 200);
    }
    // ...and refused from the moment it has passed.
    let wait = expires_at - time::OffsetDateTime::now_utc() + time::Duration::milliseconds(1100);
    tokio::time::sleep(wait.try_into().unwrap_or_default()).await;
    let expired = app.get(routes::ME, &login.token).await;
    assert_eq!(expired.status(), 401);
    assert_eq!(error_body(expired).await.code, "invalid_token");
}

/// Signs `claims` with `secret` (HS256) the way an attacker who knew it would.
fn sign(header: &Value, claims: &Value, secret: &[u8]) -> String {
    use hmac_sha256::HMAC;
    let head = B64.encode(serde_json::to_vec(header).unwrap());
    let body = B64.encode(serde_json::to_vec(claims).unwrap());
    let signature = HMAC::mac(format!("{head}.{body}").as_bytes(), secret);
    format!("{head}.{body}.{}", B64.encode(signature))
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&B64.decode(payload).unwrap()).unwrap()
}

async fn tampered_unsigned_and_foreign_tokens_are_rejected(engine: Engine) {
    let app = spawn_app(engine).await;
    let (account_id, _) = app.create_account("Acme", "admin@acme.example").await;
    let user_id = app
        .add_user(account_id, "user@acme.example", Role::User)
        .await;
    let token = app.token("user@acme.example").await;
    let claims = claims_of(&token);
    let hs256 = json!({"alg": "HS256", "typ": "JWT"});
    let now = time::OffsetDateTime::now_utc().unix_timestamp();

    // Control: re-signing the genuine claims with the real secret is accepted, so each
    // rejection below is caused by the one thing that was changed.
    let resigned = sign(&hs256, &claims, JWT_SECRET.as_bytes());
    assert_eq!(app.get(routes::ME, &resigned).await.status(), 200);

    let mut promoted = claims.clone();
    promoted["role"] = json!("super_user");
    let parts: Vec<&str> = token.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        B64.encode(serde_json::to_vec(&promoted).unwrap()),
        parts[2]
    );

    let unsigned = format!(
        "{}.{}.",
        B64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    let wrong_key = sign(&hs256, &claims, b"some other secret");
    let with = |field: &str, value: Value| {
        let mut c = claims.clone();
        c[field] = value;
        sign(&hs256, &c, JWT_SECRET.as_bytes())
    };
    let cases = [
        ("tampered payload", tampered),
        ("alg none", unsigned),
        ("wrong signing key", wrong_key),
        ("expired", with("exp", json!(now - 10))),
        ("not yet valid", with("nbf", json!(now + 600))),
        ("wrong audience", with("aud", json!("someone-else"))),
        ("wrong issuer", with("iss", json!("evil"))),
        (
            "other user's id",
            with("sub", json!((user_id + 1000).to_string())),
        ),
        ("claim of the wrong type", with("exp", json!("tomorrow"))),
        // HS/RS confusion: a header naming an asymmetric (or any other) algorithm is refused
        // before any key is tried, even when the MAC over it is made with the real secret.
        (
            "RS256 header",
            sign(
                &json!({"alg": "RS256", "typ": "JWT"}),
                &claims,
                JWT_SECRET.as_bytes(),
            ),
        ),
        (
            "ES256 header",
            sign(
                &json!({"alg": "ES256", "typ": "JWT"}),
                &claims,
                JWT_SECRET.as_bytes(),
            ),
        ),
        (
            "HS512 header",
            sign(
                &json!({"alg": "HS512", "typ": "JWT"}),
                &claims,
                JWT_SECRET.as_bytes(),
            ),
        ),
        (
            "unknown session",
            with("jti", json!("00000000000000000000000000000000")),
        ),
        ("not a JWT", "garbage".to_string()),
    ];
    for (case, bad) in cases {
        let response = app.get(routes::ME, &bad).await;
        assert_eq!(response.status(), 401, "{case}");
        assert_eq!(error_body(response).await.code, "invalid_token", "{case}");
    }
    let _ = user_id;
}

async fn logout_revokes_only_that_token(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_account("Acme", "admin@acme.example").await;
    let first = app.token("admin@acme.example").await;
    let second = app.token("admin@acme.example").await;

    let logout = app.post(routes::LOGOUT, &first, &json!({})).await;
    assert_eq!(logout.status(), 204);
    assert_eq!(app.get(routes::ME, &first).await.status(), 401);
    assert_eq!(
        app.post(routes::LOGOUT, &first, &json!({})).await.status(),
        401
    );
    assert_eq!(app.get(routes::ME, &second).await.status(), 200);
}

async fn a_user_gets_403_on_a_super_user_route(engine: Engine) {
    let app = spawn_app(engine).await;
    let (acme, _) = app.create_account("Acme", "admin@acme.example").await;
    app.add_user(acme, "user@acme.example", Role::User).await;
    app.create_account("Other", "admin@other.example").await;

    let user = app.token("user@acme.example").await;
    let refused = app.get(routes::USERS, &user).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(error_body(refused).await.code, "forbidden");

    let admin = app.token("admin@acme.example").await;
    let listed = app.get(routes::USERS, &admin).await;
    assert_eq!(listed.status(), 200);
    let emails: Vec<String> = listed
        .json::<Vec<User>>()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.email)
        .collect();
    // Only the caller's own account.
    assert_eq!(emails, ["admin@acme.example", "user@acme.example"]);
}

async fn failed_logins_are_throttled_per_email_and_per_client(engine: Engine) {
    let app = spawn_app_with(engine, |s| {
        s.login_max_failures_per_email_and_client = 3;
        s.login_max_failures_per_client = 6;
    })
    .await;
    app.create_account("Acme", "admin@acme.example").await;

    for _ in 0..3 {
        assert_eq!(
            app.login("admin@acme.example", "wrong password")
                .await
                .status(),
            401
        );
    }
    // Now even the right password is refused until the window passes.
    let throttled = app.login("admin@acme.example", PASSWORD).await;
    assert_eq!(throttled.status(), 429);
    let retry_after = crate::helpers::retry_after(&throttled);
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_eq!(error_body(throttled).await.code, "too_many_requests");

    // The same client guessing other emails runs into the per-client limit.
    for i in 0..3 {
        let status = app
            .login(&format!("guess{i}@acme.example"), "wrong")
            .await
            .status();
        assert_eq!(status, 401, "attempt {i}");
    }
    assert_eq!(
        app.login("guess9@acme.example", "wrong").await.status(),
        429
    );
}

async fn malformed_requests_get_a_json_error(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app
        .client
        .post(app.url(routes::LOGIN))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(error_body(response).await.code, "invalid_json");

    let missing = app
        .client
        .post(app.url(routes::LOGIN))
        .json(&json!({"email": "a@b.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);

    let unknown = app
        .client
        .get(app.url("/api/v1/no-such-thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(error_body(unknown).await.code, "not_found");
}

/// How many phones the account of `token` has.
async fn phones(app: &crate::helpers::TestApp, token: &str) -> i64 {
    let summary: rcs_shared::Summary = app.get(routes::SUMMARY, token).await.json().await.unwrap();
    summary.phones
}

/// `bytes` compressed by the system's gzip (level 9).
fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = std::process::Command::new("gzip")
        .arg("-9c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip runs");
    let mut stdin = child.stdin.take().unwrap();
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success());
    output.stdout
}

/// A compressed body is never inflated, so it cannot slip past a size limit: a 150 MB CSV
/// that gzips to ~150 KB (over twice the import's 64 MiB limit once inflated) and a JSON login
/// are both refused with 415 `unsupported_content_encoding`, a 1.6 MB JSON body is 413, and
/// nothing is written. The same request uncompressed, or marked `identity`, is read as usual.
/// Sends the request `send` makes until its answer is read, at most five times.
///
/// The service refuses an encoded body from its headers alone, without reading the body, and
/// closes the connection; a client still writing the (larger than a socket buffer) body then
/// sees a broken pipe instead of the answer, more often the busier the machine. Only that
/// transport error is retried: every answer that is read must still be the refusal.
async fn send_while_refused<F>(send: impl Fn() -> F) -> reqwest::Response
where
    F: std::future::Future<Output = reqwest::Result<reqwest::Response>>,
{
    let mut last = None;
    for _ in 0..5 {
        match send().await {
            Ok(response) => return response,
            Err(e) if cut_off(&e) => last = Some(e),
            Err(e) => panic!("{e:?}"),
        }
    }
    panic!("no answer read in five attempts: {last:?}");
}

/// True when `e` is the connection closed under a body still being written.
fn cut_off(e: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::{BrokenPipe, ConnectionReset};
            return matches!(io.kind(), BrokenPipe | ConnectionReset);
        }
        source = err.source();
    }
    false
}

async fn compressed_bodies_are_refused_never_inflated(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_account("Acme", "admin@acme.example").await;
    let token = app.token("admin@acme.example").await;

    let line = b"00085D000001\n";
    let bomb = gzip(&line.repeat(150_000_000 / line.len()));
    assert!(bomb.len() < 1024 * 1024, "{} bytes", bomb.len());
    for encoding in ["gzip", "br", "deflate", "zstd"] {
        let response = send_while_refused(|| {
            app.client
                .post(app.url(routes::PHONES_IMPORT))
                .bearer_auth(&token)
                .header("content-type", "text/csv")
                .header("content-encoding", encoding)
                .body(bomb.clone())
                .send()
        })
        .await;
        assert_eq!(response.status(), 415, "{encoding}");
        assert_eq!(
            error_body(response).await.code,
            "unsupported_content_encoding"
        );
    }
    let login = json!({"email": "admin@acme.example", "password": PASSWORD});
    let compressed = app
        .client
        .post(app.url(routes::LOGIN))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gzip(login.to_string().as_bytes()))
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.status(), 415);
    // Uncompressed bodies meet each route's own limit: 1 MiB for JSON.
    let macs: Vec<String> = (0..100_000).map(|i| format!("00085D{i:06X}")).collect();
    let oversized = app
        .post(routes::PHONES, &token, &json!({ "macs": macs }))
        .await;
    assert_eq!(oversized.status(), 413);
    assert_eq!(error_body(oversized).await.code, "payload_too_large");
    assert_eq!(phones(&app, &token).await, 0);

    let plain = app
        .client
        .post(app.url(routes::PHONES_IMPORT))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .header("content-encoding", "identity")
        .body("00085D000001\n")
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 200, "{}", plain.text().await.unwrap());
    assert_eq!(phones(&app, &token).await, 1);
    let uncompressed = app
        .client
        .post(app.url(routes::LOGIN))
        .json(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(uncompressed.status(), 200);
}
