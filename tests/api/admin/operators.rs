//! Operators: made on the server (`rcs operator add`), logging in on the same page as staff,
//! kept apart from every account, and the only callers of `/api/v1/admin/...`.

use rcs_shared::{OperatorAuditPage, Role, User};
use serde_json::json;

use crate::helpers::{error_body, routes, spawn_app, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    an_operator_logs_in_like_staff_and_is_told_apart,
    operators_stay_out_of_accounts_and_staff_out_of_the_console,
    an_operator_cannot_be_made_by_an_account,
);

/// An operator's session token.
pub async fn operator_token(app: &TestApp, email: &str) -> String {
    app.add_operator(email).await;
    app.token(email).await
}

async fn an_operator_logs_in_like_staff_and_is_told_apart(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = operator_token(&app, "ops@platform.example").await;
    let me: User = app.get("/api/v1/me", &token).await.json().await.unwrap();
    assert_eq!(me.role, Role::Operator);
    assert_eq!(me.email, "ops@platform.example");

    let page: OperatorAuditPage = app
        .get("/api/v1/admin/audit", &token)
        .await
        .json()
        .await
        .unwrap();
    let first = &page.items[0];
    assert_eq!(
        (first.action.as_str(), first.target.as_str()),
        ("operator.add", "ops@platform.example")
    );
    assert_eq!(first.actor, "rcs operator (CLI)");

    let response = app.post(routes::LOGOUT, &token, &json!({})).await;
    assert_eq!(response.status(), 204);
    assert_eq!(app.get("/api/v1/admin/audit", &token).await.status(), 401);
}

async fn operators_stay_out_of_accounts_and_staff_out_of_the_console(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, admin) = app.admin_of("Acme").await;
    let operator = operator_token(&app, "ops@platform.example").await;

    let response = app.get("/api/v1/admin/audit", &admin).await;
    assert_eq!(response.status(), 403);
    assert_eq!(error_body(response).await.code, "operator_only");

    for path in [
        "/api/v1/phones",
        "/api/v1/users",
        "/api/v1/servers",
        "/api/v1/summary",
    ] {
        let response = app.get(path, &operator).await;
        assert_eq!(response.status(), 403, "{path}");
        assert_eq!(
            error_body(response).await.code,
            "operator_not_staff",
            "{path}"
        );
    }
    // The account's user list shows its own staff only.
    let users: Vec<User> = app.get("/api/v1/users", &admin).await.json().await.unwrap();
    assert_eq!(users.len(), 1);
    // An operator has no account to give a key to.
    let response = app
        .post(
            "/api/v1/api-keys",
            &operator,
            &json!({"name": "ops", "role": "read_only"}),
        )
        .await;
    assert_eq!(response.status(), 403);
}

async fn an_operator_cannot_be_made_by_an_account(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, admin) = app.admin_of("Acme").await;
    let body = json!({"email": "sneaky@acme.example", "role": "operator", "name": ""});
    let response = app.post("/api/v1/users", &admin, &body).await;
    assert_eq!(response.status(), 422);
    assert_eq!(error_body(response).await.code, "invalid_role");
    // Nor is an existing username taken over.
    app.add_operator("ops@platform.example").await;
    let body = json!({"email": "ops@platform.example", "role": "user", "name": ""});
    let response = app.post("/api/v1/users", &admin, &body).await;
    assert_eq!(response.status(), 409);
}
