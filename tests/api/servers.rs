//! Configuration servers: limits on names and URLs, uniqueness, deleting servers phones use,
//! and the wall between accounts.

use rcs_shared::{Role, Server};
use serde_json::json;

use crate::helpers::internals;
use crate::helpers::routes;
use crate::helpers::{error_body, spawn_app, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    servers_are_created_listed_read_changed_and_deleted,
    server_names_are_1_to_20_characters_and_unique_within_the_account,
    server_urls_are_absolute_with_a_known_scheme_and_a_host_and_at_most_255_characters,
    deleting_a_server_phones_use_is_refused_with_the_count_unless_they_are_reassigned_or_unassigned,
    accounts_cannot_see_or_touch_each_others_servers,
    malformed_ids_bodies_and_queries_are_4xx_not_500,
);

/// Registers a phone directly in the database (the phones API is not this story's subject).
pub async fn insert_phone(app: &TestApp, mac: &str, account_id: i64, server_id: Option<i64>) {
    sqlx::query(
        "INSERT INTO phones (mac, account_id, server_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(mac)
    .bind(account_id)
    .bind(server_id)
    .bind(internals::now())
    .execute(&app.db.pool)
    .await
    .expect("phone inserted");
}

async fn phones_on(app: &TestApp, server_id: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM phones WHERE server_id = $1")
        .bind(server_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn servers_are_created_listed_read_changed_and_deleted(engine: Engine) {
    let app = spawn_app(engine).await;
    let (acme, _) = app.admin_of("Acme").await;
    // Servers are for every user of the account, not only Super Users.
    app.add_user(acme, "user@acme.example", Role::User).await;
    let token = app.token("user@acme.example").await;

    let created = app
        .create_server(&token, "  Main PBX ", "https://pbx.example.com/cfg")
        .await;
    assert_eq!(created.name, "Main PBX", "the name is trimmed");
    assert_eq!(created.url, "https://pbx.example.com/cfg");
    assert_eq!(created.phone_count, 0);
    for t in [&created.created_at, &created.updated_at] {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .expect("RFC 3339");
    }
    app.create_server(&token, "Backup", "tftp://10.0.0.2").await;

    let listed: Vec<Server> = app.get(routes::SERVERS, &token).await.json().await.unwrap();
    let names: Vec<&str> = listed.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Backup", "Main PBX"]);

    let path = routes::server(created.id);
    let read: Server = app.get(&path, &token).await.json().await.unwrap();
    assert_eq!(read, created);

    let changed = app
        .patch(
            &path,
            &token,
            &json!({"url": "ftp://files.example.com/phones"}),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let changed: Server = changed.json().await.unwrap();
    assert_eq!(changed.name, "Main PBX", "absent fields stay");
    assert_eq!(changed.url, "ftp://files.example.com/phones");
    let renamed: Server = app
        .patch(&path, &token, &json!({"name": "Primary"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(renamed.name, "Primary");

    assert_eq!(app.delete(&path, &token).await.status(), 204);
    let gone = app.get(&path, &token).await;
    assert_eq!(gone.status(), 404);
    assert_eq!(error_body(gone).await.code, "server_not_found");
    assert_eq!(app.delete(&path, &token).await.status(), 404);
}

async fn server_names_are_1_to_20_characters_and_unique_within_the_account(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, token) = app.admin_of("Acme").await;
    let (_, other) = app.admin_of("Other").await;
    let url = "https://pbx.example.com";

    app.create_server(&token, &"n".repeat(20), url).await;
    app.create_server(&token, &"é".repeat(20), url).await;
    for bad in ["n".repeat(21), String::new(), "   ".to_string()] {
        let response = app
            .post(routes::SERVERS, &token, &json!({"name": bad, "url": url}))
            .await;
        assert_eq!(response.status(), 422, "{bad:?}");
        let body = error_body(response).await;
        assert_eq!(body.code, "invalid_server_name");
        assert!(body.message.contains("Server Name"), "{}", body.message);
    }

    let first = app.create_server(&token, "Main", url).await;
    let duplicate = app
        .post(
            routes::SERVERS,
            &token,
            &json!({"name": " Main ", "url": url}),
        )
        .await;
    assert_eq!(duplicate.status(), 409);
    assert_eq!(error_body(duplicate).await.code, "server_name_taken");
    // Names are unique per account, not platform-wide.
    app.create_server(&other, "Main", url).await;

    let second = app.create_server(&token, "Second", url).await;
    let path = routes::server(second.id);
    let rename = app.patch(&path, &token, &json!({"name": "Main"})).await;
    assert_eq!(rename.status(), 409);
    assert_eq!(error_body(rename).await.code, "server_name_taken");
    let too_long = app
        .patch(&path, &token, &json!({"name": "n".repeat(21)}))
        .await;
    assert_eq!(too_long.status(), 422);
    // Renaming a server to its own name is no conflict.
    let same = routes::server(first.id);
    assert_eq!(
        app.patch(&same, &token, &json!({"name": "Main"}))
            .await
            .status(),
        200
    );
}

async fn server_urls_are_absolute_with_a_known_scheme_and_a_host_and_at_most_255_characters(
    engine: Engine,
) {
    let app = spawn_app(engine).await;
    let (_, token) = app.admin_of("Acme").await;

    let prefix = "https://pbx.example.com/";
    let longest = format!("{prefix}{}", "a".repeat(255 - prefix.len()));
    app.create_server(&token, "Longest", &longest).await;
    for (i, url) in [
        "https://a.example",
        "http://a.example:8080/x",
        "ftp://user@a.example/",
        "tftp://192.0.2.1",
    ]
    .iter()
    .enumerate()
    {
        app.create_server(&token, &format!("ok{i}"), url).await;
    }

    let too_long = format!("{longest}a");
    for bad in [
        too_long.as_str(),
        "",
        "pbx.example.com/cfg",
        "/cfg",
        "file:///etc/passwd",
        "sftp://pbx.example.com",
        "javascript://alert(1)",
        "https://",
        "https:///cfg",
        "https://:443/cfg",
        "https://pbx.example.com:99999/",
        "https://pbx example.com/",
    ] {
        let response = app
            .post(routes::SERVERS, &token, &json!({"name": "Bad", "url": bad}))
            .await;
        assert_eq!(response.status(), 422, "{bad:?}");
        let body = error_body(response).await;
        assert_eq!(body.code, "invalid_server_url", "{bad:?}");
        assert!(body.message.contains("Server URL"), "{}", body.message);
    }
    let listed: Vec<Server> = app.get(routes::SERVERS, &token).await.json().await.unwrap();
    assert_eq!(listed.len(), 5, "nothing invalid was stored");
}

async fn deleting_a_server_phones_use_is_refused_with_the_count_unless_they_are_reassigned_or_unassigned(
    engine: Engine,
) {
    let app = spawn_app(engine).await;
    let (acme, token) = app.admin_of("Acme").await;
    let (other_account, other) = app.admin_of("Other").await;
    let a = app.create_server(&token, "A", "https://a.example").await;
    let b = app.create_server(&token, "B", "https://b.example").await;
    let foreign = app.create_server(&other, "F", "https://f.example").await;
    for mac in ["00085D000001", "00085D000002", "00085D000003"] {
        insert_phone(&app, mac, acme, Some(a.id)).await;
    }
    insert_phone(&app, "00085D000004", acme, Some(b.id)).await;
    insert_phone(&app, "00085D000005", acme, None).await;
    insert_phone(&app, "00085D000006", other_account, Some(foreign.id)).await;

    let listed: Vec<Server> = app.get(routes::SERVERS, &token).await.json().await.unwrap();
    let counts: Vec<i64> = listed.iter().map(|s| s.phone_count).collect();
    assert_eq!(counts, [3, 1]);

    let path = routes::server(a.id);
    let refused = app.delete(&path, &token).await;
    assert_eq!(refused.status(), 409);
    let body = error_body(refused).await;
    assert_eq!(body.code, "server_in_use");
    assert!(body.message.contains("3 phones"), "{}", body.message);

    for (query, why) in [
        (
            format!("reassign_to={}", foreign.id),
            "another account's server",
        ),
        (format!("reassign_to={}", a.id), "the server itself"),
        ("reassign_to=999999".to_string(), "no server"),
        (
            format!("reassign_to={}&unassign=true", b.id),
            "both options",
        ),
    ] {
        let response = app.delete(&format!("{path}?{query}"), &token).await;
        assert_eq!(response.status(), 422, "{why}");
    }
    assert_eq!(phones_on(&app, a.id).await, 3, "refusals changed nothing");
    assert_eq!(phones_on(&app, foreign.id).await, 1);

    let reassigned = app
        .delete(&format!("{path}?reassign_to={}", b.id), &token)
        .await;
    assert_eq!(reassigned.status(), 204);
    assert_eq!(phones_on(&app, b.id).await, 4);
    assert_eq!(app.get(&path, &token).await.status(), 404);

    let b_path = routes::server(b.id);
    let refused = error_body(app.delete(&b_path, &token).await).await;
    assert!(refused.message.contains("4 phones"), "{}", refused.message);
    let unassigned = app.delete(&format!("{b_path}?unassign=true"), &token).await;
    assert_eq!(unassigned.status(), 204);
    let unaffiliated: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM phones WHERE account_id = $1 AND server_id IS NULL",
    )
    .bind(acme)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(unaffiliated, 5);
    // The other account's phone stayed where it was.
    assert_eq!(phones_on(&app, foreign.id).await, 1);

    // `unassign=false` is the same as not asking.
    let c = app.create_server(&token, "C", "https://c.example").await;
    insert_phone(&app, "00085D000007", acme, Some(c.id)).await;
    let c_path = format!("{}?unassign=false", routes::server(c.id));
    let one = error_body(app.delete(&c_path, &token).await).await;
    assert_eq!(
        one.message,
        "1 phone uses this server. Reassign or unassign it first."
    );
}

async fn accounts_cannot_see_or_touch_each_others_servers(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, acme) = app.admin_of("Acme").await;
    let (_, other) = app.admin_of("Other").await;
    let mine = app
        .create_server(&acme, "Mine", "https://mine.example")
        .await;
    let theirs = app
        .create_server(&other, "Theirs", "https://theirs.example")
        .await;

    let path = routes::server(theirs.id);
    let read = app.get(&path, &acme).await;
    assert_eq!(read.status(), 404);
    assert_eq!(error_body(read).await.code, "server_not_found");
    let patch = app.patch(&path, &acme, &json!({"name": "Hijacked"})).await;
    assert_eq!(patch.status(), 404);
    assert_eq!(app.delete(&path, &acme).await.status(), 404);
    // Reassigning one's own server's phones to a foreign server is no way in either.
    let mine_path = routes::server(mine.id);
    let reassign = format!("{mine_path}?reassign_to={}", theirs.id);
    assert_eq!(app.delete(&reassign, &acme).await.status(), 422);
    assert_eq!(app.delete(&mine_path, &acme).await.status(), 204);

    let listed: Vec<Server> = app.get(routes::SERVERS, &other).await.json().await.unwrap();
    assert_eq!(listed, vec![theirs], "untouched and alone in its account");
    let listed: Vec<Server> = app.get(routes::SERVERS, &acme).await.json().await.unwrap();
    assert!(listed.is_empty());
}

async fn malformed_ids_bodies_and_queries_are_4xx_not_500(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, token) = app.admin_of("Acme").await;
    let s = app.create_server(&token, "S", "https://s.example").await;
    let path = routes::server(s.id);

    assert_eq!(app.get(&routes::server("abc"), &token).await.status(), 404);
    assert_eq!(
        app.get(&routes::server("99999999999999999999"), &token)
            .await
            .status(),
        404
    );
    let missing_url = app
        .post(routes::SERVERS, &token, &json!({"name": "x"}))
        .await;
    assert_eq!(missing_url.status(), 400);
    let wrong_type = app.patch(&path, &token, &json!({"name": 5})).await;
    assert_eq!(wrong_type.status(), 400);
    let bad_query = app.delete(&format!("{path}?unassign=maybe"), &token).await;
    assert_eq!(bad_query.status(), 400);
    assert_eq!(error_body(bad_query).await.code, "invalid_query");
    let nul = app
        .post(
            routes::SERVERS,
            &token,
            &json!({"name": "a\u{0}b", "url": "https://x.example"}),
        )
        .await;
    assert_eq!(nul.status(), 422);
    let anonymous = app
        .client
        .get(app.url(routes::SERVERS))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}
