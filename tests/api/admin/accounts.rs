//! The operator's accounts: created with an invited first Super User, listed with counts,
//! renamed, given a phone quota that every write path honours, suspended (staff, keys and
//! phones stop) and resumed, and deleted all or nothing.

use rcs_shared::{AdminAccount, ApiKeyCreated, AuditPage, BootEventPage, OperatorAuditPage};
use serde_json::json;

use super::operators::operator_token;
use crate::helpers::device::{booth, events, provision, user_agent_of};
use crate::helpers::mail::spawn_app_with_mail;
use crate::helpers::{error_body, routes, spawn_app, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    an_account_is_created_with_an_invitation_renamed_and_listed_with_its_counts,
    an_account_with_phones_is_deleted_only_when_forced_and_then_entirely,
    suspension_stops_staff_keys_and_phones_and_resumption_restores_them,
    the_quota_holds_on_add_import_key_and_assignment_while_edits_go_on,
    bad_account_input_is_refused_and_changes_nothing,
);

const ACCOUNTS: &str = "/api/v1/admin/accounts";

fn account(id: i64) -> String {
    format!("{ACCOUNTS}/{id}")
}

async fn accounts(app: &TestApp, token: &str) -> Vec<AdminAccount> {
    let response = app.get(ACCOUNTS, token).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn operator_trail(app: &TestApp, token: &str, query: &str) -> OperatorAuditPage {
    let response = app.get(&format!("/api/v1/admin/audit{query}"), token).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn an_account_is_created_with_an_invitation_renamed_and_listed_with_its_counts(
    engine: Engine,
) {
    let (app, smtp) = spawn_app_with_mail(engine, |_| {}).await;
    let ops = operator_token(&app, "ops@platform.example").await;
    let body = json!({"name": "  Globex Telecom ", "super_user_email": "Boss@Globex.example", "phone_quota": 500});
    let response = app.post(ACCOUNTS, &ops, &body).await;
    assert_eq!(response.status(), 201);
    let created: AdminAccount = response.json().await.unwrap();
    assert_eq!(created.name, "Globex Telecom");
    assert_eq!(created.phone_quota, Some(500));
    assert_eq!((created.users, created.phones), (1, 0));
    assert_eq!(created.suspended_at, None);
    let text = serde_json::to_string(&created).unwrap();
    assert!(!text.contains("password"), "{text}");

    // The first Super User chooses a password through the mailed link; none was shown.
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails[0].to, vec!["boss@globex.example".to_string()]);
    let token = mails[0].reset_token().expect("a set-password link");
    let confirmed = app.confirm_reset(&token, "a long new passphrase 42").await;
    assert_eq!(confirmed.status(), 204);
    let boss = app
        .token_with("boss@globex.example", "a long new passphrase 42")
        .await;
    let me = app.get(routes::ACCOUNT, &boss).await.text().await.unwrap();
    assert!(me.contains("Globex Telecom"), "{me}");

    // Counts follow the account's phones and users; the operators' own account is not listed.
    let added = app
        .register_phones(&boss, &json!({"macs": ["00085D000001", "00085D000002"]}))
        .await;
    assert_eq!(added.status(), 200);
    let (_, acme) = app.admin_of("Acme").await;
    drop(acme);
    let listed = accounts(&app, &ops).await;
    let names: Vec<&str> = listed.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Acme", "Globex Telecom"]);
    assert_eq!((listed[1].phones, listed[1].users), (2, 1));
    assert_eq!(listed[1].last_contact, None);

    let renamed = app
        .patch(&account(created.id), &ops, &json!({"name": "Globex"}))
        .await;
    assert_eq!(renamed.status(), 200);
    assert_eq!(renamed.json::<AdminAccount>().await.unwrap().name, "Globex");
    let taken = app
        .patch(&account(created.id), &ops, &json!({"name": "Acme"}))
        .await;
    assert_eq!(taken.status(), 409);
    assert_eq!(error_body(taken).await.code, "account_name_taken");

    // Both trails: the operator's, and the account's own (its Super User sees the platform).
    let trail = operator_trail(&app, &ops, &format!("?account_id={}", created.id)).await;
    let actions: Vec<&str> = trail.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["account.rename", "account.create"]);
    assert_eq!(trail.items[0].actor, "ops@platform.example");
    assert_eq!(trail.items[0].detail, "Globex Telecom → Globex");
    let own: AuditPage = app.get(routes::AUDIT, &boss).await.json().await.unwrap();
    let by_operator: Vec<(&str, &str)> = own
        .items
        .iter()
        .filter(|e| e.actor.starts_with("operator "))
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        by_operator,
        [
            ("account.rename", "operator ops@platform.example"),
            ("account.create", "operator ops@platform.example")
        ]
    );
}

async fn an_account_with_phones_is_deleted_only_when_forced_and_then_entirely(engine: Engine) {
    let b = booth(engine).await;
    let app = &b.app;
    let ops = operator_token(app, "ops@platform.example").await;
    let mac = "00085D1A2B3C";
    let p = provision(app, "Acme", mac, None).await;
    let path = format!("/phone/{mac}");
    assert_eq!(
        b.boot(&b.phone_for(mac), &path, &user_agent_of(mac))
            .await
            .status(),
        200
    );
    events(app, &p.token, mac, 1).await;
    let (other_id, other) = app.admin_of("Globex").await;

    let refused = app.delete(&account(p.account_id), &ops).await;
    assert_eq!(refused.status(), 409);
    let body = error_body(refused).await;
    assert_eq!(body.code, "account_has_phones");
    assert!(body.message.contains("1 phones"), "{}", body.message);
    assert_eq!(app.get(routes::PHONES, &p.token).await.status(), 200);

    let deleted = app
        .delete(&format!("{}?force=true", account(p.account_id)), &ops)
        .await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(app.get(&account(p.account_id), &ops).await.status(), 404);
    // Its staff are gone with it; the other account is untouched.
    assert_eq!(app.get(routes::PHONES, &p.token).await.status(), 401);
    assert_eq!(app.login("admin@acme.example", "x").await.status(), 401);
    let left = accounts(app, &ops).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, other_id);
    assert_eq!(app.get(routes::PHONES, &other).await.status(), 200);
    // No row of it is left behind, history included.
    for (table, column) in [
        ("phones", "account_id"),
        ("servers", "account_id"),
        ("brandings", "account_id"),
        ("users", "account_id"),
        ("boot_events", "account_id"),
        ("audit_events", "account_id"),
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1");
        let n: i64 = sqlx::query_scalar(&sql)
            .bind(p.account_id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    // The MAC is free again: it is an unknown phone at its next boot.
    assert_eq!(
        b.boot(&b.phone_for(mac), &path, &user_agent_of(mac))
            .await
            .status(),
        404
    );
    // The operator trail keeps the deleted account's name.
    let trail = operator_trail(app, &ops, "?action=account.delete").await;
    assert_eq!(trail.items.len(), 1);
    assert_eq!(trail.items[0].account_name, "Acme");
    assert_eq!(trail.items[0].detail, "1 phones, 1 users");
    assert_eq!(app.delete(&account(p.account_id), &ops).await.status(), 404);
}

async fn suspension_stops_staff_keys_and_phones_and_resumption_restores_them(engine: Engine) {
    let b = booth(engine).await;
    let app = &b.app;
    let ops = operator_token(app, "ops@platform.example").await;
    let mac = "00085D1A2B3C";
    let p = provision(app, "Acme", mac, None).await;
    let created = app
        .post(
            "/api/v1/api-keys",
            &p.token,
            &json!({"name": "inventory", "role": "read_only"}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let key = created.json::<ApiKeyCreated>().await.unwrap().secret;
    let (_, other) = app.admin_of("Globex").await;
    let path = format!("/phone/{mac}");
    let phone = b.phone_for(mac);
    let ua = user_agent_of(mac);

    let suspended = app
        .post(
            &format!("{}/suspend", account(p.account_id)),
            &ops,
            &json!({"reason": "unpaid invoice"}),
        )
        .await;
    assert_eq!(suspended.status(), 200);
    let suspended: AdminAccount = suspended.json().await.unwrap();
    assert!(suspended.suspended_at.is_some());

    // Staff: the open session ended, a new login is refused after the password check.
    assert_eq!(app.get(routes::PHONES, &p.token).await.status(), 401);
    let login = app
        .login("admin@acme.example", crate::helpers::PASSWORD)
        .await;
    assert_eq!(login.status(), 403);
    assert_eq!(error_body(login).await.code, "account_suspended");
    let wrong = app.login("admin@acme.example", "not the password").await;
    assert_eq!(wrong.status(), 401, "a wrong password learns nothing");
    // Keys stop.
    let by_key = app.get(routes::PHONES, &key).await;
    assert_eq!(by_key.status(), 403);
    assert_eq!(error_body(by_key).await.code, "account_suspended");
    // Phones get 403 account_suspended.
    let boot = b.boot(&phone, &path, &ua).await;
    assert_eq!(boot.status(), 403);
    assert_eq!(error_body(boot).await.code, "account_suspended");
    // Another account goes on.
    assert_eq!(app.get(routes::PHONES, &other).await.status(), 200);
    // Suspending again changes nothing.
    let again = app
        .post(
            &format!("{}/suspend", account(p.account_id)),
            &ops,
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), 200);
    assert_eq!(
        again.json::<AdminAccount>().await.unwrap().suspended_at,
        suspended.suspended_at
    );

    let resumed = app
        .post(
            &format!("{}/resume", account(p.account_id)),
            &ops,
            &json!({}),
        )
        .await;
    assert_eq!(resumed.status(), 200);
    assert_eq!(
        resumed.json::<AdminAccount>().await.unwrap().suspended_at,
        None
    );
    let token = app.token("admin@acme.example").await;
    assert_eq!(app.get(routes::PHONES, &key).await.status(), 200);
    assert_eq!(b.boot(&phone, &path, &ua).await.status(), 200);

    // The refused boot is in the phone's history; both trails name the operator's actions.
    let history: BootEventPage = events(app, &token, mac, 2).await;
    let refused: Vec<&str> = history
        .items
        .iter()
        .filter(|e| e.detail.starts_with("account_suspended"))
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(refused.len(), 1, "{:?}", history.items);
    let trail = operator_trail(app, &ops, &format!("?account_id={}", p.account_id)).await;
    let actions: Vec<(&str, &str)> = trail
        .items
        .iter()
        .map(|e| (e.action.as_str(), e.detail.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("account.resume", ""),
            ("account.suspend", "unpaid invoice (1 sessions ended)")
        ]
    );
    let own = app.audit_actions(p.account_id).await;
    assert!(own.contains(&"account.suspend".to_string()), "{own:?}");
    assert!(own.contains(&"account.resume".to_string()), "{own:?}");
}

async fn the_quota_holds_on_add_import_key_and_assignment_while_edits_go_on(engine: Engine) {
    let app = spawn_app(engine).await;
    let ops = operator_token(&app, "ops@platform.example").await;
    let (account_id, admin) = app.admin_of("Acme").await;
    let quota = format!("{}/quota", account(account_id));
    let set = app.put(&quota, &ops, &json!({"phone_quota": 3})).await;
    assert_eq!(set.status(), 200);
    assert_eq!(
        set.json::<AdminAccount>().await.unwrap().phone_quota,
        Some(3)
    );

    let added = app
        .register_phones(&admin, &json!({"macs": ["00085D000001", "00085D000002"]}))
        .await;
    assert_eq!(added.status(), 200);
    // Two more would make four: refused whole.
    let over = app
        .register_phones(&admin, &json!({"macs": ["00085D000003", "00085D000004"]}))
        .await;
    assert_eq!(over.status(), 409);
    let body = error_body(over).await;
    assert_eq!(body.code, "phone_quota_exceeded");
    assert!(
        body.message.contains("may hold 3 phones"),
        "{}",
        body.message
    );
    // Re-registering what it has is no addition.
    let again = app
        .register_phones(&admin, &json!({"macs": ["00085D000001", "00085D000002"]}))
        .await;
    assert_eq!(again.status(), 200);
    // The import, and its dry run, weigh the new phones the same way.
    let csv = "mac\n00085D000001\n00085D000005\n00085D000006\n";
    for query in ["dry_run=true", ""] {
        let response = app.import_csv(&admin, query, csv).await;
        assert_eq!(response.status(), 409, "{query}");
        assert_eq!(error_body(response).await.code, "phone_quota_exceeded");
    }
    let fits = app
        .import_csv(&admin, "", "mac\n00085D000001\n00085D000005\n")
        .await;
    assert_eq!(fits.status(), 200);
    // A script's key meets the same quota.
    let created = app
        .post(
            "/api/v1/api-keys",
            &admin,
            &json!({"name": "provisioner", "role": "user"}),
        )
        .await;
    let key = created.json::<ApiKeyCreated>().await.unwrap().secret;
    let by_key = app
        .register_phones(&key, &json!({"macs": ["00085D000007"]}))
        .await;
    assert_eq!(by_key.status(), 409);
    // So does the operator's own assignment.
    let assign = app
        .post(
            "/api/v1/admin/unknown-phones/assign",
            &ops,
            &json!({"account_id": account_id, "macs": ["00085D000008"]}),
        )
        .await;
    assert_eq!(assign.status(), 409);
    assert_eq!(error_body(assign).await.code, "phone_quota_exceeded");
    // Edits of phones it holds go on at its quota.
    let server = app
        .create_server(&admin, "PBX", "https://pbx.example/")
        .await;
    let edit = app
        .patch(
            &routes::phone("00085D000001"),
            &admin,
            &json!({"server_id": server.id}),
        )
        .await;
    assert_eq!(edit.status(), 200);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM phones WHERE account_id = $1")
        .bind(account_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 3);

    // A quota below what it holds removes nothing and stops additions; null lifts it.
    let lower = app.put(&quota, &ops, &json!({"phone_quota": 1})).await;
    assert_eq!(lower.json::<AdminAccount>().await.unwrap().phones, 3);
    let none = app.put(&quota, &ops, &json!({"phone_quota": null})).await;
    assert_eq!(none.json::<AdminAccount>().await.unwrap().phone_quota, None);
    let free = app
        .register_phones(&admin, &json!({"macs": ["00085D000003", "00085D000004"]}))
        .await;
    assert_eq!(free.status(), 200);
    let trail = operator_trail(&app, &ops, "?action=account.quota").await;
    let details: Vec<&str> = trail.items.iter().map(|e| e.detail.as_str()).collect();
    assert_eq!(
        details,
        [
            "1 phones → no limit (holds 3 phones)",
            "3 phones → 1 phones (holds 3 phones)",
            "no limit → 3 phones (holds 0 phones)"
        ]
    );
}

async fn bad_account_input_is_refused_and_changes_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let ops = operator_token(&app, "ops@platform.example").await;
    let (account_id, admin) = app.admin_of("Acme").await;
    for (body, status, code) in [
        (
            json!({"name": "", "super_user_email": "a@b.example"}),
            422,
            "invalid_account_name",
        ),
        (
            json!({"name": "x".repeat(101), "super_user_email": "a@b.example"}),
            422,
            "invalid_account_name",
        ),
        (
            json!({"name": "New", "super_user_email": "not an email"}),
            422,
            "invalid_email",
        ),
        (
            json!({"name": "New", "super_user_email": "a@b.example", "phone_quota": -1}),
            422,
            "invalid_quota",
        ),
        (
            json!({"name": "Acme", "super_user_email": "a@b.example"}),
            409,
            "account_name_taken",
        ),
        (
            json!({"name": "New", "super_user_email": "admin@acme.example"}),
            409,
            "username_taken",
        ),
        (
            json!({"name": "New", "super_user_email": "ops@platform.example"}),
            409,
            "username_taken",
        ),
        (
            json!({"name": "rcs platform operators", "super_user_email": "a@b.example"}),
            409,
            "account_name_taken",
        ),
    ] {
        let response = app.post(ACCOUNTS, &ops, &body).await;
        assert_eq!(response.status(), status, "{body}");
        assert_eq!(error_body(response).await.code, code, "{body}");
    }
    assert_eq!(accounts(&app, &ops).await.len(), 1);
    let quota = format!("{}/quota", account(account_id));
    let response = app
        .put(&quota, &ops, &json!({"phone_quota": 100_000_001}))
        .await;
    assert_eq!(response.status(), 422);
    let reason = app
        .post(
            &format!("{}/suspend", account(account_id)),
            &ops,
            &json!({"reason": "x".repeat(501)}),
        )
        .await;
    assert_eq!(reason.status(), 422);
    assert_eq!(error_body(reason).await.code, "invalid_reason");
    assert_eq!(
        app.get(routes::PHONES, &admin).await.status(),
        200,
        "not suspended"
    );
    for path in [account(999_999), format!("{}/resume", account(999_999))] {
        let response = app.post(&path, &ops, &json!({})).await;
        assert!(
            [404, 405].contains(&response.status().as_u16()),
            "{path}: {}",
            response.status()
        );
    }
    let missing = app.get(&account(999_999), &ops).await;
    assert_eq!(error_body(missing).await.code, "account_not_found");
    // Staff reach none of it.
    let response = app.get(ACCOUNTS, &admin).await;
    assert_eq!(response.status(), 403);
    let trail = operator_trail(&app, &ops, "").await;
    assert_eq!(trail.items.len(), 1, "only the operator's own creation");
}
