//! A phone never points at an account, server or branding that is gone, also when the write
//! and the delete run at the same time; and an import's new phones never take a MAC another
//! account registers meanwhile. On PostgreSQL the phones' references have no foreign
//! keys (migrations/postgres/0018: they were most of a large import's time); rcs keeps them
//! with row locks taken once per referenced row. Each story holds one side of a race open in
//! a transaction of its own, as the other request would, starts the real request, checks
//! that it waits, then commits and checks the outcome and that nothing dangles.

use std::time::Duration;

use serde_json::json;
use sqlx::{Any, Transaction};
use tokio::task::JoinHandle;

use crate::helpers::internals;
use crate::helpers::{error_body, routes, spawn_app, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    a_write_that_names_a_server_or_branding_being_deleted_waits_and_is_refused,
    deleting_a_server_or_branding_a_write_is_pointing_phones_at_is_refused_with_the_count,
    deleting_an_account_while_phones_are_added_waits_and_counts_or_deletes_them,
    adding_phones_to_an_account_being_deleted_waits_and_is_refused,
    an_import_of_new_phones_refuses_a_mac_another_account_registers_meanwhile,
);

/// Phones whose account, server or branding does not exist, or whose server or branding is
/// another account's.
const DANGLING: &str = "SELECT COUNT(*) FROM phones p \
     WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = p.account_id) \
     OR (p.server_id IS NOT NULL AND NOT EXISTS \
         (SELECT 1 FROM servers s WHERE s.id = p.server_id AND s.account_id = p.account_id)) \
     OR (p.branding_id IS NOT NULL AND NOT EXISTS \
         (SELECT 1 FROM brandings b WHERE b.id = p.branding_id AND b.account_id = p.account_id))";

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// Runs `statements` in a transaction that stays open, as the other side of a race would
/// hold it.
async fn hold(app: &TestApp, statements: &[String]) -> Transaction<'static, Any> {
    let mut tx = app.db.begin_write().await.unwrap();
    for sql in statements {
        sqlx::query(sql).execute(&mut *tx).await.unwrap();
    }
    tx
}

/// A deletion of row `id` of `table`, held open as a concurrent delete request would.
async fn deleting(app: &TestApp, table: &str, id: i64) -> Transaction<'static, Any> {
    hold(app, &[format!("DELETE FROM {table} WHERE id = {id}")]).await
}

/// The lock a write takes on a row it points phones at (PostgreSQL; SQLite's write
/// transaction already holds the only write lock).
fn reference_lock(engine: Engine, table: &str, id: i64) -> Vec<String> {
    match engine {
        Engine::Postgres => vec![format!(
            "SELECT id FROM {table} WHERE id = {id} FOR KEY SHARE"
        )],
        Engine::Sqlite => vec![],
    }
}

fn insert_phone(mac: &str, account_id: i64, server: Option<i64>, branding: Option<i64>) -> String {
    let now = internals::now();
    let id = |v: Option<i64>| v.map_or("NULL".to_string(), |v| v.to_string());
    format!(
        "INSERT INTO phones (mac, account_id, server_id, branding_id, created_at, updated_at) \
         VALUES ('{mac}', {account_id}, {}, {}, {now}, {now})",
        id(server),
        id(branding)
    )
}

/// A request started on its own task, so the story can hold its transaction meanwhile.
fn start(request: reqwest::RequestBuilder) -> JoinHandle<reqwest::Response> {
    tokio::spawn(async move { request.send().await.expect("request sent") })
}

/// Checks that `request` is still waiting for the transaction the story holds, then commits
/// that transaction and answers the request's response.
async fn after_commit(
    request: JoinHandle<reqwest::Response>,
    tx: Transaction<'static, Any>,
    what: &str,
) -> reqwest::Response {
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        !request.is_finished(),
        "{what}: the request must wait for the transaction it races"
    );
    tx.commit().await.unwrap();
    request.await.unwrap()
}

async fn a_write_that_names_a_server_or_branding_being_deleted_waits_and_is_refused(
    engine: Engine,
) {
    let app = spawn_app(engine).await;
    let (acme, token) = app.admin_of("Acme").await;
    if engine == Engine::Postgres {
        let keys = count(
            &app,
            "SELECT COUNT(*) FROM pg_constraint \
             WHERE conrelid = 'phones'::regclass AND contype = 'f'",
        )
        .await;
        assert_eq!(keys, 0, "PostgreSQL keeps no foreign key on the phones");
    }
    let server = app
        .create_server(&token, "Main", "https://pbx.example")
        .await;
    let branding = app.create_branding(&token, "Blue", false).await;
    let registered = app
        .register_phones(&token, &json!({ "macs": ["00085D000001"] }))
        .await;
    assert_eq!(registered.status(), 200);

    // The server's delete is in flight: adding phones on it, moving a phone to it and an
    // import naming it each wait, then find it gone.
    let tx = deleting(&app, "servers", server.id).await;
    let add = start(
        app.client
            .post(app.url(routes::PHONES))
            .bearer_auth(&token)
            .json(&json!({ "macs": ["00085D000002"], "server_id": server.id })),
    );
    let response = after_commit(add, tx, "add on the server").await;
    assert_eq!(response.status(), 422);
    assert_eq!(error_body(response).await.code, "unknown_server");

    let again = app
        .create_server(&token, "Main", "https://pbx.example")
        .await;
    let tx = deleting(&app, "servers", again.id).await;
    let edit = start(
        app.client
            .patch(app.url(routes::PHONES))
            .bearer_auth(&token)
            .json(&json!({ "macs": ["00085D000001"], "set": { "server_id": again.id } })),
    );
    let response = after_commit(edit, tx, "move to the server").await;
    assert_eq!(response.status(), 422);
    assert_eq!(error_body(response).await.code, "unknown_server");

    let third = app
        .create_server(&token, "Main", "https://pbx.example")
        .await;
    let tx = deleting(&app, "servers", third.id).await;
    let import = start(
        app.client
            .post(app.url(routes::PHONES_IMPORT))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body("mac,server\n00085D000003,Main\n"),
    );
    let response = after_commit(import, tx, "an import naming the server").await;
    assert_eq!(response.status(), 422);
    let report: serde_json::Value = response.json().await.unwrap();
    assert_eq!(report["code"], "invalid_csv", "{report}");
    let problem = report["problems"][0]["message"].as_str().unwrap();
    assert!(problem.contains("Main"), "{problem}");

    // The same for a branding.
    let tx = deleting(&app, "brandings", branding.id).await;
    let add = start(
        app.client
            .post(app.url(routes::PHONES))
            .bearer_auth(&token)
            .json(&json!({ "macs": ["00085D000004"], "branding_id": branding.id })),
    );
    let response = after_commit(add, tx, "add with the branding").await;
    assert_eq!(response.status(), 422);
    assert_eq!(error_body(response).await.code, "unknown_branding");

    let theirs = format!("SELECT COUNT(*) FROM phones WHERE account_id = {acme}");
    assert_eq!(count(&app, &theirs).await, 1, "only the first phone");
    let unmoved = "SELECT COUNT(*) FROM phones WHERE server_id IS NULL AND branding_id IS NULL";
    assert_eq!(count(&app, unmoved).await, 1);
    assert_eq!(count(&app, DANGLING).await, 0);
}

async fn deleting_a_server_or_branding_a_write_is_pointing_phones_at_is_refused_with_the_count(
    engine: Engine,
) {
    let app = spawn_app(engine).await;
    let (acme, token) = app.admin_of("Acme").await;
    let server = app
        .create_server(&token, "Main", "https://pbx.example")
        .await;
    let branding = app.create_branding(&token, "Blue", false).await;

    // A write holds the server as its check left it and has written a phone on it: the
    // delete waits for it, then counts that phone.
    let mut statements = reference_lock(engine, "servers", server.id);
    statements.push(insert_phone("00085D000001", acme, Some(server.id), None));
    let tx = hold(&app, &statements).await;
    let delete = start(
        app.client
            .delete(app.url(&routes::server(server.id)))
            .bearer_auth(&token),
    );
    let response = after_commit(delete, tx, "the server's delete").await;
    assert_eq!(response.status(), 409);
    let body = error_body(response).await;
    assert_eq!(body.code, "server_in_use");
    assert!(body.message.starts_with("1 phone uses"), "{}", body.message);
    assert_eq!(
        app.get(&routes::server(server.id), &token).await.status(),
        200
    );

    // Reassigning locks the target the same way: a delete of the target waits for the move.
    let target = app
        .create_server(&token, "Backup", "https://b.example")
        .await;
    let mut statements = reference_lock(engine, "servers", target.id);
    statements.push(format!(
        "UPDATE phones SET server_id = {} WHERE server_id = {}",
        target.id, server.id
    ));
    let tx = hold(&app, &statements).await;
    let delete = start(
        app.client
            .delete(app.url(&routes::server(target.id)))
            .bearer_auth(&token),
    );
    let response = after_commit(delete, tx, "the target's delete").await;
    assert_eq!(response.status(), 409);
    assert_eq!(error_body(response).await.code, "server_in_use");

    let mut statements = reference_lock(engine, "brandings", branding.id);
    statements.push(insert_phone("00085D000002", acme, None, Some(branding.id)));
    let tx = hold(&app, &statements).await;
    let delete = start(
        app.client
            .delete(app.url(&routes::branding(branding.id)))
            .bearer_auth(&token),
    );
    let response = after_commit(delete, tx, "the branding's delete").await;
    assert_eq!(response.status(), 409);
    assert_eq!(error_body(response).await.code, "branding_in_use");
    assert_eq!(
        app.get(&routes::branding(branding.id), &token)
            .await
            .status(),
        200
    );

    // With no write in flight, the server (its phone moved by then) and an empty one go.
    let path = format!("{}?reassign_to={}", routes::server(server.id), target.id);
    let empty = app
        .create_server(&token, "Empty", "https://e.example")
        .await;
    assert_eq!(app.delete(&path, &token).await.status(), 204);
    assert_eq!(
        app.delete(&routes::server(empty.id), &token).await.status(),
        204
    );
    let on_target = format!(
        "SELECT COUNT(*) FROM phones WHERE server_id = {}",
        target.id
    );
    assert_eq!(count(&app, &on_target).await, 1);
    assert_eq!(count(&app, DANGLING).await, 0);
}

async fn deleting_an_account_while_phones_are_added_waits_and_counts_or_deletes_them(
    engine: Engine,
) {
    let app = spawn_app(engine).await;
    app.add_operator("ops@platform.example").await;
    let ops = app.token("ops@platform.example").await;
    let (acme, token) = app.admin_of("Acme").await;
    let server = app
        .create_server(&token, "Main", "https://pbx.example")
        .await;
    let account = format!("/api/v1/admin/accounts/{acme}");

    // A registration holds the account's row (as every phone addition locks it) and has
    // written a phone: the unforced delete waits, then counts it and refuses.
    let adding = |mac: &str| {
        let mut statements = vec![format!("UPDATE accounts SET name = name WHERE id = {acme}")];
        statements.extend(reference_lock(engine, "servers", server.id));
        statements.push(insert_phone(mac, acme, Some(server.id), None));
        statements
    };
    let tx = hold(&app, &adding("00085D000001")).await;
    let delete = start(app.client.delete(app.url(&account)).bearer_auth(&ops));
    let response = after_commit(delete, tx, "the unforced delete").await;
    assert_eq!(response.status(), 409);
    assert_eq!(error_body(response).await.code, "account_has_phones");

    // Forced, it deletes the phone added while it waited as well.
    let tx = hold(&app, &adding("00085D000002")).await;
    let forced = format!("{account}?force=true");
    let delete = start(app.client.delete(app.url(&forced)).bearer_auth(&ops));
    let response = after_commit(delete, tx, "the forced delete").await;
    assert_eq!(response.status(), 204);
    let theirs = format!("SELECT COUNT(*) FROM phones WHERE account_id = {acme}");
    assert_eq!(count(&app, &theirs).await, 0);
    assert_eq!(count(&app, DANGLING).await, 0);
}

async fn adding_phones_to_an_account_being_deleted_waits_and_is_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    let (acme, token) = app.admin_of("Acme").await;
    let server = app
        .create_server(&token, "Main", "https://pbx.example")
        .await;
    let (_, other) = app.admin_of("Globex").await;
    let registered = app
        .register_phones(&other, &json!({ "macs": ["00085D0000FF"] }))
        .await;
    assert_eq!(registered.status(), 200);

    // The account's deletion is under way (its row locked and its phones deleted, as the
    // operator's delete does it): a registration and an import on its server, and the
    // server's own deletion, wait for it.
    let deleting = [
        format!("UPDATE accounts SET name = name WHERE id = {acme}"),
        format!("DELETE FROM phones WHERE account_id = {acme}"),
    ];
    let mut tx = hold(&app, &deleting).await;
    let add = start(
        app.client
            .post(app.url(routes::PHONES))
            .bearer_auth(&token)
            .json(&json!({ "macs": ["00085D000001"], "server_id": server.id })),
    );
    let import = start(
        app.client
            .post(app.url(routes::PHONES_IMPORT))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body("mac,server\n00085D000002,Main\n"),
    );
    let delete_server = start(
        app.client
            .delete(app.url(&routes::server(server.id)))
            .bearer_auth(&token),
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let waiting = [&add, &import, &delete_server];
    assert!(waiting.iter().all(|r| !r.is_finished()), "all three wait");
    // The deletion goes on to the account row, whose cascade deletes the server: the waiting
    // requests hold no lock on it (they lock the account first), so this neither waits for
    // them nor deadlocks with them.
    sqlx::query(&format!("DELETE FROM accounts WHERE id = {acme}"))
        .execute(&mut *tx)
        .await
        .expect("the account's delete does not wait for the writes");
    tx.commit().await.unwrap();
    assert_eq!(add.await.unwrap().status(), 401);
    assert_eq!(import.await.unwrap().status(), 401);
    assert_eq!(delete_server.await.unwrap().status(), 401);
    let theirs = format!("SELECT COUNT(*) FROM phones WHERE account_id = {acme}");
    assert_eq!(count(&app, &theirs).await, 0);
    assert_eq!(count(&app, DANGLING).await, 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM phones").await,
        1,
        "Globex's"
    );
}

async fn an_import_of_new_phones_refuses_a_mac_another_account_registers_meanwhile(engine: Engine) {
    let app = spawn_app(engine).await;
    let (acme, token) = app.admin_of("Acme").await;
    let (globex, _) = app.admin_of("Globex").await;
    let import = |query: &str, body: &'static str| {
        app.client
            .post(app.url(&format!("{}{query}", routes::PHONES_IMPORT)))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(body)
    };
    let theirs = format!("SELECT COUNT(*) FROM phones WHERE account_id = {acme}");
    let holder = |mac: &str| format!("SELECT account_id FROM phones WHERE mac = '{mac}'");

    // Globex's registration of the second MAC is under way. Acme's import of two new phones
    // inserts them at once (PostgreSQL; SQLite's waits for the write lock first), waits for
    // Globex's, then finds the MAC taken and reports its line, as it does a MAC taken before.
    let tx = hold(&app, &[insert_phone("00085D000002", globex, None, None)]).await;
    let request = start(import("", "mac\n00085D000001\n00085D000002\n"));
    let response = after_commit(request, tx, "the import").await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("registered to another account"), "{text}");
    assert!(text.contains("\"line\":3"), "{text}");
    assert_eq!(
        count(&app, &theirs).await,
        0,
        "nothing of the import is left"
    );
    assert_eq!(count(&app, &holder("00085D000002")).await, globex);

    // Leaving bad lines out, the import checks the MACs first (one is Globex's already)
    // and inserts the others; one of them is being registered by Globex meanwhile. The
    // insert waits for it, then the whole import is refused naming it (PostgreSQL; on
    // SQLite the check comes after Globex's commit and leaves both lines out).
    let tx = hold(&app, &[insert_phone("00085D000004", globex, None, None)]).await;
    let request = start(import(
        "?skip_invalid=true",
        "mac\n00085D000002\n00085D000003\n00085D000004\n",
    ));
    let response = after_commit(request, tx, "the import leaving bad lines out").await;
    let status = response.status();
    let text = response.text().await.unwrap();
    match engine {
        Engine::Postgres => {
            assert_eq!(status, 409, "{text}");
            let body: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(body["code"], "mac_owned_by_other_account", "{text}");
            assert!(
                body["message"].as_str().unwrap().contains("00085D000004"),
                "{text}"
            );
            assert_eq!(
                count(&app, &theirs).await,
                0,
                "nothing of the import is left"
            );
        }
        Engine::Sqlite => {
            assert_eq!(status, 200, "{text}");
            let body: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(body["added"], 1, "{text}");
            assert_eq!(body["skipped_total"], 2, "{text}");
            assert_eq!(count(&app, &theirs).await, 1);
        }
    }
    assert_eq!(count(&app, &holder("00085D000004")).await, globex);

    // With nothing in its way, an import of new phones writes them all, as new ones.
    let response = import("", "mac\n00085D000001\n00085D000005\n")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let result: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        (result["added"].as_u64(), result["updated"].as_u64()),
        (Some(2), Some(0))
    );
    let expected = if engine == Engine::Sqlite { 3 } else { 2 };
    assert_eq!(count(&app, &theirs).await, expected);
}
