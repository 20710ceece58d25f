//! Phones at a provider's scale: a selection by filter that edits or deletes thousands of
//! phones in one request (and only the matching ones of the caller's account), the count the
//! client saw guarding it, totals, the last page and the way back, the export that follows
//! the filter with every column, and a registration that names every bad entry at once.

use rcs_shared::{AddPhonesResult, InvalidPhones, PhonePage, TOTAL_COUNT_LIMIT};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::phones::{macs, walk, Ctx};
use crate::helpers::routes;
use crate::helpers::{error_body, Engine};
use crate::on_both_engines;

on_both_engines!(
    a_filter_edits_and_deletes_exactly_the_matching_phones_among_ten_thousand,
    a_selection_whose_count_changed_or_is_unclear_changes_nothing,
    totals_follow_the_filter_and_pages_walk_back_from_the_last,
    a_total_past_the_limit_says_more_unless_the_exact_number_is_asked,
    the_export_follows_the_filter_and_quotes_every_column,
    the_ticked_phones_are_exported_by_their_macs_or_nothing_is,
    adding_names_every_bad_entry_at_once_or_skips_them_on_request,
);

impl Ctx {
    async fn patch_phones(&self, token: &str, body: Value) -> reqwest::Response {
        self.send(Method::PATCH, routes::PHONES, token, Some(&body))
            .await
    }

    async fn delete_phones(&self, token: &str, body: Value) -> reqwest::Response {
        self.send(Method::POST, routes::PHONES_DELETE, token, Some(&body))
            .await
    }

    async fn changed(response: reqwest::Response) -> u64 {
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["count"].as_u64().unwrap()
    }

    /// The exact number of phones matching `query` (the capped count has its own story).
    async fn total(&self, query: &str) -> u64 {
        let page = self
            .page(&format!("limit=1&exact_total=true&{query}"))
            .await;
        assert!(page.total_exact);
        page.total
    }

    async fn export_where(&self, query: &str) -> String {
        let path = format!("{}?{query}", routes::PHONES_EXPORT);
        let response = self.app.get(&path, &self.token).await;
        assert_eq!(response.status(), 200, "{query}");
        response.text().await.unwrap()
    }
}

async fn a_filter_edits_and_deletes_exactly_the_matching_phones_among_ten_thousand(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let (other_id, other) = ctx.other_account().await;
    let (first, second) = (
        ctx.server(ctx.account_id, "first").await,
        ctx.server(ctx.account_id, "second").await,
    );
    let unaffiliated = macs(1, 6_000);
    ctx.add_ok(json!({ "macs": unaffiliated })).await;
    ctx.add_ok(json!({ "macs": macs(2, 4_000), "server_id": first }))
        .await;
    let theirs = ctx.add(&other, json!({ "macs": macs(3, 100) })).await;
    assert_eq!(theirs.status(), 200);
    assert_eq!(ctx.total("").await, 10_000);
    assert_eq!(ctx.total("unaffiliated=true").await, 6_000);

    // Assign every unaffiliated phone, as the list counted them, in one request.
    let assign = json!({
        "filter": { "unaffiliated": true },
        "expected_count": 6_000,
        "set": { "server_id": second },
    });
    assert_eq!(
        Ctx::changed(ctx.patch_phones(&ctx.token, assign).await).await,
        6_000
    );
    assert_eq!(ctx.total("unaffiliated=true").await, 0);
    assert_eq!(ctx.total(&format!("server_id={second}")).await, 6_000);
    assert_eq!(ctx.total(&format!("server_id={first}")).await, 4_000);
    let untouched =
        format!("SELECT COUNT(*) FROM phones WHERE account_id = {other_id} AND server_id IS NULL");
    assert_eq!(ctx.count(&untouched).await, 100, "another account's phones");
    let (count, target, detail): (i64, String, String) = sqlx::query_as(
        "SELECT count, target, detail FROM audit_events WHERE account_id = $1 \
         AND action = 'phone.update' ORDER BY id DESC LIMIT 1",
    )
    .bind(ctx.account_id)
    .fetch_one(&ctx.app.db.pool)
    .await
    .unwrap();
    assert_eq!((count, target.as_str()), (6_000, "6000 phones"));
    assert!(detail.contains("unaffiliated=true"), "{detail}");

    // Delete the phones of one server whose MAC holds a fragment (any spelling).
    let fragment = "0000010001";
    let expected = unaffiliated.iter().filter(|m| m.contains(fragment)).count() as u64;
    assert!(expected > 0);
    let filter = json!({ "server_id": second, "q": "00:00:01:00:01" });
    let gone = ctx
        .delete_phones(
            &ctx.token,
            json!({ "filter": filter, "expected_count": expected }),
        )
        .await;
    assert_eq!(Ctx::changed(gone).await, expected);
    let left = walk(&ctx, "limit=1000").await;
    assert_eq!(left.len() as u64, 10_000 - expected);
    assert!(left
        .iter()
        .all(|m| !m.starts_with("000001") || !m.contains(fragment)));

    // The other account's filter never reaches this account's phones, nor the reverse.
    let all_theirs = json!({ "filter": {}, "set": { "firmware": null } });
    assert_eq!(
        Ctx::changed(ctx.patch_phones(&other, all_theirs).await).await,
        100
    );
    let delete_theirs = ctx.delete_phones(&other, json!({ "filter": {} })).await;
    assert_eq!(Ctx::changed(delete_theirs).await, 100);
    assert_eq!(ctx.total("").await, 10_000 - expected);
}

async fn a_selection_whose_count_changed_or_is_unclear_changes_nothing(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let server = ctx.server(ctx.account_id, "main").await;
    // Aastra's prefix: a Yealink release cannot be pinned to them.
    let aastra: Vec<String> = (0..50).map(|i| format!("00085D{i:06X}")).collect();
    ctx.add_ok(json!({ "macs": aastra })).await;
    let unchanged = "SELECT COUNT(*) FROM phones WHERE server_id IS NULL AND firmware IS NULL";

    let stale = json!({ "filter": {}, "expected_count": 49, "set": { "server_id": server } });
    let response = ctx.patch_phones(&ctx.token, stale).await;
    assert_eq!(response.status(), 409);
    let error = error_body(response).await;
    assert_eq!(error.code, "selection_changed");
    assert!(error.message.contains("50 phone"), "{}", error.message);
    let response = ctx
        .delete_phones(
            &ctx.token,
            json!({ "filter": { "unaffiliated": true }, "expected_count": 51 }),
        )
        .await;
    assert_eq!(response.status(), 409);
    assert_eq!(error_body(response).await.code, "selection_changed");

    let both = json!({ "macs": ["00085D000001"], "filter": {}, "set": { "server_id": server } });
    let neither = json!({ "set": { "server_id": server } });
    for (body, code) in [
        (both, "ambiguous_selection"),
        (neither, "missing_selection"),
    ] {
        let edit = ctx.patch_phones(&ctx.token, body.clone()).await;
        assert_eq!(edit.status(), 400);
        assert_eq!(error_body(edit).await.code, code);
        let delete = ctx.delete_phones(&ctx.token, body).await;
        assert_eq!(delete.status(), 400);
        assert_eq!(error_body(delete).await.code, code);
    }

    for (set, code) in [
        (json!({ "server_id": 999_999 }), "unknown_server"),
        (json!({ "branding_id": 999_999 }), "unknown_branding"),
        (json!({ "firmware": "99.0.0.1" }), "unknown_firmware"),
        (
            json!({ "firmware": "66.86.0.15" }),
            "firmware_vendor_mismatch",
        ),
        (json!({}), "no_changes"),
    ] {
        let body = json!({ "filter": { "q": "00085D" }, "set": set });
        let response = ctx.patch_phones(&ctx.token, body).await;
        assert_eq!(response.status(), 422, "{code}");
        let error = error_body(response).await;
        assert_eq!(error.code, code);
        if code == "firmware_vendor_mismatch" {
            assert!(
                error.message.contains("49 more selected phones"),
                "{}",
                error.message
            );
        }
    }
    assert_eq!(ctx.count(unchanged).await, 50, "nothing was changed");
    let pinned = json!({ "filter": { "q": "00085D" }, "expected_count": 50, "set": { "firmware": "4.2.0.181" } });
    assert_eq!(
        Ctx::changed(ctx.patch_phones(&ctx.token, pinned).await).await,
        50
    );
    // A search no MAC can match selects nothing, and says so to an expected count.
    let none = json!({ "filter": { "q": "zz" }, "expected_count": 1 });
    assert_eq!(ctx.delete_phones(&ctx.token, none).await.status(), 409);
    assert_eq!(ctx.total("").await, 50);
}

/// A page counts the matching phones only up to `TOTAL_COUNT_LIMIT` (1,000: bounded whatever
/// the account's size); past that it says "more than 1,000" and `exact_total=true` gives the
/// number. A selection by filter still acts on every matching phone, guarded by the exact
/// count.
async fn a_total_past_the_limit_says_more_unless_the_exact_number_is_asked(engine: Engine) {
    const LIMIT: u64 = TOTAL_COUNT_LIMIT;
    assert_eq!(LIMIT, 1_000);
    let ctx = Ctx::new(engine).await;
    let server = ctx.server(ctx.account_id, "main").await;
    ctx.add_ok(json!({ "macs": macs(5, 1_000) })).await;
    let at_limit = ctx.page("limit=10").await;
    assert_eq!((at_limit.total, at_limit.total_exact), (LIMIT, true));

    ctx.add_ok(json!({ "macs": macs(6, 2), "server_id": server }))
        .await;
    let past = ctx.page("limit=10").await;
    assert_eq!((past.total, past.total_exact), (LIMIT, false), "more than");
    assert_eq!(past.items.len(), 10);
    let exact = ctx.page("limit=10&exact_total=true").await;
    assert_eq!((exact.total, exact.total_exact), (1_002, true));
    assert_eq!(exact.items, past.items, "the same page either way");
    // A filter under the limit is counted exactly without asking.
    let theirs = ctx.page(&format!("server_id={server}")).await;
    assert_eq!((theirs.total, theirs.total_exact), (2, true));
    // The next page of a large list says "more than" too, and the last page is reached.
    let next = ctx
        .page(&format!("limit=10&cursor={}", past.next_cursor.unwrap()))
        .await;
    assert_eq!((next.total, next.total_exact), (LIMIT, false));
    let last = ctx.page("limit=10&last=true&exact_total=true").await;
    assert_eq!(
        (last.total, last.total_exact, last.items.len()),
        (1_002, true, 10)
    );

    // The exact count guards a selection of every phone, as before.
    let stale = json!({ "filter": {}, "expected_count": 1_000, "set": { "server_id": server } });
    let refused = ctx.patch_phones(&ctx.token, stale).await;
    assert_eq!(refused.status(), 409);
    assert_eq!(error_body(refused).await.code, "selection_changed");
    let all = json!({ "filter": {}, "expected_count": 1_002, "set": { "server_id": server } });
    assert_eq!(
        Ctx::changed(ctx.patch_phones(&ctx.token, all).await).await,
        1_002
    );
    assert_eq!(ctx.total(&format!("server_id={server}")).await, 1_002);
}

async fn totals_follow_the_filter_and_pages_walk_back_from_the_last(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let server = ctx.server(ctx.account_id, "main").await;
    let all = macs(4, 120);
    ctx.add_ok(json!({ "macs": all[..70] })).await;
    ctx.add_ok(json!({ "macs": all[70..], "server_id": server }))
        .await;
    assert_eq!(ctx.total("").await, 120);
    assert_eq!(ctx.total("unaffiliated=true").await, 70);
    assert_eq!(ctx.total(&format!("server_id={server}")).await, 50);
    assert_eq!(
        ctx.total("q=04:00:00:0").await,
        16,
        "MACs ...0000 to ...000F"
    );
    assert_eq!(ctx.total("q=zz").await, 0);

    for order in ["asc", "desc"] {
        let mut expected = all.clone();
        if order == "desc" {
            expected.reverse();
        }
        let q = format!("sort=mac&order={order}&limit=50");
        let last = ctx.page(&format!("{q}&last=true")).await;
        let shown = |p: &PhonePage| p.items.iter().map(|p| p.mac.clone()).collect::<Vec<_>>();
        // Keyset pages: the last page is full, and walking back the first may be short.
        assert_eq!(shown(&last), expected[70..], "{order}: the last page");
        assert_eq!((last.total, last.next_cursor.as_deref()), (120, None));
        let middle = ctx
            .page(&format!("{q}&before={}", last.prev_cursor.clone().unwrap()))
            .await;
        assert_eq!(shown(&middle), expected[20..70], "{order}: back one page");
        let first = ctx
            .page(&format!(
                "{q}&before={}",
                middle.prev_cursor.clone().unwrap()
            ))
            .await;
        assert_eq!(shown(&first), expected[..20], "{order}: back to the first");
        assert_eq!(first.prev_cursor, None, "{order}: nothing before the first");
        // And forward again from there, with a way back from the second page.
        let second = ctx
            .page(&format!(
                "{q}&cursor={}",
                first.next_cursor.clone().unwrap()
            ))
            .await;
        assert_eq!(shown(&second), expected[20..70]);
        let again = ctx
            .page(&format!(
                "{q}&before={}",
                second.prev_cursor.clone().unwrap()
            ))
            .await;
        assert_eq!(shown(&again), expected[..20]);
        let from_start = ctx.page(&q).await;
        let next = ctx
            .page(&format!("{q}&cursor={}", from_start.next_cursor.unwrap()))
            .await;
        assert_eq!(
            shown(&next),
            expected[50..100],
            "{order}: forward as before"
        );
        let back = ctx
            .page(&format!("{q}&before={}", next.prev_cursor.unwrap()))
            .await;
        assert_eq!(shown(&back), expected[..50], "{order}: and back");
    }

    let first = ctx.page("limit=50").await;
    let cursor = first.next_cursor.unwrap();
    for (query, code) in [
        (format!("cursor={cursor}&last=true"), "conflicting_page"),
        (
            format!("cursor={cursor}&before={cursor}"),
            "conflicting_page",
        ),
        (format!("before={cursor}&order=desc"), "invalid_cursor"),
        ("before=zz".to_string(), "invalid_cursor"),
    ] {
        let path = format!("{}?{query}", routes::PHONES);
        let response = ctx.app.get(&path, &ctx.token).await;
        assert_eq!(response.status(), 400, "{query}");
        assert_eq!(error_body(response).await.code, code);
    }
}

/// The rows of an RFC 4180 text: fields split on commas outside quotes, `""` inside quotes
/// one quote, rows ended by a line break outside quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (_, c) => field.push(c),
        }
    }
    assert!(
        !quoted && field.is_empty() && row.is_empty(),
        "ends with a line break"
    );
    rows
}

async fn the_export_follows_the_filter_and_quotes_every_column(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let server = ctx.server(ctx.account_id, "Main, \"PBX\"").await;
    let other_server = ctx.server(ctx.account_id, "=cmd").await;
    let mine = macs(5, 2_500);
    ctx.add_ok(json!({ "macs": mine, "server_id": server, "firmware": null }))
        .await;
    ctx.add_ok(json!({ "macs": macs(6, 30), "server_id": other_server }))
        .await;
    sqlx::query(
        "UPDATE phones SET model = '6757i', reported_firmware = '4.2.0.181', vendor = 'aastra', \
         last_seen_at = 1764000000, last_seen_addr = '198.51.100.7', state = 'branding_sent' \
         WHERE mac = $1",
    )
    .bind(&mine[7])
    .execute(&ctx.app.db.pool)
    .await
    .unwrap();

    let text = ctx
        .export_where(&format!(
            "server_id={server}&columns=all&sort=mac&order=desc"
        ))
        .await;
    let rows = parse_csv(&text);
    let header = "mac,server,branding,firmware,reported_firmware,model,vendor,last_seen,\
                  last_address,state,created";
    assert_eq!(rows[0].join(","), header);
    assert_eq!(
        rows.len(),
        1 + 2_500,
        "only the filter's phones, over several pages"
    );
    let mut expected = mine.clone();
    expected.reverse();
    let listed: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(listed, expected, "in the list's sort");
    let seen = rows.iter().find(|r| r[0] == mine[7]).unwrap();
    assert_eq!(seen[1], "Main, \"PBX\"", "quoted and read back");
    assert_eq!(
        seen[4..10],
        [
            "4.2.0.181",
            "6757i",
            "aastra",
            "2025-11-24T16:00:00Z",
            "198.51.100.7",
            "branding_sent"
        ]
    );
    assert!(seen[10].ends_with('Z'), "created, RFC 3339: {}", seen[10]);
    assert!(rows.iter().all(|r| r.len() == 11));

    // Every column imports back, and so do the import's own; a formula-like name is text.
    let plain = ctx
        .export_where(&format!("server_id={other_server}&columns=import"))
        .await;
    let rows = parse_csv(&plain);
    assert_eq!(rows[0].join(","), "mac,server,branding,firmware");
    let full = ctx.export_where(&format!("server_id={other_server}")).await;
    assert_eq!(parse_csv(&full)[0].len(), 11);
    let reimport = ctx.app.import_csv(&ctx.token, "", full).await;
    assert_eq!(reimport.status(), 200);
    assert_eq!(rows.len(), 31);
    assert!(rows[1..].iter().all(|r| r[1] == "'=cmd"), "{plain}");
    let reimport = ctx.app.import_csv(&ctx.token, "", plain).await;
    assert_eq!(reimport.status(), 200);
    assert_eq!(ctx.total(&format!("server_id={other_server}")).await, 30);
    assert_eq!(
        parse_csv(&ctx.export_where("q=zz").await).len(),
        1,
        "a header only"
    );
}

async fn the_ticked_phones_are_exported_by_their_macs_or_nothing_is(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let (_, other) = ctx.other_account().await;
    let mine = macs(7, 40);
    ctx.add_ok(json!({ "macs": mine })).await;
    let theirs = ctx.add(&other, json!({ "macs": ["00AAAA000001"] })).await;
    assert_eq!(theirs.status(), 200);
    let export = |body: Value| {
        let ctx = &ctx;
        async move {
            ctx.send(Method::POST, routes::PHONES_EXPORT, &ctx.token, Some(&body))
                .await
        }
    };

    // Three ticked phones, in any spelling, in the asked order, with every column.
    let ticked = json!([mine[3].to_lowercase(), mine[30], mine[12]]);
    let response = export(json!({ "macs": ticked, "order": "desc" })).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let rows = parse_csv(&response.text().await.unwrap());
    assert_eq!(rows[0].len(), 11);
    let listed: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(listed, [&mine[30], &mine[12], &mine[3]]);

    // The filter as a body exports what the GET with the same filter does.
    let response = export(json!({ "filter": { "q": mine[39] }, "columns": "import" })).await;
    assert_eq!(response.status(), 200);
    let rows = parse_csv(&response.text().await.unwrap());
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].join(","), "mac,server,branding,firmware");

    // A phone of another account is not exported: the whole request is refused, naming no
    // account, and nothing of theirs leaks.
    let response = export(json!({ "macs": [mine[0], "00AAAA000001"] })).await;
    assert_eq!(response.status(), 404);
    let body = error_body(response).await;
    assert_eq!(body.code, "phone_not_found");
    assert!(!body.message.contains("Globex"), "{}", body.message);
    for (bad, status, code) in [
        (json!({}), 400, "missing_selection"),
        (
            json!({ "macs": [mine[0]], "filter": {} }),
            400,
            "ambiguous_selection",
        ),
        (json!({ "macs": [] }), 422, "no_macs"),
        (json!({ "macs": ["00:08:5D"] }), 422, "invalid_mac"),
    ] {
        let response = export(bad.clone()).await;
        assert_eq!(response.status(), status, "{bad}");
        assert_eq!(error_body(response).await.code, code, "{bad}");
    }
}

async fn adding_names_every_bad_entry_at_once_or_skips_them_on_request(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let (_, other) = ctx.other_account().await;
    let theirs = ctx.add(&other, json!({ "macs": ["00085D000001"] })).await;
    assert_eq!(theirs.status(), 200);
    let list = json!([
        "00:08:5d:00:00:02",
        "nonsense",
        "00085D000001",
        "00-08-5D-00-00-02",
        "00085D000003",
    ]);
    let response = ctx.add(&ctx.token, json!({ "macs": list })).await;
    assert_eq!(response.status(), 422);
    let refused: InvalidPhones = response.json().await.unwrap();
    assert_eq!(refused.code, "invalid_phones");
    let problems: Vec<(u64, &str, &str)> = refused
        .problems
        .iter()
        .map(|p| (p.index, p.mac.as_str(), p.code.as_str()))
        .collect();
    assert_eq!(
        problems,
        [
            (1, "nonsense", "invalid_mac"),
            (2, "00:08:5D:00:00:01", "mac_owned_by_other_account"),
            (3, "00:08:5D:00:00:02", "duplicate_mac"),
        ]
    );
    assert!(refused
        .problems
        .iter()
        .all(|p| !p.message.contains("Globex")));
    assert!(
        refused.message.contains("3 of the 5"),
        "{}",
        refused.message
    );
    assert_eq!(ctx.total("").await, 0, "nothing was added");

    let response = ctx
        .add(&ctx.token, json!({ "macs": list, "skip_invalid": true }))
        .await;
    assert_eq!(response.status(), 200);
    let result: AddPhonesResult = response.json().await.unwrap();
    assert_eq!((result.added, result.updated), (2, 0));
    let skipped: Vec<u64> = result.skipped.iter().map(|p| p.index).collect();
    assert_eq!(skipped, [1, 2, 3]);
    assert_eq!(ctx.all_macs().await, ["00085D000002", "00085D000003"]);
    // Nothing valid: nothing added, everything answered.
    let response = ctx
        .add(
            &ctx.token,
            json!({ "macs": ["bad", "00085D000001"], "skip_invalid": true }),
        )
        .await;
    let result: AddPhonesResult = response.json().await.unwrap();
    assert_eq!((result.added, result.skipped.len()), (0, 2));
}
