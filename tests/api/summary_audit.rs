//! The account summary (phone counts and daily contacts) and the audit trail.

use rcs_shared::{AuditEntry, AuditPage, Role, Summary, User};
use serde_json::json;

use crate::helpers::internals;
use crate::helpers::routes;
use crate::helpers::{error_body, spawn_app, Engine, TestApp, PASSWORD};
use crate::on_both_engines;

on_both_engines!(
    the_summary_counts_the_accounts_phones_servers_users_and_daily_contacts,
    every_change_is_audited_with_actor_target_and_count_newest_first,
    the_audit_trail_pages_newest_first_with_before_and_limit,
    accounts_see_only_their_own_audit_entries_and_users_none,
);

const DAY: i64 = 86_400;

/// A phone with the facts the summary counts, written directly to the database.
#[allow(clippy::too_many_arguments)]
async fn insert_phone(
    app: &TestApp,
    mac: &str,
    account_id: i64,
    server_id: Option<i64>,
    branding_id: Option<i64>,
    firmware: Option<&str>,
    last_seen_at: Option<i64>,
) {
    sqlx::query(
        "INSERT INTO phones (mac, account_id, server_id, branding_id, firmware, last_seen_at, \
           created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(mac)
    .bind(account_id)
    .bind(server_id)
    .bind(branding_id)
    .bind(firmware)
    .bind(last_seen_at)
    .bind(internals::now())
    .execute(&app.db.pool)
    .await
    .expect("phone inserted");
}

async fn insert_boot_event(app: &TestApp, account_id: i64, mac: &str, at: i64) {
    sqlx::query(
        "INSERT INTO boot_events (account_id, mac, at, outcome) VALUES ($1, $2, $3, 'redirected')",
    )
    .bind(account_id)
    .bind(mac)
    .bind(at)
    .execute(&app.db.pool)
    .await
    .expect("boot event inserted");
}

fn utc_date(unix: i64) -> String {
    let d = time::OffsetDateTime::from_unix_timestamp(unix)
        .unwrap()
        .date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

async fn the_summary_counts_the_accounts_phones_servers_users_and_daily_contacts(engine: Engine) {
    let app = spawn_app(engine).await;
    let (acme, _) = app.create_account("Acme", "admin@acme.example").await;
    let (other, _) = app.create_account("Other", "admin@other.example").await;
    app.add_user(acme, "staff@acme.example", Role::User).await;
    // Any user of the account may read the summary.
    let token = app.token("staff@acme.example").await;
    let other_token = app.token("admin@other.example").await;
    let a = app
        .create_server(&token, "A", "https://pbx.example.com")
        .await;
    app.create_server(&token, "B", "https://pbx.example.com")
        .await;
    let foreign = app
        .create_server(&other_token, "F", "https://pbx.example.com")
        .await;
    let branding: i64 = sqlx::query_scalar(
        "INSERT INTO brandings (account_id, name, created_at, updated_at) \
         VALUES ($1, 'Blue', 0, 0) RETURNING id",
    )
    .bind(acme)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();

    let now = internals::now();
    let p = |n: u8| format!("00085D0000{n:02X}");
    insert_phone(
        &app,
        &p(1),
        acme,
        Some(a.id),
        Some(branding),
        Some("3.3.1"),
        Some(now - 60),
    )
    .await;
    insert_phone(
        &app,
        &p(2),
        acme,
        Some(a.id),
        None,
        None,
        Some(now - 3 * DAY),
    )
    .await;
    insert_phone(
        &app,
        &p(3),
        acme,
        None,
        Some(branding),
        Some(""),
        Some(now - 30 * DAY),
    )
    .await;
    insert_phone(&app, &p(4), acme, None, None, None, None).await;
    insert_phone(&app, &p(5), acme, None, None, Some("4.0"), None).await;
    insert_phone(
        &app,
        &p(6),
        other,
        Some(foreign.id),
        None,
        Some("1"),
        Some(now),
    )
    .await;

    for at in [now, now, now - DAY, now - 29 * DAY, now - 31 * DAY] {
        insert_boot_event(&app, acme, &p(1), at).await;
    }
    insert_boot_event(&app, other, &p(6), now).await;
    // A contact from a MAC no account registered counts for no account.
    sqlx::query(
        "INSERT INTO boot_events (mac, at, outcome) VALUES ('FFFFFFFFFFFF', $1, 'unknown')",
    )
    .bind(now)
    .execute(&app.db.pool)
    .await
    .unwrap();

    let response = app.get(routes::SUMMARY, &token).await;
    assert_eq!(response.status(), 200);
    let s: Summary = response.json().await.unwrap();
    assert_eq!(s.phones, 5);
    assert_eq!(s.redirected, 2);
    assert_eq!(s.unaffiliated, 3);
    assert_eq!(s.firmware_pinned, 2, "an empty firmware is no pin");
    assert_eq!(s.branded, 2);
    assert_eq!(s.seen_last_24h, 1);
    assert_eq!(s.seen_last_7d, 2);
    assert_eq!(s.never_seen, 2);
    assert_eq!(s.servers, 2);
    assert_eq!(s.users, 2);

    let days = &s.contacts_per_day;
    assert_eq!(days.len(), 30);
    assert_eq!(days[29].date, utc_date(now), "today last");
    assert_eq!(days[0].date, utc_date(now - 29 * DAY), "oldest first");
    assert_eq!(days[29].contacts, 2);
    assert_eq!(days[28].contacts, 1);
    assert_eq!(days[0].contacts, 1);
    let total: i64 = days.iter().map(|d| d.contacts).sum();
    assert_eq!(
        total, 4,
        "older contacts and other accounts' are not counted"
    );
    assert!(days.windows(2).all(|w| w[0].date < w[1].date));

    // An account with nothing yet gets zeros, not errors.
    let (_, _) = app.create_account("Empty", "admin@empty.example").await;
    let empty: Summary = app
        .get(routes::SUMMARY, &app.token("admin@empty.example").await)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (empty.phones, empty.redirected, empty.never_seen),
        (0, 0, 0)
    );
    assert_eq!((empty.servers, empty.users), (0, 1));
    assert!(empty.contacts_per_day.iter().all(|d| d.contacts == 0));
}

async fn audit(app: &TestApp, token: &str, query: &str) -> AuditPage {
    let response = app.get(&format!("{}{query}", routes::AUDIT), token).await;
    assert_eq!(response.status(), 200, "audit{query}");
    response.json().await.unwrap()
}

async fn every_change_is_audited_with_actor_target_and_count_newest_first(engine: Engine) {
    let app = spawn_app(engine).await;
    let (acme, _) = app.create_account("Acme", "admin@acme.example").await;
    let admin = app.token("admin@acme.example").await;
    app.add_user(acme, "staff@acme.example", Role::User).await;
    let staff = app.token("staff@acme.example").await;

    let server = app
        .create_server(&staff, "Main", "https://pbx.example.com")
        .await;
    let path = routes::server(server.id);
    assert_eq!(
        app.patch(&path, &staff, &json!({"name": "Primary"}))
            .await
            .status(),
        200
    );
    assert_eq!(app.delete(&path, &admin).await.status(), 204);
    let new_user = json!({"email": "new@acme.example", "password": PASSWORD, "role": "user"});
    let created: User = app
        .post(routes::USERS, &admin, &new_user)
        .await
        .json()
        .await
        .unwrap();
    let user_path = routes::user(created.id);
    let promote = json!({"role": "super_user"});
    assert_eq!(app.patch(&user_path, &admin, &promote).await.status(), 200);
    assert_eq!(app.delete(&user_path, &admin).await.status(), 204);
    assert_eq!(
        app.patch(routes::ME, &staff, &json!({"name": "Sam"}))
            .await
            .status(),
        200
    );
    let change = json!({"current_password": PASSWORD, "new_password": "another long passphrase"});
    assert_eq!(
        app.put(routes::MY_PASSWORD, &staff, &change).await.status(),
        204
    );
    // Refused changes leave no trace.
    let dup = app
        .post(
            routes::USERS,
            &admin,
            &json!({"email": "staff@acme.example", "password": PASSWORD, "role": "user"}),
        )
        .await;
    assert_eq!(dup.status(), 409);

    let page = audit(&app, &admin, "").await;
    let summary: Vec<(&str, &str, &str, i64)> = page
        .items
        .iter()
        .map(|e| {
            (
                e.actor.as_str(),
                e.action.as_str(),
                e.target.as_str(),
                e.count,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("staff@acme.example", "me.password", "staff@acme.example", 1),
            ("staff@acme.example", "me.update", "staff@acme.example", 1),
            ("admin@acme.example", "user.delete", "new@acme.example", 1),
            ("admin@acme.example", "user.update", "new@acme.example", 1),
            ("admin@acme.example", "user.create", "new@acme.example", 1),
            ("admin@acme.example", "server.delete", "Primary", 1),
            ("staff@acme.example", "server.update", "Primary", 1),
            ("staff@acme.example", "server.create", "Main", 1),
        ]
    );
    assert_eq!(page.next_before, None);
    let ids: Vec<i64> = page.items.iter().map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let update: &AuditEntry = &page.items[6];
    assert!(
        update.detail.contains("Main") && update.detail.contains("Primary"),
        "{}",
        update.detail
    );
    assert!(
        page.items[3].detail.contains("Super User"),
        "{}",
        page.items[3].detail
    );
    time::OffsetDateTime::parse(
        &page.items[0].created_at,
        &time::format_description::well_known::Rfc3339,
    )
    .expect("RFC 3339");
}

async fn the_audit_trail_pages_newest_first_with_before_and_limit(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_account("Acme", "admin@acme.example").await;
    let admin = app.token("admin@acme.example").await;
    for i in 0..7 {
        app.create_server(&admin, &format!("S{i}"), "https://pbx.example.com")
            .await;
    }

    let first = audit(&app, &admin, "?limit=3").await;
    let names = |p: &AuditPage| p.items.iter().map(|e| e.target.clone()).collect::<Vec<_>>();
    assert_eq!(names(&first), ["S6", "S5", "S4"]);
    let before = first.next_before.expect("more pages");
    assert_eq!(before, first.items[2].id);
    let second = audit(&app, &admin, &format!("?limit=3&before={before}")).await;
    assert_eq!(names(&second), ["S3", "S2", "S1"]);
    let third = audit(
        &app,
        &admin,
        &format!("?limit=3&before={}", second.next_before.unwrap()),
    )
    .await;
    assert_eq!(names(&third), ["S0"]);
    assert_eq!(third.next_before, None);

    // An exact fit is the last page too.
    let all = audit(&app, &admin, "?limit=7").await;
    assert_eq!((all.items.len(), all.next_before), (7, None));
    assert_eq!(
        audit(&app, &admin, "").await.items.len(),
        7,
        "default limit 50"
    );
    assert_eq!(audit(&app, &admin, "?limit=500").await.items.len(), 7);

    for query in ["?limit=0", "?limit=501", "?limit=-1"] {
        let response = app.get(&format!("{}{query}", routes::AUDIT), &admin).await;
        assert_eq!(response.status(), 422, "{query}");
        assert_eq!(error_body(response).await.code, "invalid_limit");
    }
    for query in ["?limit=ten", "?before=x"] {
        let response = app.get(&format!("{}{query}", routes::AUDIT), &admin).await;
        assert_eq!(response.status(), 400, "{query}");
    }
}

async fn accounts_see_only_their_own_audit_entries_and_users_none(engine: Engine) {
    let app = spawn_app(engine).await;
    let (acme, _) = app.create_account("Acme", "admin@acme.example").await;
    app.create_account("Other", "admin@other.example").await;
    app.add_user(acme, "staff@acme.example", Role::User).await;
    let admin = app.token("admin@acme.example").await;
    let other = app.token("admin@other.example").await;
    let staff = app.token("staff@acme.example").await;

    app.create_server(&admin, "Mine", "https://pbx.example.com")
        .await;
    app.create_server(&other, "Theirs", "https://pbx.example.com")
        .await;
    let mine = audit(&app, &admin, "").await;
    assert_eq!(mine.items.len(), 1);
    assert_eq!(mine.items[0].target, "Mine");
    let theirs = audit(&app, &other, "").await;
    assert_eq!(theirs.items.len(), 1);
    assert_eq!(theirs.items[0].target, "Theirs");
    // A `before` beyond another account's ids still shows only one's own.
    let after = audit(&app, &other, &format!("?before={}", i64::MAX)).await;
    assert_eq!(after.items, theirs.items);

    let refused = app.get(routes::AUDIT, &staff).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(error_body(refused).await.code, "forbidden");
}
