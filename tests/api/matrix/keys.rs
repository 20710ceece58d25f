//! The API-key columns of the role matrix: every `/api/v1` operation of the document that
//! needs a credential, called with a key of role `read_only`, `user` and `super_user`:
//! - the document lists the `api_key` scheme exactly where keys work (not on the session-only
//!   routes, `SESSION_ONLY_PREFIXES`);
//! - a read-only key may only GET (403 `read_only_key` otherwise), every key gets 403
//!   `session_required` on the session-only routes, a `user` key gets the 403 `forbidden` a
//!   User gets on the Super User routes; each refusal changes nothing;
//! - every other call gets through: a GET answers 200, a write answers one of its documented
//!   statuses, never 401 or 403.

use serde_json::{json, Value};

use super::{fill, is_console, matrix_app, operations, request, snapshot, tenant, Tenant};
use crate::helpers::{Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(every_route_answers_an_api_key_as_its_role_may);

const ROLES: [&str; 3] = ["read_only", "user", "super_user"];

async fn key(app: &TestApp, admin: &str, role: &str) -> String {
    let body = json!({"name": format!("matrix {role}"), "role": role});
    let response = app.post("/api/v1/api-keys", admin, &body).await;
    assert_eq!(response.status(), 201, "create a {role} key");
    let created: Value = response.json().await.unwrap();
    created["secret"].as_str().unwrap().to_string()
}

/// The operations a credential is needed for: (method, path, operation, session only).
fn keyed_operations() -> Vec<(String, String, Value, bool)> {
    let mut ops = Vec::new();
    for (method, path, op) in operations() {
        let security = op["security"].to_string();
        if !path.starts_with("/api/v1/") || !security.contains("\"bearer\"") {
            continue;
        }
        let session_only = rcs::openapi::SESSION_ONLY_PREFIXES
            .iter()
            .any(|p| path.starts_with(p));
        assert_eq!(
            security.contains("\"api_key\""),
            !session_only,
            "{method} {path}: the api_key scheme is listed where keys work, and only there"
        );
        ops.push((method, path, op, session_only));
    }
    assert!(ops.len() >= 40, "too few operations: {}", ops.len());
    ops
}

/// The refusal a key of `role` must get, if any.
fn refusal(role: &str, method: &str, op: &Value, session_only: bool) -> Option<&'static str> {
    let super_user_only = super::super_user_only(op);
    if role == "read_only" && method != "get" {
        Some("read_only_key")
    } else if is_console(op) {
        Some("operator_only")
    } else if session_only {
        Some("session_required")
    } else if role != "super_user" && super_user_only {
        Some("forbidden")
    } else {
        None
    }
}

async fn answer(app: &TestApp, call: (&str, &str, &Value), t: &Tenant, key: &str) -> (u16, Value) {
    let (method, path, op) = call;
    let response = request(app, method, &fill(path, t), op, key)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn every_route_answers_an_api_key_as_its_role_may(engine: Engine) {
    let app = matrix_app(engine).await;
    app.load_sample_firmware().await;
    let t = tenant(&app, "Acme", "00085D0A0A0A").await;
    let mut keys = Vec::new();
    for role in ROLES {
        keys.push((role, key(&app, &t.admin, role).await));
    }
    let ops = keyed_operations();

    // Refusals and reads first: none of them changes anything.
    let before = snapshot(&app).await;
    let mut refused = 0;
    for (method, path, op, session_only) in &ops {
        for (role, key) in &keys {
            let expected = refusal(role, method, op, *session_only);
            if expected.is_none() && method != "get" {
                continue;
            }
            let (status, body) = answer(&app, (method, path, op), &t, key).await;
            let call = format!("{method} {path} with a {role} key");
            match expected {
                Some(code) => {
                    assert_eq!((status, body["code"].as_str()), (403, Some(code)), "{call}");
                    refused += 1;
                }
                None => assert_eq!(status, 200, "{call}: {body}"),
            }
        }
    }
    assert!(refused >= 40, "too few refusals checked: {refused}");
    assert_eq!(
        before,
        snapshot(&app).await,
        "a refused key or a read changed data"
    );

    // The writes each role may do get through (their example bodies may still be refused
    // for what they say, with a documented status, but never for the credential).
    let mut written = Vec::new();
    for (method, path, op, session_only) in &ops {
        for (role, key) in &keys {
            if method == "get" || refusal(role, method, op, *session_only).is_some() {
                continue;
            }
            let (status, body) = answer(&app, (method, path, op), &t, key).await;
            let call = format!("{method} {path} with a {role} key");
            assert!(![401, 403].contains(&status), "{call}: {status} {body}");
            assert!(
                !op["responses"][status.to_string()].is_null(),
                "{call}: {status} is not documented: {body}"
            );
            written.push(call);
        }
    }
    assert!(written.len() >= 20, "too few writes checked: {written:?}");
    app.stop().await;
}
