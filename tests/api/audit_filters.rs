//! The audit trail narrowed by user, action and time range (what the Audit page asks), and
//! the summary's refused contacts and default branding (what the Summary page shows).

use rcs_shared::{AuditPage, Role, Summary};

use crate::helpers::internals;
use crate::helpers::routes;
use crate::helpers::{error_body, spawn_app, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    the_audit_trail_filters_by_user_action_and_time_range,
    audit_filters_page_with_next_before_and_stay_in_the_account,
    bad_audit_filters_are_refused_with_their_code,
    the_summary_separates_refused_contacts_and_counts_the_default_branding,
);

async fn audit(app: &TestApp, token: &str, query: &str) -> AuditPage {
    let response = app.get(&format!("{}{query}", routes::AUDIT), token).await;
    assert_eq!(response.status(), 200, "audit{query}");
    response.json().await.unwrap()
}

fn targets(page: &AuditPage) -> Vec<String> {
    page.items.iter().map(|e| e.target.clone()).collect()
}

/// Sets the time of the entries about `target` (they are written with the current time).
async fn date_entries(app: &TestApp, target: &str, at: i64) {
    sqlx::query("UPDATE audit_events SET created_at = $1 WHERE target = $2")
        .bind(at)
        .bind(target)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// Acme with its Super User and a staff User; servers A (admin), B (staff), C (admin) and
/// B renamed to B2 by admin. Returns the admin's token.
async fn acme_with_history(app: &TestApp) -> String {
    let (acme, _) = app.create_account("Acme", "admin@acme.example").await;
    app.add_user(acme, "staff@acme.example", Role::User).await;
    let admin = app.token("admin@acme.example").await;
    let staff = app.token("staff@acme.example").await;
    app.create_server(&admin, "A", "https://pbx.example.com")
        .await;
    let b = app
        .create_server(&staff, "B", "https://pbx.example.com")
        .await;
    app.create_server(&admin, "C", "https://pbx.example.com")
        .await;
    let renamed = app
        .patch(
            &format!("{}/{}", routes::SERVERS, b.id),
            &admin,
            &serde_json::json!({ "name": "B2" }),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    admin
}

async fn the_audit_trail_filters_by_user_action_and_time_range(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = acme_with_history(&app).await;
    let all = audit(&app, &admin, "").await;
    assert_eq!(all.items.len(), 4);

    let staff = audit(&app, &admin, "?actor=staff@acme.example").await;
    assert_eq!(targets(&staff), ["B"]);
    assert_eq!(
        audit(&app, &admin, "?actor=STAFF@acme").await.items.len(),
        0,
        "the user is matched exactly"
    );
    let created = audit(&app, &admin, "?action=server.create").await;
    assert_eq!(targets(&created), ["C", "B", "A"]);
    let updated = audit(&app, &admin, "?action=server.update").await;
    assert_eq!(updated.items.len(), 1);
    assert_eq!(updated.items[0].action, "server.update");
    // A resource without a verb means all its actions; no wildcard gets through.
    assert_eq!(audit(&app, &admin, "?action=server").await.items.len(), 4);
    assert_eq!(audit(&app, &admin, "?action=serv").await.items.len(), 0);
    assert_eq!(audit(&app, &admin, "?action=s_rver").await.items.len(), 0);
    assert_eq!(audit(&app, &admin, "?action=%25").await.items.len(), 0);
    assert_eq!(audit(&app, &admin, "?action=user").await.items.len(), 0);
    // Blank filters are no filters.
    assert_eq!(
        audit(&app, &admin, "?actor=&action=%20&since=&until=")
            .await
            .items
            .len(),
        4
    );

    // Time: A a day ago, B two days ago; since is included, until is not.
    let now = internals::now();
    date_entries(&app, "A", now - 86_400).await;
    date_entries(&app, "B", now - 2 * 86_400).await;
    let since = rfc3339(now - 86_400);
    let until = rfc3339(now - 3_600);
    let day = audit(&app, &admin, &format!("?since={since}&until={until}")).await;
    assert_eq!(targets(&day), ["A"]);
    let older = audit(&app, &admin, &format!("?until={since}")).await;
    assert_eq!(targets(&older), ["B"]);
    let recent = audit(&app, &admin, &format!("?since={until}")).await;
    assert_eq!(targets(&recent), ["B2", "C"]);
    // Offsets are honoured: the same instant written in another zone.
    let since_plus2 = time::OffsetDateTime::from_unix_timestamp(now - 86_400)
        .unwrap()
        .to_offset(time::UtcOffset::from_hms(2, 0, 0).unwrap())
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let same = audit(
        &app,
        &admin,
        &format!("?since={}&until={until}", since_plus2.replace('+', "%2B")),
    )
    .await;
    assert_eq!(targets(&same), ["A"]);

    // Filters combine.
    let both = audit(
        &app,
        &admin,
        &format!("?actor=admin@acme.example&action=server.create&until={until}"),
    )
    .await;
    assert_eq!(targets(&both), ["A"]);
}

async fn audit_filters_page_with_next_before_and_stay_in_the_account(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = acme_with_history(&app).await;
    let first = audit(&app, &admin, "?action=server.create&limit=2").await;
    assert_eq!(targets(&first), ["C", "B"]);
    let before = first.next_before.expect("an older page");
    let second = audit(
        &app,
        &admin,
        &format!("?action=server.create&limit=2&before={before}"),
    )
    .await;
    assert_eq!(targets(&second), ["A"]);
    assert_eq!(second.next_before, None);

    // Another account's Super User, asking for Acme's user and actions, sees only their own.
    app.create_account("Other", "admin@other.example").await;
    let other = app.token("admin@other.example").await;
    app.create_server(&other, "Theirs", "https://pbx.example.com")
        .await;
    let theirs = audit(&app, &other, "?action=server").await;
    assert_eq!(targets(&theirs), ["Theirs"]);
    assert_eq!(
        audit(&app, &other, "?actor=admin@acme.example")
            .await
            .items
            .len(),
        0
    );
    assert_eq!(
        audit(&app, &admin, "?actor=admin@other.example")
            .await
            .items
            .len(),
        0
    );
    // Users may not read the trail, filtered or not.
    let staff = app.token("staff@acme.example").await;
    let refused = app
        .get(
            &format!("{}?actor=staff@acme.example", routes::AUDIT),
            &staff,
        )
        .await;
    assert_eq!(refused.status(), 403);
}

async fn bad_audit_filters_are_refused_with_their_code(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = acme_with_history(&app).await;
    let long = "a".repeat(255);
    let cases = [
        ("?since=yesterday".to_string(), "invalid_time_range"),
        ("?until=2026-11-30".to_string(), "invalid_time_range"),
        (
            "?since=2026-11-30T00:00:00Z&until=2026-11-30T00:00:00Z".to_string(),
            "invalid_time_range",
        ),
        (
            "?since=2026-12-01T00:00:00Z&until=2026-11-30T00:00:00Z".to_string(),
            "invalid_time_range",
        ),
        (format!("?actor={long}"), "invalid_filter"),
        (format!("?action={long}"), "invalid_filter"),
        ("?limit=0&actor=x".to_string(), "invalid_limit"),
    ];
    for (query, code) in cases {
        let response = app.get(&format!("{}{query}", routes::AUDIT), &admin).await;
        assert_eq!(response.status(), 422, "{query}");
        assert_eq!(error_body(response).await.code, code, "{query}");
    }
    let response = app
        .get(&format!("{}?before=soon", routes::AUDIT), &admin)
        .await;
    assert_eq!(response.status(), 400);
    // The longest allowed filter is a filter like any other.
    let fits = "a".repeat(254);
    assert_eq!(
        audit(&app, &admin, &format!("?actor={fits}"))
            .await
            .items
            .len(),
        0
    );
}

async fn boot_event(app: &TestApp, account_id: i64, mac: &str, at: i64, outcome: &str) {
    sqlx::query("INSERT INTO boot_events (account_id, mac, at, outcome) VALUES ($1, $2, $3, $4)")
        .bind(account_id)
        .bind(mac)
        .bind(at)
        .bind(outcome)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

async fn the_summary_separates_refused_contacts_and_counts_the_default_branding(engine: Engine) {
    let app = spawn_app(engine).await;
    let (acme, _) = app.create_account("Acme", "admin@acme.example").await;
    let (other, _) = app.create_account("Other", "admin@other.example").await;
    let token = app.token("admin@acme.example").await;
    let now = internals::now();
    for (i, account) in [(1, acme), (2, acme), (3, acme), (4, other)] {
        sqlx::query(
            "INSERT INTO phones (mac, account_id, created_at, updated_at) VALUES ($1, $2, 0, 0)",
        )
        .bind(format!("00085D00000{i}"))
        .bind(account)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    for outcome in ["redirected", "refused", "refused", "firmware_sent"] {
        boot_event(&app, acme, "00085D000001", now, outcome).await;
    }
    boot_event(&app, acme, "00085D000002", now - 86_400, "refused").await;
    boot_event(&app, other, "00085D000004", now, "refused").await;

    let summary = |token: String| {
        let app = &app;
        async move {
            let response = app.get(routes::SUMMARY, &token).await;
            assert_eq!(response.status(), 200);
            response.json::<Summary>().await.unwrap()
        }
    };
    let s = summary(token.clone()).await;
    let days = &s.contacts_per_day;
    assert_eq!((days[29].contacts, days[29].refused), (4, 2), "today");
    assert_eq!((days[28].contacts, days[28].refused), (1, 1), "yesterday");
    assert!(days[..28].iter().all(|d| d.contacts == 0 && d.refused == 0));
    // No branding yet: nothing is branded.
    assert_eq!(s.branded, 0);

    // One phone with its own branding: one branded.
    let insert_branding = |name: &'static str, is_default: i64| {
        let app = &app;
        async move {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO brandings (account_id, name, is_default, created_at, updated_at) \
                 VALUES ($1, $2, $3, 0, 0) RETURNING id",
            )
            .bind(acme)
            .bind(name)
            .bind(is_default)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
        }
    };
    let blue = insert_branding("Blue", 0).await;
    sqlx::query("UPDATE phones SET branding_id = $1 WHERE mac = '00085D000001'")
        .bind(blue)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let s = summary(token.clone()).await;
    assert_eq!(
        (s.branded, s.own_branding, s.default_branding),
        (1, 1, false)
    );
    // A default branding applies to every phone without its own: all three are branded.
    insert_branding("House", 1).await;
    let s = summary(token.clone()).await;
    assert_eq!(
        (s.branded, s.own_branding, s.default_branding),
        (3, 1, true)
    );
    // The list's filters count the same phones as the tiles that link to them.
    sqlx::query("UPDATE phones SET firmware = '4.3.0' WHERE mac = '00085D000002'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let s = summary(token.clone()).await;
    assert_eq!(s.firmware_pinned, 1);
    let listed = |query: &'static str| {
        let (app, token) = (&app, token.clone());
        async move {
            let response = app
                .get(&format!("{}?{query}", routes::PHONES), &token)
                .await;
            assert_eq!(response.status(), 200, "{query}");
            response.json::<serde_json::Value>().await.unwrap()["total"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(listed("own_branding=true").await, s.own_branding);
    assert_eq!(
        listed("own_branding=false").await,
        s.phones - s.own_branding
    );
    assert_eq!(listed("firmware_pinned=true").await, s.firmware_pinned);
    assert_eq!(
        listed("firmware_pinned=false").await,
        s.phones - s.firmware_pinned
    );
    // ... and only in its own account.
    let theirs = summary(app.token("admin@other.example").await).await;
    assert_eq!((theirs.phones, theirs.branded), (1, 0));
    assert_eq!(theirs.contacts_per_day[29].refused, 1);
}
