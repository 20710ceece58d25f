//! Managing webhooks: Super Users only, input checked (and refused input changes nothing),
//! names unique in an account, secrets shown only at creation and rotation, another
//! account's webhooks and deliveries invisible (404 on every route, nothing changes), and
//! non-public addresses refused by default, when saved and when connecting.

use serde_json::{json, Value};

use crate::helpers::webhooks::{create, deliveries, fast, send_test, wait_delivery, Receiver};
use crate::helpers::{error_body, spawn_app_with, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    super_users_manage_webhooks_and_bad_input_changes_nothing,
    another_accounts_webhooks_are_404_on_every_route_and_stay_unchanged,
    non_public_addresses_are_refused_by_default_when_saved_and_when_connecting,
);

const HOOKS: &str = "/api/v1/webhooks";

async fn list(app: &TestApp, token: &str) -> Value {
    let response = app.get(HOOKS, token).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn refused(response: reqwest::Response, status: u16, code: &str) {
    assert_eq!(response.status(), status, "expected {code}");
    assert_eq!(error_body(response).await.code, code);
}

async fn super_users_manage_webhooks_and_bad_input_changes_nothing(engine: Engine) {
    let app = spawn_app_with(engine, fast).await;
    let (account, _) = app.create_account("Acme", "admin@acme.example").await;
    app.add_user(account, "user@acme.example", rcs_shared::Role::User)
        .await;
    let admin = app.token("admin@acme.example").await;
    let user = app.token("user@acme.example").await;

    let body = json!({"name": " ticketing ", "url": "https://hooks.example.net/rcs",
                      "events": ["phone.first_contact", "phone.boot_refused"]});
    let response = app.post(HOOKS, &admin, &body).await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let created: Value = response.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    let hook = &created["webhook"];
    let id = hook["id"].as_i64().unwrap();
    assert_eq!(hook["name"], "ticketing");
    assert_eq!(hook["enabled"], true);
    assert_eq!(hook["created_by"], "admin@acme.example");
    assert_eq!(hook["pending"], 0);

    // The secret is never listed nor shown again.
    let listed = list(&app, &admin).await;
    assert_eq!(listed, json!([hook]));
    let one: Value = app
        .get(&format!("{HOOKS}/{id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(&one, hook);
    assert!(!listed.to_string().contains(secret) && !one.to_string().contains("whsec_"));

    // Refused input, each with its code, and nothing changes.
    let audit_before = app.audit_actions(account).await;
    let url = "https://hooks.example.net/rcs";
    for (body, code) in [
        (
            json!({"name": "", "url": url, "events": ["phone.boot"]}),
            "invalid_webhook_name",
        ),
        (
            json!({"name": "x".repeat(65), "url": url, "events": ["phone.boot"]}),
            "invalid_webhook_name",
        ),
        (
            json!({"name": "a\nb", "url": url, "events": ["phone.boot"]}),
            "invalid_webhook_name",
        ),
        (
            json!({"name": "n", "url": "ftp://hooks.example.net/", "events": ["phone.boot"]}),
            "invalid_webhook_url",
        ),
        (
            json!({"name": "n", "url": "https://u:p@hooks.example.net/", "events": ["phone.boot"]}),
            "invalid_webhook_url",
        ),
        (
            json!({"name": "n", "url": format!("https://h.example/{}", "a".repeat(2048)), "events": ["phone.boot"]}),
            "invalid_webhook_url",
        ),
        (
            json!({"name": "n", "url": "no url", "events": ["phone.boot"]}),
            "invalid_webhook_url",
        ),
        (
            json!({"name": "n", "url": url, "events": []}),
            "invalid_webhook_events",
        ),
        (
            json!({"name": "n", "url": url, "events": ["phone.boot", "phone.boot"]}),
            "invalid_webhook_events",
        ),
    ] {
        refused(app.post(HOOKS, &admin, &body).await, 422, code).await;
    }
    let unknown_event = json!({"name": "n", "url": url, "events": ["phone.exploded"]});
    assert_eq!(app.post(HOOKS, &admin, &unknown_event).await.status(), 400);
    let twin = json!({"name": "ticketing", "url": url, "events": ["phone.boot"]});
    refused(
        app.post(HOOKS, &admin, &twin).await,
        409,
        "webhook_name_taken",
    )
    .await;
    let path = format!("{HOOKS}/{id}");
    refused(
        app.patch(&path, &admin, &json!({"url": "gopher://x"}))
            .await,
        422,
        "invalid_webhook_url",
    )
    .await;
    refused(
        app.patch(&path, &admin, &json!({"events": []})).await,
        422,
        "invalid_webhook_events",
    )
    .await;
    assert_eq!(
        list(&app, &admin).await,
        listed,
        "refused input changed a webhook"
    );
    assert_eq!(app.audit_actions(account).await, audit_before);

    // A User gets 403 everywhere and changes nothing.
    refused(app.get(HOOKS, &user).await, 403, "forbidden").await;
    refused(
        app.post(
            HOOKS,
            &user,
            &json!({"name": "u", "url": url, "events": ["phone.boot"]}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    refused(app.get(&path, &user).await, 403, "forbidden").await;
    refused(
        app.patch(&path, &user, &json!({"enabled": false})).await,
        403,
        "forbidden",
    )
    .await;
    refused(app.delete(&path, &user).await, 403, "forbidden").await;
    refused(
        app.post(&format!("{path}/secret"), &user, &json!({})).await,
        403,
        "forbidden",
    )
    .await;
    refused(
        app.post(&format!("{path}/test"), &user, &json!({})).await,
        403,
        "forbidden",
    )
    .await;
    refused(
        app.get(&format!("{path}/deliveries"), &user).await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(list(&app, &admin).await, listed);

    // Changes: only the fields given; a second webhook cannot take the first one's name.
    let patched: Value = app
        .patch(&path, &admin, &json!({"name": "tickets", "enabled": false}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (patched["name"].as_str(), patched["enabled"].as_bool()),
        (Some("tickets"), Some(false))
    );
    assert_eq!(patched["url"], url);
    assert_eq!(patched["events"], hook["events"]);
    refused(
        app.post(&format!("{path}/test"), &admin, &json!({})).await,
        409,
        "webhook_disabled",
    )
    .await;
    let (other, _) = create(&app, &admin, "other", url).await;
    let taken = app
        .patch(
            &format!("{HOOKS}/{other}"),
            &admin,
            &json!({"name": "tickets"}),
        )
        .await;
    refused(taken, 409, "webhook_name_taken").await;

    // Rotation shows a new secret, once.
    let rotated = app
        .post(&format!("{path}/secret"), &admin, &json!({}))
        .await;
    assert_eq!(rotated.status(), 200);
    let rotated: Value = rotated.json().await.unwrap();
    let new_secret = rotated["secret"].as_str().unwrap();
    assert!(new_secret.starts_with("whsec_") && new_secret != secret);
    assert!(!list(&app, &admin).await.to_string().contains("whsec_"));

    // Deleting: gone, with a 404 afterwards.
    assert_eq!(app.delete(&path, &admin).await.status(), 204);
    refused(app.get(&path, &admin).await, 404, "webhook_not_found").await;
    refused(app.delete(&path, &admin).await, 404, "webhook_not_found").await;
    let actions = app.audit_actions(account).await;
    for action in [
        "webhook.create",
        "webhook.update",
        "webhook.rotate_secret",
        "webhook.delete",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
    app.stop().await;
}

async fn another_accounts_webhooks_are_404_on_every_route_and_stay_unchanged(engine: Engine) {
    let app = spawn_app_with(engine, fast).await;
    let receiver = Receiver::start().await;
    app.create_account("Acme", "admin@acme.example").await;
    let (globex, _) = app.create_account("Globex", "admin@globex.example").await;
    let a = app.token("admin@acme.example").await;
    let b = app.token("admin@globex.example").await;
    let (theirs, _) = create(&app, &b, "theirs", &receiver.url()).await;
    send_test(&app, &b, theirs).await;
    let delivered = wait_delivery(&app, &b, theirs, 10, |d| d["state"] == "delivered").await;
    let delivery = delivered["id"].as_i64().unwrap();
    let (mine, _) = create(&app, &a, "mine", &receiver.url()).await;
    let before = (list(&app, &b).await, deliveries(&app, &b, theirs).await);
    let audit_before = app.audit_actions(globex).await;

    let path = format!("{HOOKS}/{theirs}");
    let patch = json!({"name": "stolen", "enabled": false});
    for response in [
        app.get(&path, &a).await,
        app.patch(&path, &a, &patch).await,
        app.delete(&path, &a).await,
        app.post(&format!("{path}/secret"), &a, &json!({})).await,
        app.post(&format!("{path}/test"), &a, &json!({})).await,
        app.get(&format!("{path}/deliveries"), &a).await,
        app.post(
            &format!("{path}/deliveries/{delivery}/resend"),
            &a,
            &json!({}),
        )
        .await,
    ] {
        refused(response, 404, "webhook_not_found").await;
    }
    // Their delivery through my webhook's path is no more visible.
    let through_mine = format!("{HOOKS}/{mine}/deliveries/{delivery}/resend");
    refused(
        app.post(&through_mine, &a, &json!({})).await,
        404,
        "delivery_not_found",
    )
    .await;
    let unknown = format!("{HOOKS}/{mine}/deliveries/999999/resend");
    refused(
        app.post(&unknown, &a, &json!({})).await,
        404,
        "delivery_not_found",
    )
    .await;
    assert_eq!(
        list(&app, &a).await.as_array().unwrap().len(),
        1,
        "A sees only its own"
    );
    assert_eq!(
        before,
        (list(&app, &b).await, deliveries(&app, &b, theirs).await)
    );
    assert_eq!(app.audit_actions(globex).await, audit_before);
    assert_eq!(
        receiver.received().len(),
        1,
        "nothing more was sent to B's receiver"
    );
    app.stop().await;
}

async fn non_public_addresses_are_refused_by_default_when_saved_and_when_connecting(
    engine: Engine,
) {
    let app = spawn_app_with(engine, |s| {
        fast(s);
        s.webhook_allow_private = false;
    })
    .await;
    let receiver = Receiver::start().await;
    app.create_account("Acme", "admin@acme.example").await;
    let admin = app.token("admin@acme.example").await;
    let port = receiver.port;
    for url in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://[::1]:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        "http://169.254.169.254/latest/meta-data".to_string(),
        "http://10.1.2.3/".to_string(),
        format!("http://localhost:{port}/"),
        format!("http://localhost.:{port}/"),
    ] {
        let body = json!({"name": "local", "url": url, "events": ["phone.boot"]});
        let response = app.post(HOOKS, &admin, &body).await;
        refused(response, 422, "webhook_address_not_allowed").await;
    }
    assert_eq!(list(&app, &admin).await, json!([]));

    // A name is checked when connecting: a URL saved before (here written straight into the
    // database) whose name resolves to loopback is never called. (`localhost` through the
    // system resolver, /etc/hosts: `localhost.` does not resolve on every machine.)
    let (id, _) = create(&app, &admin, "public", "https://hooks.example.net/rcs").await;
    let sneaky = format!("http://localhost:{port}/hook");
    sqlx::query("UPDATE webhooks SET url = $1 WHERE id = $2")
        .bind(&sneaky)
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    send_test(&app, &admin, id).await;
    let tried = wait_delivery(&app, &admin, id, 10, |d| d["attempts"].as_i64() >= Some(1)).await;
    let error = tried["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("address not allowed"), "{tried}");
    assert!(tried["last_status"].is_null(), "{tried}");
    assert_eq!(tried["state"], "pending", "retried later: {tried}");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(receiver.received().is_empty(), "the receiver got a request");
    app.stop().await;
}
