//! Tenant isolation and roles, for every route of the OpenAPI document (which is generated
//! from the route table, so a new route is in these matrices the moment it exists):
//! - every `/api/v1` operation with a path parameter, called by account A's Super User on
//!   account B's server, branding, file, phone or user, answers 404 and changes nothing;
//! - every operation that documents a 403, called by a User, answers 403 and changes nothing.
//!
//! - every operation, called with an API key of each role, answers as that role may
//!   (`keys.rs`).
//!
//! Request bodies are the examples of the operations' schemas in the same document.

use serde_json::{json, Value};

use crate::helpers::{internals, routes};
use crate::helpers::{spawn_app_with, Engine, TestApp};
use crate::on_both_engines;

mod keys;
mod operator;

/// An operation of the operator console (tagged `admin`): its callers are operators, whose
/// own matrix is `operator.rs`.
fn is_console(op: &Value) -> bool {
    op["tags"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t == "admin"))
}

/// A route only Super Users may use: its documented 403 names them.
fn super_user_only(op: &Value) -> bool {
    op["responses"]["403"]["description"]
        .as_str()
        .is_some_and(|d| d.contains("Super User"))
}

on_both_engines!(
    another_accounts_objects_are_404_on_every_route_and_stay_unchanged,
    a_user_gets_403_on_every_super_user_route_and_nothing_changes,
);

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-matrix";

/// An account with one of everything a path can name.
struct Tenant {
    admin: String,
    user_token: String,
    server: i64,
    branding: i64,
    file: &'static str,
    mac: String,
    user: i64,
    api_key: i64,
    webhook: i64,
    delivery: i64,
    /// Ids for the operator console's paths, by the path up to its parameter (such as
    /// `/api/v1/admin/accounts/`, the tenant's own account).
    console: std::collections::HashMap<&'static str, i64>,
}

/// A release of the sample catalog (`load_sample_firmware`), for `{version}` parameters.
const FIRMWARE_VERSION: &str = "4.2.0.181";

async fn tenant(app: &TestApp, name: &str, mac: &str) -> Tenant {
    let domain = name.to_lowercase();
    let admin_email = format!("admin@{domain}.example");
    let (account, _) = app.create_account(name, &admin_email).await;
    let user_email = format!("user@{domain}.example");
    let user = app
        .add_user(account, &user_email, rcs_shared::Role::User)
        .await;
    let admin = app.token(&admin_email).await;
    let user_token = app.token(&user_email).await;
    let server: Value = app
        .post(
            routes::SERVERS,
            &admin,
            &json!({"name": format!("{name} PBX"), "url": "https://pbx.example.net/cfg/"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let branding: Value = app
        .post(
            routes::BRANDINGS,
            &admin,
            &json!({"name": format!("{name} brand")}),
        )
        .await
        .json()
        .await
        .unwrap();
    let branding = branding["id"].as_i64().unwrap();
    let put = app
        .put_bytes(&routes::branding_file(branding, "logo.png"), &admin, PNG)
        .await;
    assert_eq!(put.status(), 200);
    let server = server["id"].as_i64().unwrap();
    let added = app
        .post(
            routes::PHONES,
            &admin,
            &json!({"macs": [mac], "server_id": server, "branding_id": branding}),
        )
        .await;
    assert_eq!(added.status(), 200);
    let api_key: Value = app
        .post(
            "/api/v1/api-keys",
            &admin,
            &json!({"name": format!("{name} sync"), "role": "user"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let api_key = api_key["key"]["id"].as_i64().unwrap();
    let (webhook, delivery) = webhook(app, &admin, name).await;
    Tenant {
        admin,
        user_token,
        server,
        branding,
        file: "logo.png",
        mac: mac.to_string(),
        user,
        api_key,
        webhook,
        delivery,
        // The console's paths: this account, and no such CA or list (the operator still
        // reaches those routes: 404, documented).
        console: std::collections::HashMap::from([
            ("/api/v1/admin/accounts/", account),
            ("/api/v1/admin/device-cas/", 999_999),
            ("/api/v1/admin/device-crls/", 999_999),
        ]),
    }
}

/// A webhook of the tenant (to a closed loopback port: its deliveries fail at once and wait
/// for a retry) with one delivery.
async fn webhook(app: &TestApp, admin: &str, name: &str) -> (i64, i64) {
    let body = json!({"name": format!("{name} hook"), "url": "http://127.0.0.1:9/", "events": ["phone.boot"]});
    let created: Value = app
        .post("/api/v1/webhooks", admin, &body)
        .await
        .json()
        .await
        .unwrap();
    let id = created["webhook"]["id"].as_i64().unwrap();
    let queued = app
        .post(&format!("/api/v1/webhooks/{id}/test"), admin, &json!({}))
        .await;
    assert_eq!(queued.status(), 202);
    let page: Value = app
        .get(&format!("/api/v1/webhooks/{id}/deliveries"), admin)
        .await
        .json()
        .await
        .unwrap();
    (id, page["items"][0]["id"].as_i64().unwrap())
}

/// The matrices' app: webhooks may reach loopback (the tenants' webhooks point there).
async fn matrix_app(engine: Engine) -> TestApp {
    spawn_app_with(engine, |s| s.webhook_allow_private = true).await
}

/// The OpenAPI document as JSON, built once.
fn document() -> &'static Value {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOC.get_or_init(|| serde_json::to_value(rcs::openapi::document()).unwrap())
}

/// Every operation of the document: (method, path template, operation object).
fn operations() -> Vec<(String, String, Value)> {
    let doc = document();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                ops.push((method.clone(), path.clone(), op.clone()));
            }
        }
    }
    ops
}

/// The example body of `op`'s JSON request schema, if it takes one.
fn example_body(op: &Value) -> Option<Value> {
    let doc = document();
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    if schema.is_null() {
        return None;
    }
    let name = schema["$ref"].as_str()?.rsplit('/').next()?;
    let example = doc["components"]["schemas"][name]["example"].clone();
    assert!(!example.is_null(), "schema {name} has no example");
    Some(example)
}

/// The path with its parameters filled from `t`'s objects; fails for a parameter nobody
/// taught this test, so a new kind of path cannot slip through.
fn fill(path: &str, t: &Tenant) -> String {
    let id = if path.starts_with("/api/v1/servers/") {
        t.server
    } else if path.starts_with("/api/v1/brandings/") {
        t.branding
    } else if path.starts_with("/api/v1/users/") {
        t.user
    } else if path.starts_with("/api/v1/api-keys/") {
        t.api_key
    } else if path.starts_with("/api/v1/webhooks/") {
        t.webhook
    } else if path.starts_with("/api/v1/admin/") {
        t.console
            .get(path.split('{').next().unwrap_or_default())
            .copied()
            .unwrap_or(0)
    } else {
        0
    };
    let mut filled = path.to_string();
    for (param, value) in [
        ("{id}", id.to_string()),
        ("{delivery_id}", t.delivery.to_string()),
        ("{mac}", t.mac.clone()),
        ("{name}", t.file.to_string()),
        ("{version}", FIRMWARE_VERSION.to_string()),
    ] {
        if filled.contains(param) {
            assert!(
                value != "0",
                "no object of the tenant fits {param} in {path}"
            );
            filled = filled.replace(param, &value);
        }
    }
    assert!(
        !filled.contains('{'),
        "a path parameter of {path} is not mapped"
    );
    filled
}

async fn call(app: &TestApp, method: &str, path: &str, op: &Value, token: &str) -> u16 {
    let request = request(app, method, path, op, token);
    request.send().await.unwrap().status().as_u16()
}

/// The request of `op` on `path` with `token`, with the body its document describes.
fn request(
    app: &TestApp,
    method: &str,
    path: &str,
    op: &Value,
    token: &str,
) -> reqwest::RequestBuilder {
    let method = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if !op["requestBody"]["content"]["application/octet-stream"].is_null() {
        request = request.body(PNG.to_vec());
    } else if !op["requestBody"]["content"]["text/csv"].is_null() {
        request = request.body("mac\n00085D0B0B0B\n");
    } else if let Some(body) = example_body(op) {
        request = request.json(&body);
    }
    request
}

/// Every table but the ones a request legitimately touches (sessions, throttles).
async fn snapshot(app: &TestApp) -> Vec<(String, Vec<String>)> {
    let mut all = Vec::new();
    for table in internals::TRANSFER_TABLES {
        if ["sessions", "rate_limits"].contains(table) {
            continue;
        }
        let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        let rows = vec![count.to_string()];
        all.push(((*table).to_string(), rows));
    }
    all.push(("dump".into(), vec![dump(app).await]));
    all
}

/// The rows of the tables whose content matters here, as text.
async fn dump(app: &TestApp) -> String {
    let mut out = String::new();
    for (table, columns) in [
        ("servers", "id, account_id, name, url"),
        ("brandings", "id, account_id, name, is_default"),
        ("branding_files", "branding_id, name, sha256"),
        (
            "phones",
            "mac, account_id, server_id, branding_id, firmware",
        ),
        ("users", "id, account_id, email, role, password_hash"),
        ("audit_events", "id"),
    ] {
        let rows: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT CAST(({}) AS TEXT) FROM {table} ORDER BY 1",
            columns
                .split(", ")
                .map(|c| format!("COALESCE(CAST({c} AS TEXT), '-')"))
                .collect::<Vec<_>>()
                .join(" || '|' || ")
        ))
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        out.push_str(&format!("{table}: {rows:?}\n"));
    }
    out
}

async fn another_accounts_objects_are_404_on_every_route_and_stay_unchanged(engine: Engine) {
    let app = matrix_app(engine).await;
    app.load_sample_firmware().await;
    let a = tenant(&app, "Acme", "00085D0A0A0A").await;
    let b = tenant(&app, "Globex", "00085D0B0B0B").await;
    let before = snapshot(&app).await;

    let mut checked = Vec::new();
    for (method, path, op) in operations() {
        if !path.starts_with("/api/v1/") || !path.contains('{') || is_console(&op) {
            continue;
        }
        let target = fill(&path, &b);
        let status = call(&app, &method, &target, &op, &a.admin).await;
        assert_eq!(
            status, 404,
            "{method} {path} with account B's object answered {status} to account A"
        );
        checked.push(format!("{method} {path}"));
    }
    // The bulk operations name phones in their bodies.
    for (path, body) in [
        (
            routes::PHONES,
            json!({"macs": [b.mac], "set": {"server_id": null}}),
        ),
        (routes::PHONES_DELETE, json!({"macs": [b.mac]})),
    ] {
        let method = if path == routes::PHONES {
            reqwest::Method::PATCH
        } else {
            reqwest::Method::POST
        };
        let status = app
            .client
            .request(method.clone(), app.url(path))
            .bearer_auth(&a.admin)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 404, "{method} {path} with B's MAC");
    }
    assert!(checked.len() >= 15, "too few routes checked: {checked:?}");
    assert_eq!(
        before,
        snapshot(&app).await,
        "account A changed account B's data"
    );

    // The same calls on A's own objects do reach them (the 404s above are about ownership,
    // not broken requests): every GET answers 200.
    for (method, path, op) in operations() {
        if method == "get" && path.starts_with("/api/v1/") && path.contains('{') && !is_console(&op)
        {
            let status = call(&app, &method, &fill(&path, &a), &op, &a.admin).await;
            assert_eq!(status, 200, "GET {path} on A's own object");
        }
    }
}

async fn a_user_gets_403_on_every_super_user_route_and_nothing_changes(engine: Engine) {
    let app = matrix_app(engine).await;
    app.load_sample_firmware().await;
    let a = tenant(&app, "Acme", "00085D0A0A0A").await;
    let before = snapshot(&app).await;
    let mut checked = Vec::new();
    for (method, path, op) in operations() {
        // Device routes answer 403 for a certificate of another MAC; not a role. Every
        // authenticated route documents a 403 (an operator, a read-only key, a suspended
        // account); the Super User's routes say so in theirs.
        if !path.starts_with("/api/v1/") || !super_user_only(&op) || is_console(&op) {
            continue;
        }
        let target = fill(&path, &a);
        let status = call(&app, &method, &target, &op, &a.user_token).await;
        assert_eq!(status, 403, "{method} {path} answered {status} to a User");
        checked.push(format!("{method} {path}"));
    }
    assert!(checked.len() >= 10, "too few routes checked: {checked:?}");
    assert_eq!(before, snapshot(&app).await, "a refused User changed data");

    // The Super User of the same account gets through on the read routes.
    for (method, path, op) in operations() {
        if method == "get"
            && path.starts_with("/api/v1/")
            && super_user_only(&op)
            && !is_console(&op)
        {
            let status = call(&app, &method, &fill(&path, &a), &op, &a.admin).await;
            assert_eq!(status, 200, "GET {path} as Super User");
        }
    }
}
