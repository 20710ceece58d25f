//! Answer headers every client relies on: HSTS on the HTTPS listener only, and no copy of an
//! API answer (tokens, account data) kept by a browser or proxy.

use crate::helpers::{routes, spawn_app_with, Engine, PASSWORD};

const ONE_YEAR: &str = "max-age=31536000";

/// Found by the second penetration test: no `Strict-Transport-Security`, and neither the login
/// answer (which carries the token) nor authenticated answers and exports said `no-store`.
#[tokio::test]
async fn https_answers_carry_hsts_and_api_answers_are_never_stored() {
    let app = spawn_app_with(Engine::Sqlite, |s| s.http_addr = Some("127.0.0.1:0".into())).await;
    app.create_account("Acme", "admin@acme.example").await;

    let login = app.login("admin@acme.example", PASSWORD).await;
    assert_eq!(login.status(), 200);
    assert_eq!(login.headers()["cache-control"], "no-store");
    assert_eq!(login.headers()["strict-transport-security"], ONE_YEAR);
    let token = app.token("admin@acme.example").await;

    for path in [
        routes::PHONES,
        routes::PHONES_EXPORT,
        routes::SERVERS,
        routes::ME,
    ] {
        let answer = app.get(path, &token).await;
        assert_eq!(answer.status(), 200, "{path}");
        assert_eq!(answer.headers()["cache-control"], "no-store", "{path}");
        assert_eq!(
            answer.headers()["strict-transport-security"],
            ONE_YEAR,
            "{path}"
        );
    }
    // A refusal names no data, but it is an API answer all the same.
    let refused = app.get(routes::PHONES, "not-a-token").await;
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.headers()["cache-control"], "no-store");

    // The web UI's page is not an API answer: its own caching rules stay.
    let page = app.client.get(app.url("/")).send().await.unwrap();
    assert_ne!(
        page.headers().get("cache-control").map(|v| v.as_bytes()),
        Some(&b"no-store"[..])
    );
    assert_eq!(page.headers()["strict-transport-security"], ONE_YEAR);

    // The plain-HTTP listener sits behind a TLS-terminating proxy, which owns HSTS.
    let port = app.http_port.expect("the HTTP listener is bound");
    let plain = reqwest::get(format!("http://127.0.0.1:{port}{}", routes::PHONES))
        .await
        .unwrap();
    assert_eq!(plain.status(), 401);
    assert!(plain.headers().get("strict-transport-security").is_none());
    assert_eq!(plain.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn hsts_can_be_turned_off() {
    let app = spawn_app_with(Engine::Sqlite, |s| s.hsts_max_age_secs = 0).await;
    let answer = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.headers().get("strict-transport-security").is_none());
}
