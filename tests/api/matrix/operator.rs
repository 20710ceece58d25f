//! The operator's column of the role matrix, for every operation of the operator console
//! (`/api/v1/admin/...`, tagged `admin` in the document):
//! - a Super User, a User and an API key of the highest role each get 403 `operator_only`
//!   and change nothing;
//! - an operator gets through: every GET answers 200, every write one of its documented
//!   statuses, never 401 or 403.

use serde_json::{json, Value};

use super::{fill, is_console, matrix_app, operations, request, snapshot, tenant};
use crate::admin::operators::operator_token;
use crate::helpers::Engine;
use crate::on_both_engines;

on_both_engines!(only_operators_reach_the_console_and_they_reach_all_of_it);

async fn only_operators_reach_the_console_and_they_reach_all_of_it(engine: Engine) {
    let app = matrix_app(engine).await;
    app.load_sample_firmware().await;
    let t = tenant(&app, "Acme", "00085D0A0A0A").await;
    let operator = operator_token(&app, "ops@platform.example").await;

    let key = app
        .post(
            "/api/v1/api-keys",
            &t.admin,
            &json!({"name": "matrix", "role": "super_user"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let console: Vec<_> = operations()
        .into_iter()
        .filter(|(_, _, op)| is_console(op))
        .collect();
    // Accounts (8), firmware (3), trust (6), unknown phones (2), summary and trail (2).
    assert_eq!(
        console.len(),
        21,
        "the console's operations in the document"
    );

    let before = snapshot(&app).await;
    for (method, path, op) in &console {
        for (who, token) in [
            ("Super User", &t.admin),
            ("User", &t.user_token),
            ("key", &key),
        ] {
            let response = request(&app, method, &fill(path, &t), op, token)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert_eq!(
                (status, body["code"].as_str()),
                (403, Some("operator_only")),
                "{method} {path} as {who}"
            );
        }
    }
    assert_eq!(
        before,
        snapshot(&app).await,
        "a refused caller changed data"
    );

    // Reads first, then writes (a delete last: the account goes away with it).
    let mut ordered = console.clone();
    ordered.sort_by_key(|(method, _, _)| match method.as_str() {
        "get" => 0,
        "delete" => 2,
        _ => 1,
    });
    for (method, path, op) in &ordered {
        let response = request(&app, method, &fill(path, &t), op, &operator)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        let call = format!("{method} {path} as operator");
        if method == "get" && !path.contains('{') {
            assert_eq!(status, 200, "{call}: {body}");
        }
        assert!(![401, 403].contains(&status), "{call}: {status} {body}");
        assert!(
            !op["responses"][status.to_string()].is_null(),
            "{call}: {status} is not documented: {body}"
        );
    }
    app.stop().await;
}
