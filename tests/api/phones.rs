//! Phones: MAC spellings, accounts that cannot see each other, add/list/edit/delete, bulk
//! operations that are all or nothing.

use rcs_shared::{Changed, InvalidPhones, Phone};
use serde_json::{json, Value};

use crate::helpers::phones::{macs, walk, Ctx};
use crate::helpers::routes;
use crate::helpers::{error_body, Engine};
use crate::on_both_engines;

on_both_engines!(
    every_mac_spelling_names_the_same_phone_and_answers_are_canonical,
    macs_that_cannot_be_phones_are_rejected_with_a_reenter_message,
    two_accounts_cannot_see_or_touch_each_others_phones,
    adding_reports_added_and_updated_and_redirects_to_the_server_at_once,
    filters_sorting_and_pagination_walk_the_whole_set_without_gaps_or_duplicates,
    bulk_edit_clears_on_explicit_null_and_keeps_absent_fields,
    bulk_edit_and_bulk_delete_are_all_or_nothing,
    every_change_leaves_an_audit_entry,
    boot_facts_are_shown_but_cannot_be_set,
);

async fn every_mac_spelling_names_the_same_phone_and_answers_are_canonical(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let result = ctx.add_ok(json!({ "macs": ["00:08:5d:1a:2b:3c"] })).await;
    assert_eq!((result.added, result.updated), (1, 0));
    for spelling in [
        "00085D1A2B3C",
        "00085d1a2b3c",
        "00:08:5d:1a:2b:3c",
        "00-08-5D-1A-2B-3C",
        "0008.5d1a.2b3c",
    ] {
        assert_eq!(ctx.phone(spelling).await.mac, "00085D1A2B3C");
        // Re-adding under another spelling is an update of the same phone.
        let again = ctx.add_ok(json!({ "macs": [spelling] })).await;
        assert_eq!((again.added, again.updated), (0, 1), "{spelling}");
    }
    let page = ctx.page("").await;
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].mac, "00085D1A2B3C");
    assert_eq!(ctx.page("q=5d:1a").await.items.len(), 1);
    assert_eq!(ctx.page("q=1A-2B").await.items.len(), 1);
    assert_eq!(ctx.page("q=ff").await.items.len(), 0);
    assert_eq!(ctx.page("q=zz").await.items.len(), 0);
}

async fn macs_that_cannot_be_phones_are_rejected_with_a_reenter_message(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    for bad in [
        "00085D1A2B3",
        "00085D1A2B3G",
        "00:08:5D-1A:2B:3C",
        "000000000000",
        "FF:FF:FF:FF:FF:FF",
        "01:00:5E:00:00:01",
    ] {
        let response = ctx
            .add(&ctx.token, json!({ "macs": ["00085D1A2B3C", bad] }))
            .await;
        assert_eq!(response.status(), 422, "{bad}");
        let error: InvalidPhones = response.json().await.unwrap();
        assert_eq!(error.code, "invalid_phones");
        let [problem] = &error.problems[..] else {
            panic!("one problem: {error:?}")
        };
        assert_eq!((problem.index, problem.code.as_str()), (1, "invalid_mac"));
        assert!(
            problem.message.contains("Reenter a valid MAC address"),
            "{}",
            problem.message
        );
        let path = ctx.app.get(&routes::phone(bad), &ctx.token).await;
        assert_eq!(path.status(), 422, "{bad}");
    }
    assert!(ctx.all_macs().await.is_empty(), "nothing was added");
    let empty = ctx.add(&ctx.token, json!({ "macs": [] })).await;
    assert_eq!(error_body(empty).await.code, "no_macs");
    let too_many = ctx
        .add(&ctx.token, json!({ "macs": macs(1, 10_001) }))
        .await;
    assert_eq!(too_many.status(), 422);
    assert_eq!(error_body(too_many).await.code, "too_many_macs");
}

async fn two_accounts_cannot_see_or_touch_each_others_phones(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let (other_id, other) = ctx.other_account().await;
    ctx.add_ok(json!({ "macs": ["00085D000001", "00085D000002"] }))
        .await;
    let theirs = ctx.add(&other, json!({ "macs": ["00085D000003"] })).await;
    assert_eq!(theirs.status(), 200);

    // Claiming a MAC of another account: 422 that names the entry but not the account.
    let claim = ctx
        .add(
            &other,
            json!({ "macs": ["00085D000004", "00:08:5d:00:00:01"] }),
        )
        .await;
    assert_eq!(claim.status(), 422);
    let error: InvalidPhones = claim.json().await.unwrap();
    assert_eq!(error.problems.len(), 1, "{error:?}");
    let problem = &error.problems[0];
    assert_eq!(problem.code, "mac_owned_by_other_account");
    assert_eq!(
        (problem.index, problem.mac.as_str()),
        (1, "00:08:5D:00:00:01")
    );
    assert!(!problem.message.contains("Acme"), "{}", problem.message);
    assert_eq!(
        ctx.count(&format!(
            "SELECT COUNT(*) FROM phones WHERE account_id = {other_id}"
        ))
        .await,
        1,
        "the whole request was refused"
    );

    assert_eq!(
        ctx.all_macs().await,
        ["00085D000001", "00085D000002"],
        "lists show only own phones"
    );
    use reqwest::Method;
    let one = routes::phone("00085D000001");
    for (method, path, body) in [
        (Method::GET, one.as_str(), None),
        (
            Method::PATCH,
            one.as_str(),
            Some(json!({ "firmware": "3.3.1.4322" })),
        ),
        (Method::DELETE, one.as_str(), None),
        (
            Method::PATCH,
            routes::PHONES,
            Some(json!({ "macs": ["00085D000001"], "set": { "firmware": null } })),
        ),
        (
            Method::POST,
            routes::PHONES_DELETE,
            Some(json!({ "macs": ["00085D000001"] })),
        ),
    ] {
        let response = ctx.send(method.clone(), path, &other, body.as_ref()).await;
        assert_eq!(response.status(), 404, "{method} {path}");
        assert_eq!(error_body(response).await.code, "phone_not_found");
    }
    // A server of another account cannot be assigned either.
    let foreign_server = ctx.server(other_id, "theirs").await;
    let response = ctx
        .add(
            &ctx.token,
            json!({ "macs": ["00085D000001"], "server_id": foreign_server }),
        )
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(error_body(response).await.code, "unknown_server");
    assert_eq!(ctx.phone("00085D000001").await.server_id, None);
}

async fn adding_reports_added_and_updated_and_redirects_to_the_server_at_once(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let server = ctx.server(ctx.account_id, "main").await;
    let first = ctx
        .add_ok(json!({ "macs": ["00085D000001", "00085D000002"] }))
        .await;
    assert_eq!((first.added, first.updated), (2, 0));
    let phone = ctx.phone("00085D000001").await;
    assert_eq!(
        (phone.server_id, phone.firmware),
        (None, None),
        "unaffiliated"
    );

    let second = ctx
        .add_ok(json!({
            "macs": ["00085D000002", "00085D000003"],
            "server_id": server,
            "firmware": "4.2.0.181",
        }))
        .await;
    assert_eq!((second.added, second.updated), (1, 1));
    let phone = ctx.phone("00085D000002").await;
    assert_eq!(phone.server_id, Some(server));
    assert_eq!(phone.server_name.as_deref(), Some("main"));
    assert_eq!(phone.firmware.as_deref(), Some("4.2.0.181"));
    assert!(time::OffsetDateTime::parse(
        &phone.created_at,
        &time::format_description::well_known::Rfc3339
    )
    .is_ok());
    assert_eq!(phone.last_seen_at, None);

    for (body, code) in [
        (
            json!({ "macs": ["00085D000009"], "server_id": 999_999 }),
            "unknown_server",
        ),
        (
            json!({ "macs": ["00085D000009"], "branding_id": 1 }),
            "unknown_branding",
        ),
        (
            json!({ "macs": ["00085D000009"], "firmware": "latest" }),
            "invalid_firmware",
        ),
    ] {
        let response = ctx.add(&ctx.token, body).await;
        assert_eq!(response.status(), 422);
        assert_eq!(error_body(response).await.code, code);
    }
    assert_eq!(ctx.all_macs().await.len(), 3);

    // The cap is 10,000 MACs per request, and a full request goes through.
    let big = ctx.add_ok(json!({ "macs": macs(7, 10_000) })).await;
    assert_eq!((big.added, big.updated), (10_000, 0));
}

async fn filters_sorting_and_pagination_walk_the_whole_set_without_gaps_or_duplicates(
    engine: Engine,
) {
    let ctx = Ctx::new(engine).await;
    let a = ctx.server(ctx.account_id, "a").await;
    let b = ctx.server(ctx.account_id, "b").await;
    let all = macs(1, 230);
    ctx.add_ok(json!({ "macs": all[..100] })).await;
    ctx.add_ok(json!({ "macs": all[100..180], "server_id": a, "firmware": "3.3.1.4322" }))
        .await;
    ctx.add_ok(json!({ "macs": all[180..], "server_id": b }))
        .await;
    // Boot facts for some phones, with ties on last_seen_at.
    for (i, mac) in all.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        sqlx::query("UPDATE phones SET last_seen_at = $1 WHERE mac = $2")
            .bind(1_700_000_000 + (i as i64 % 7))
            .bind(mac)
            .execute(&ctx.app.db.pool)
            .await
            .unwrap();
    }
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(walk(&ctx, "limit=7").await, sorted);
    let mut desc = sorted.clone();
    desc.reverse();
    assert_eq!(walk(&ctx, "limit=9&order=desc").await, desc);

    for order in ["asc", "desc"] {
        let seen = walk(&ctx, &format!("limit=11&sort=last_seen&order={order}")).await;
        assert_eq!(seen.len(), 230, "{order}: no gaps");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique, sorted, "{order}: no duplicates");
        // Never-seen phones are the oldest.
        let first = ctx.phone(&seen[0]).await;
        assert_eq!(first.last_seen_at.is_none(), order == "asc", "{order}");
    }

    let ctx_ref = &ctx;
    let count = move |q: &'static str| async move { walk(ctx_ref, q).await.len() };
    assert_eq!(count("limit=13&unaffiliated=true").await, 100);
    assert_eq!(count("limit=13&unaffiliated=false").await, 130);
    assert_eq!(
        walk(&ctx, &format!("limit=13&server_id={a}")).await,
        all[100..180]
    );
    assert_eq!(count("limit=13&firmware=3.3.1.4322").await, 80);
    assert_eq!(count("limit=13&seen=true").await, 77);
    assert_eq!(count("limit=13&seen=false").await, 153);
    assert_eq!(
        walk(
            &ctx,
            &format!("limit=5&server_id={b}&sort=last_seen&order=desc&seen=true")
        )
        .await
        .len(),
        17
    );
    assert_eq!(walk(&ctx, "q=01:00:00:1").await.len(), 16);

    for (query, status) in [
        ("limit=0", 422),
        ("limit=1001", 422),
        ("cursor=zz", 400),
        ("sort=size", 400),
    ] {
        let response = ctx
            .app
            .get(&format!("{}?{query}", routes::PHONES), &ctx.token)
            .await;
        assert_eq!(response.status(), status, "{query}");
    }
    // A cursor is only valid for the sort order that issued it.
    let cursor = ctx.page("limit=2").await.next_cursor.unwrap();
    let response = ctx
        .app
        .get(
            &format!("{}?sort=last_seen&cursor={cursor}", routes::PHONES),
            &ctx.token,
        )
        .await;
    assert_eq!(error_body(response).await.code, "invalid_cursor");
}

async fn bulk_edit_clears_on_explicit_null_and_keeps_absent_fields(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let server = ctx.server(ctx.account_id, "main").await;
    let other_server = ctx.server(ctx.account_id, "backup").await;
    ctx.add_ok(json!({
        "macs": ["00085D000001", "00085D000002", "00085D000003"],
        "server_id": server,
        "firmware": "4.2.0.181",
    }))
    .await;
    use reqwest::Method;
    let edit = |body: Value| {
        let ctx = &ctx;
        async move {
            ctx.send(Method::PATCH, routes::PHONES, &ctx.token, Some(&body))
                .await
        }
    };
    // Absent firmware stays; the server changes.
    let response = edit(json!({
        "macs": ["00085D000001", "0008.5d00.0002"],
        "set": { "server_id": other_server },
    }))
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Changed>().await.unwrap().count, 2);
    let phone = ctx.phone("00085D000001").await;
    assert_eq!(phone.server_id, Some(other_server));
    assert_eq!(phone.firmware.as_deref(), Some("4.2.0.181"));

    // Explicit null clears; absent server stays.
    let response = edit(json!({ "macs": ["00085D000001"], "set": { "firmware": null } })).await;
    assert_eq!(response.status(), 200);
    let phone = ctx.phone("00085D000001").await;
    assert_eq!(phone.firmware, None);
    assert_eq!(phone.server_id, Some(other_server));

    // Single-phone PATCH follows the same rules and answers the phone.
    let response = ctx
        .send(
            Method::PATCH,
            &routes::phone("00-08-5D-00-00-02"),
            &ctx.token,
            Some(&json!({ "server_id": null })),
        )
        .await;
    assert_eq!(response.status(), 200);
    let phone: Phone = response.json().await.unwrap();
    assert_eq!(
        (phone.server_id, phone.firmware.as_deref()),
        (None, Some("4.2.0.181"))
    );
    assert_eq!(ctx.phone("00085D000003").await.server_id, Some(server));

    let nothing = edit(json!({ "macs": ["00085D000001"], "set": {} })).await;
    assert_eq!(nothing.status(), 422);
    assert_eq!(error_body(nothing).await.code, "no_changes");
}

async fn bulk_edit_and_bulk_delete_are_all_or_nothing(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let (_, other) = ctx.other_account().await;
    ctx.add_ok(json!({ "macs": ["00085D000001", "00085D000002"] }))
        .await;
    ctx.add(&other, json!({ "macs": ["00085D000009"] })).await;
    use reqwest::Method;
    let response = ctx
        .send(
            Method::PATCH,
            routes::PHONES,
            &ctx.token,
            Some(&json!({
                "macs": ["00085D000001", "00085D000009"],
                "set": { "firmware": "3.3.1.4322" },
            })),
        )
        .await;
    assert_eq!(response.status(), 404);
    let error = error_body(response).await;
    assert_eq!(error.code, "phone_not_found");
    assert!(error.message.contains("00085D000009"), "{}", error.message);
    assert_eq!(ctx.phone("00085D000001").await.firmware, None);

    let response = ctx
        .send(
            Method::POST,
            routes::PHONES_DELETE,
            &ctx.token,
            Some(&json!({ "macs": ["00085D000001", "00085D000002", "00085D000008"] })),
        )
        .await;
    assert_eq!(response.status(), 404);
    assert!(error_body(response).await.message.contains("00085D000008"));
    assert_eq!(ctx.all_macs().await.len(), 2, "nothing deleted");

    let response = ctx
        .send(
            Method::POST,
            routes::PHONES_DELETE,
            &ctx.token,
            Some(&json!({ "macs": ["00085D000001", "00:08:5D:00:00:02"] })),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Changed>().await.unwrap().count, 2);
    assert!(ctx.all_macs().await.is_empty());

    // A deleted MAC is free again, and single delete answers 204 then 404.
    ctx.add_ok(json!({ "macs": ["00085D000001"] })).await;
    let path = &routes::phone("00085d000001");
    assert_eq!(
        ctx.send(Method::DELETE, path, &ctx.token, None)
            .await
            .status(),
        204
    );
    assert_eq!(
        ctx.send(Method::DELETE, path, &ctx.token, None)
            .await
            .status(),
        404
    );
}

async fn every_change_leaves_an_audit_entry(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    ctx.add_ok(json!({ "macs": ["00085D000001", "00085D000002"] }))
        .await;
    use reqwest::Method;
    ctx.send(
        Method::PATCH,
        &routes::phone("00085D000001"),
        &ctx.token,
        Some(&json!({ "firmware": "3.3.1.4322" })),
    )
    .await;
    ctx.send(
        Method::DELETE,
        &routes::phone("00085D000002"),
        &ctx.token,
        None,
    )
    .await;
    // A refused request leaves no entry.
    ctx.add(
        &ctx.token,
        json!({ "macs": ["00085D000003"], "server_id": 5 }),
    )
    .await;
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT action, target, count FROM audit_events WHERE account_id = $1 ORDER BY id",
    )
    .bind(ctx.account_id)
    .fetch_all(&ctx.app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            ("phone.add".into(), "2 phones".into(), 2),
            ("phone.update".into(), "00085D000001".into(), 1),
            ("phone.delete".into(), "00085D000002".into(), 1),
        ]
    );
}

async fn boot_facts_are_shown_but_cannot_be_set(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    ctx.add_ok(json!({ "macs": ["00085D000001"] })).await;
    sqlx::query(
        "UPDATE phones SET model = $1, reported_firmware = $2, last_seen_at = $3, \
         last_seen_addr = $4, state = $5 WHERE mac = $6",
    )
    .bind("Aastra6757i")
    .bind("3.2.2.1136")
    .bind(1_700_000_000_i64)
    .bind("192.0.2.7")
    .bind("redirected")
    .bind("00085D000001")
    .execute(&ctx.app.db.pool)
    .await
    .unwrap();
    let phone = ctx.phone("00085D000001").await;
    assert_eq!(phone.model.as_deref(), Some("Aastra6757i"));
    assert_eq!(phone.reported_firmware.as_deref(), Some("3.2.2.1136"));
    assert_eq!(phone.last_seen_at.as_deref(), Some("2023-11-14T22:13:20Z"));
    assert_eq!(phone.last_seen_addr.as_deref(), Some("192.0.2.7"));
    assert_eq!(phone.state.as_deref(), Some("redirected"));
    let response = ctx
        .send(
            reqwest::Method::PATCH,
            &routes::phone("00085D000001"),
            &ctx.token,
            Some(&json!({ "model": "Other" })),
        )
        .await;
    assert_eq!(response.status(), 422, "boot facts are not properties");
    assert_eq!(
        ctx.phone("00085D000001").await.model.as_deref(),
        Some("Aastra6757i")
    );
}

/// When PostgreSQL ends a bulk edit to break a deadlock (here with a transaction outside rcs
/// that locks the same two phones in the other order), the caller gets a 503 with
/// `Retry-After`, not a 500, nothing of the edit is written, and the same edit succeeds once
/// retried.
#[tokio::test]
async fn a_bulk_edit_ended_by_a_deadlock_is_503_and_changes_nothing_on_postgres() {
    if crate::helpers::skip_without_postgres() {
        return;
    }
    let ctx = Ctx::new(Engine::Postgres).await;
    let (first, second) = ("00085D000001", "00085D000002");
    ctx.add_ok(json!({ "macs": [first, second] })).await;
    let lock = |mac: &'static str| {
        sqlx::query("SELECT mac FROM phones WHERE mac = $1 FOR UPDATE").bind(mac)
    };

    // The outside transaction holds the second phone; rcs locks the phones of an edit in MAC
    // order, so the edit holds the first and waits for the second.
    let mut outside = ctx.app.db.begin_write().await.unwrap();
    lock(second).fetch_all(&mut *outside).await.unwrap();
    let edit = json!({ "macs": [second, first], "set": { "firmware": "4.2.0.181" } });
    let (response, ()) = tokio::join!(ctx.app.patch(routes::PHONES, &ctx.token, &edit), async {
        crate::helpers::until_a_session_waits_on_a_lock(&ctx.app.db.pool, "the edit").await;
        // Now the outside transaction asks for the first phone: a deadlock. The edit has
        // waited longer, so its deadlock check runs first and PostgreSQL ends it.
        lock(first).fetch_all(&mut *outside).await.unwrap();
    });
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(error_body(response).await.code, "unavailable");
    outside.commit().await.unwrap();
    assert_eq!(ctx.phone(first).await.firmware, None, "nothing written");
    assert_eq!(ctx.phone(second).await.firmware, None, "nothing written");

    let response = ctx.app.patch(routes::PHONES, &ctx.token, &edit).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        ctx.phone(first).await.firmware.as_deref(),
        Some("4.2.0.181")
    );
}
