//! API keys for scripts: created by Super Users from a session, shown once, acting with their
//! role (a read-only key only reads), attributed in the audit trail as `key:<name>`, refused
//! at once on every node when revoked or expired, and throttled only when they fail.

use std::ffi::OsString;

use rcs_shared::{ApiKey, ApiKeyCreated, AuditPage, Role};
use serde_json::{json, Value};

use crate::helpers::cli::{create_account, login, serve_with, trusting};
use crate::helpers::{error_body, routes, spawn_app, spawn_app_with, start, Engine, TestApp};
use crate::on_both_engines;

const API_KEYS: &str = "/api/v1/api-keys";

fn api_key(id: i64) -> String {
    format!("{API_KEYS}/{id}")
}

on_both_engines!(
    a_key_is_shown_once_and_a_read_only_key_only_reads,
    a_key_acts_with_its_role_and_its_changes_are_audited_under_its_name,
    keys_cannot_reach_session_only_routes,
    expired_and_revoked_keys_get_the_same_401_as_an_unknown_one_on_every_node,
    keys_are_managed_by_super_users_of_their_own_account_only,
    key_names_and_expiries_are_validated,
    failed_key_attempts_are_throttled_per_address_but_a_valid_key_still_works,
    a_key_secret_never_reaches_the_log,
    a_read_only_key_gets_403_on_every_write_the_document_lists,
);

/// Creates a key with `token` (a Super User's session), checked to be created.
async fn create_key(app: &TestApp, token: &str, name: &str, role: &str) -> ApiKeyCreated {
    let response = app
        .post(API_KEYS, token, &json!({"name": name, "role": role}))
        .await;
    assert_eq!(response.status(), 201, "create key {name}");
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().await.unwrap()
}

async fn list_keys(app: &TestApp, token: &str) -> (String, Vec<ApiKey>) {
    let response = app.get(API_KEYS, token).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let keys = serde_json::from_str(&text).unwrap();
    (text, keys)
}

async fn a_key_is_shown_once_and_a_read_only_key_only_reads(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, admin) = app.admin_of("Acme").await;
    let created = create_key(&app, &admin, "inventory", "read_only").await;
    let secret = created.secret.clone();
    assert!(secret.starts_with("rcs_"), "{secret}");
    assert_eq!(secret.len(), 4 + 43);
    assert!(secret.starts_with(&created.key.prefix));
    assert_eq!(created.key.created_by, "admin@acme.example");
    assert_eq!(created.key.last_used_at, None);

    let phones = app.get(routes::PHONES, &secret).await;
    assert_eq!(phones.status(), 200);
    let write = app
        .post(
            routes::SERVERS,
            &secret,
            &json!({"name": "PBX", "url": "https://pbx.example/"}),
        )
        .await;
    assert_eq!(write.status(), 403);
    assert_eq!(error_body(write).await.code, "read_only_key");

    let (text, keys) = list_keys(&app, &admin).await;
    assert!(!text.contains(&secret), "the list shows the secret");
    assert!(
        !text.contains(&secret[8..]),
        "the list shows part of the secret's body"
    );
    let key = &keys[0];
    assert_eq!(key.name, "inventory");
    assert!(key.last_used_at.is_some(), "last use recorded");
    assert_eq!(key.last_used_addr.as_deref(), Some("127.0.0.1"));
    let audit = app.get(routes::AUDIT, &admin).await.text().await.unwrap();
    assert!(
        !audit.contains(&secret[8..]),
        "the audit trail shows the secret"
    );
    let me = app.get(routes::ME, &admin).await.text().await.unwrap();
    assert!(!me.contains(&secret[8..]));
}

async fn a_key_acts_with_its_role_and_its_changes_are_audited_under_its_name(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, admin) = app.admin_of("Acme").await;
    let user_key = create_key(&app, &admin, "provisioner", "user").await.secret;
    let created = app
        .post(
            routes::SERVERS,
            &user_key,
            &json!({"name": "PBX", "url": "https://pbx.example/"}),
        )
        .await;
    assert_eq!(created.status(), 201);
    // Super User only: a user key acts as a User.
    assert_eq!(app.get(routes::USERS, &user_key).await.status(), 403);
    assert_eq!(app.get(routes::AUDIT, &user_key).await.status(), 403);
    let super_key = create_key(&app, &admin, "ops", "super_user").await.secret;
    assert_eq!(app.get(routes::AUDIT, &super_key).await.status(), 200);

    let page: AuditPage = app.get(routes::AUDIT, &admin).await.json().await.unwrap();
    let server = page
        .items
        .iter()
        .find(|e| e.action == "server.create")
        .unwrap();
    assert_eq!(server.actor, "key:provisioner");
    assert_eq!(server.target, "PBX");
    let creations: Vec<_> = page
        .items
        .iter()
        .filter(|e| e.action == "api_key.create")
        .map(|e| (e.actor.as_str(), e.target.as_str()))
        .collect();
    assert_eq!(
        creations,
        [
            ("admin@acme.example", "ops"),
            ("admin@acme.example", "provisioner")
        ]
    );
}

async fn keys_cannot_reach_session_only_routes(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, admin) = app.admin_of("Acme").await;
    let key = create_key(&app, &admin, "ops", "super_user").await.secret;
    let password = json!({"current_password": crate::helpers::PASSWORD, "new_password": "another long passphrase"});
    let attempts = [
        app.get(API_KEYS, &key).await,
        app.post(API_KEYS, &key, &json!({"name": "more", "role": "user"}))
            .await,
        app.delete(&api_key(1), &key).await,
        app.put(routes::MY_PASSWORD, &key, &password).await,
        app.get(routes::ME, &key).await,
        app.get(routes::MY_SECOND_FACTOR, &key).await,
        app.post(
            routes::MY_SECOND_FACTOR,
            &key,
            &json!({"password": crate::helpers::PASSWORD}),
        )
        .await,
    ];
    for response in attempts {
        let url = response.url().to_string();
        assert_eq!(response.status(), 403, "{url}");
        assert_eq!(error_body(response).await.code, "session_required", "{url}");
    }
    let (_, keys) = list_keys(&app, &admin).await;
    assert_eq!(keys.len(), 1, "the key minted no key");
}

async fn expired_and_revoked_keys_get_the_same_401_as_an_unknown_one_on_every_node(engine: Engine) {
    let app = spawn_app(engine).await;
    // A second node on the same database, as behind a load balancer.
    let mut second = crate::helpers::TestEnv::new(engine).await;
    second.settings.database_url = app.env.settings.database_url.clone();
    let node2 = start(second).await;
    let (acme, admin) = app.admin_of("Acme").await;

    let tomorrow = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let tomorrow = tomorrow
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let body = json!({"name": "short-lived", "role": "user", "expires_at": tomorrow});
    let expiring: ApiKeyCreated = app
        .post(API_KEYS, &admin, &body)
        .await
        .json()
        .await
        .unwrap();
    assert!(expiring.key.expires_at.is_some());
    assert_eq!(
        app.get(routes::PHONES, &expiring.secret).await.status(),
        200
    );
    // The day passes.
    sqlx::query("UPDATE api_keys SET expires_at = $1 WHERE id = $2")
        .bind(rcs::db::now() - 1)
        .bind(expiring.key.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let unknown = format!("rcs_{}", "A".repeat(43));
    let refused_unknown = error_body(app.get(routes::PHONES, &unknown).await).await;
    let expired = app.get(routes::PHONES, &expiring.secret).await;
    assert_eq!(expired.status(), 401);
    assert_eq!(error_body(expired).await, refused_unknown);

    let key = create_key(&app, &admin, "sync", "user").await;
    assert_eq!(node2.get(routes::PHONES, &key.secret).await.status(), 200);
    let revoked = app.delete(&api_key(key.key.id), &admin).await;
    assert_eq!(revoked.status(), 204);
    for node in [&node2, &app] {
        let refused = node.get(routes::PHONES, &key.secret).await;
        assert_eq!(refused.status(), 401);
        assert_eq!(error_body(refused).await, refused_unknown);
    }
    assert_eq!(refused_unknown.code, "invalid_token");
    // Revoking again changes nothing; the list shows when it was revoked.
    assert_eq!(app.delete(&api_key(key.key.id), &admin).await.status(), 204);
    let (_, keys) = list_keys(&app, &admin).await;
    let listed = keys.iter().find(|k| k.id == key.key.id).unwrap();
    assert!(listed.revoked_at.is_some());
    let actions = app.audit_actions(acme).await;
    let revocations = actions.iter().filter(|a| *a == "api_key.revoke").count();
    assert_eq!(revocations, 1);
}

async fn keys_are_managed_by_super_users_of_their_own_account_only(engine: Engine) {
    let app = spawn_app(engine).await;
    let (acme, admin) = app.admin_of("Acme").await;
    let (_, other_admin) = app.admin_of("Globex").await;
    let key = create_key(&app, &admin, "sync", "user").await;

    let elsewhere = app.delete(&api_key(key.key.id), &other_admin).await;
    assert_eq!(elsewhere.status(), 404);
    assert_eq!(error_body(elsewhere).await.code, "api_key_not_found");
    let (_, theirs) = list_keys(&app, &other_admin).await;
    assert!(theirs.is_empty());
    assert_eq!(app.get(routes::PHONES, &key.secret).await.status(), 200);

    app.add_user(acme, "user@acme.example", Role::User).await;
    let user = app.token("user@acme.example").await;
    assert_eq!(app.get(API_KEYS, &user).await.status(), 403);
    let create = app
        .post(
            API_KEYS,
            &user,
            &json!({"name": "mine", "role": "read_only"}),
        )
        .await;
    assert_eq!(create.status(), 403);
    assert_eq!(app.delete(&api_key(key.key.id), &user).await.status(), 403);
    assert_eq!(app.get(routes::PHONES, &key.secret).await.status(), 200);
}

async fn key_names_and_expiries_are_validated(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, admin) = app.admin_of("Acme").await;
    let cases = [
        (json!({"name": " ", "role": "user"}), "invalid_key_name"),
        (
            json!({"name": "x".repeat(65), "role": "user"}),
            "invalid_key_name",
        ),
        (
            json!({"name": "a", "role": "user", "expires_at": "2001-01-01T00:00:00Z"}),
            "invalid_expiry",
        ),
        (
            json!({"name": "a", "role": "user", "expires_at": "soon"}),
            "invalid_expiry",
        ),
    ];
    for (body, code) in cases {
        let response = app.post(API_KEYS, &admin, &body).await;
        assert_eq!(response.status(), 422, "{body}");
        assert_eq!(error_body(response).await.code, code, "{body}");
    }
    let unknown_role = app
        .post(API_KEYS, &admin, &json!({"name": "a", "role": "root"}))
        .await;
    assert_eq!(unknown_role.status(), 400);

    let first = create_key(&app, &admin, "sync", "user").await;
    let clash = app
        .post(
            API_KEYS,
            &admin,
            &json!({"name": "sync", "role": "read_only"}),
        )
        .await;
    assert_eq!(clash.status(), 409);
    assert_eq!(error_body(clash).await.code, "api_key_name_taken");
    app.delete(&api_key(first.key.id), &admin).await;
    let again = create_key(&app, &admin, "sync", "read_only").await;
    assert_ne!(again.secret, first.secret);
}

async fn failed_key_attempts_are_throttled_per_address_but_a_valid_key_still_works(engine: Engine) {
    let app = spawn_app_with(engine, |s| s.api_key_max_failures_per_client = 3).await;
    let (_, admin) = app.admin_of("Acme").await;
    let key = create_key(&app, &admin, "sync", "read_only").await.secret;
    let guess = |n: usize| format!("rcs_{}", &n.to_string().repeat(43)[..43]);
    for n in 0..3 {
        assert_eq!(app.get(routes::PHONES, &guess(n)).await.status(), 401);
    }
    let throttled = app.get(routes::PHONES, &guess(4)).await;
    assert_eq!(throttled.status(), 429);
    let wait = crate::helpers::retry_after(&throttled);
    assert!((1..=900).contains(&wait), "{wait}");
    assert_eq!(error_body(throttled).await.code, "too_many_requests");
    // Only failures are throttled: the valid key, and sessions, still work from here.
    assert_eq!(app.get(routes::PHONES, &key).await.status(), 200);
    assert_eq!(app.get(routes::PHONES, &admin).await.status(), 200);
    assert_eq!(app.get(routes::PHONES, &guess(5)).await.status(), 429);
}

/// `rcs serve` at `RUST_LOG=trace`: creating a key, using it (a read, a write, a refused
/// write), a wrong key and the revocation never print the secret.
async fn a_key_secret_never_reaches_the_log(engine: Engine) {
    let env = crate::helpers::TestEnv::new(engine).await;
    let email = "admin@acme.example";
    create_account(&env, "Acme", email).await;
    let settings: Vec<(&str, OsString)> = vec![
        ("RUST_LOG", "trace".into()),
        ("RCS_DATA_DIR", env.data_dir().into()),
        ("RCS_DATABASE_URL", env.settings.database_url.clone().into()),
        ("RCS_WORKERS", "1".into()),
    ];
    let (mut child, port, log) = serve_with(&settings).await;
    let client = trusting(&env.data_dir().join("tls")).build().unwrap();
    let base = format!("https://localhost:{port}");
    let admin = login(&client, &base, email, crate::helpers::PASSWORD).await;
    let call = |method: reqwest::Method, path: &str, token: &str, body: Option<Value>| {
        let request = client
            .request(method, format!("{base}{path}"))
            .bearer_auth(token);
        match body {
            Some(body) => request.json(&body).send(),
            None => request.send(),
        }
    };
    let body = json!({"name": "sync", "role": "user"});
    let created = call(reqwest::Method::POST, API_KEYS, &admin, Some(body))
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: ApiKeyCreated = created.json().await.unwrap();
    let secret = created.secret;
    let read = call(reqwest::Method::GET, routes::PHONES, &secret, None)
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    let server = json!({"name": "PBX", "url": "https://pbx.example/"});
    let write = call(
        reqwest::Method::POST,
        routes::SERVERS,
        &secret,
        Some(server),
    )
    .await
    .unwrap();
    assert_eq!(write.status(), 201);
    let wrong = format!("{}x", &secret[..secret.len() - 1]);
    let refused = call(reqwest::Method::GET, routes::PHONES, &wrong, None)
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let path = api_key(created.key.id);
    let revoked = call(reqwest::Method::DELETE, &path, &admin, None)
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let _ = child.kill();
    let _ = child.wait();
    let lines = log.lock().unwrap().clone();
    assert!(
        lines.len() > 20,
        "trace logging was on: {} lines",
        lines.len()
    );
    let body = &secret[8..];
    let wrong_body = &wrong[8..];
    for line in &lines {
        assert!(!line.contains(body), "the secret reached the log: {line}");
        assert!(
            !line.contains(wrong_body),
            "a wrong key reached the log: {line}"
        );
    }
}

/// The example body of `op`'s JSON request schema, from the document, if it takes one.
fn example_body(doc: &Value, op: &Value) -> Option<Value> {
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    let name = schema["$ref"].as_str()?.rsplit('/').next()?;
    Some(doc["components"]["schemas"][name]["example"].clone())
}

/// The key column of the role matrix: every operation of the OpenAPI document that accepts a
/// key and is not a read, called with a read-only key and a well-formed request, answers 403
/// `read_only_key`, and the audit trail (every change writes to it) stays as it was.
async fn a_read_only_key_gets_403_on_every_write_the_document_lists(engine: Engine) {
    let app = spawn_app(engine).await;
    let (account, admin) = app.admin_of("Acme").await;
    let key = create_key(&app, &admin, "reader", "read_only").await.secret;
    let before = app.audit_actions(account).await;
    let doc = serde_json::to_value(rcs::openapi::document()).unwrap();
    let mut checked = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let keyed = op["security"].to_string().contains("\"api_key\"");
            if !keyed || !["post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let target = path
                .replace("{id}", "1")
                .replace("{mac}", "00085D000001")
                .replace("{name}", "logo.png")
                .replace("{delivery_id}", "1");
            let verb = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut request = app.client.request(verb, app.url(&target)).bearer_auth(&key);
            if !op["requestBody"]["content"]["text/csv"].is_null() {
                request = request.body("mac\n00085D0B0B0B\n");
            } else if !op["requestBody"]["content"]["application/octet-stream"].is_null() {
                request = request.body(b"\x89PNG\r\n\x1a\n".to_vec());
            } else if let Some(body) = example_body(&doc, op) {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 403, "{method} {path}");
            assert_eq!(
                error_body(response).await.code,
                "read_only_key",
                "{method} {path}"
            );
            checked.push(format!("{method} {path}"));
        }
    }
    assert!(checked.len() >= 15, "too few writes checked: {checked:?}");
    assert_eq!(app.audit_actions(account).await, before);
}
