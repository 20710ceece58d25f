//! The Audit page (Super Users): filtered by user, action and days, paged, times to the
//! second in the timezone chosen on the Preferences page; and a Summary tile that opens the
//! phone list filtered to what it counts.

use serde_json::json;

use crate::helpers::browser::{acme_in_a_browser, acme_in_a_browser_on};
use rcs_shared::Role;

use crate::helpers::{Engine, PASSWORD};

crate::on_both_engines!(a_summary_tile_opens_the_phone_list_filtered_to_what_it_counts);

const ROWS: &str = "#audit-table tbody tr";

/// `2026-12-05 07:31:09 GMT+9`: a date, a time to the second, a zone.
fn to_the_second(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() > 20
        && b[4] == b'-'
        && b[10] == b' '
        && b[13] == b':'
        && b[16] == b':'
        && b[17..19].iter().all(u8::is_ascii_digit)
        && b[19] == b' '
}

#[tokio::test]
async fn a_super_user_filters_and_pages_the_audit_trail_in_their_timezone() {
    let Some((browser, app, account)) = acme_in_a_browser().await else {
        return;
    };
    app.add_user(account, "staff@acme.example", Role::User)
        .await;
    let admin = app.token("admin@acme.example").await;
    let staff = app.token("staff@acme.example").await;
    app.create_server(&staff, "Staff PBX", "https://pbx.example.com")
        .await;
    // 55 more entries by the admin: more than a page (50).
    for i in 0..55 {
        app.create_server(&admin, &format!("S{i:02}"), "https://pbx.example.com")
            .await;
    }
    browser.resize(1280, 900).await;
    browser.log_in(&app, "admin@acme.example", PASSWORD).await;

    // Tokyo, whatever the browser's zone: every time then says GMT+9.
    browser.prefer_timezone("Asia/Tokyo").await;

    browser.click("#nav-audit").await;
    browser.wait_count(ROWS, 50).await;
    let first = browser
        .text(&format!("{ROWS}:first-child td:first-child"))
        .await;
    assert!(to_the_second(&first), "{first}");
    assert!(first.ends_with("GMT+9"), "{first}");
    browser.screenshot("audit").await;

    // Older, then Newer again.
    browser.click("#audit-older").await;
    browser.wait_count(ROWS, 6).await;
    browser
        .wait_text(&format!("{ROWS}:last-child"), |t| t.contains("Staff PBX"))
        .await;
    browser.click("#audit-newer").await;
    browser.wait_count(ROWS, 50).await;

    // By user.
    browser
        .type_into("#audit-actor", "staff@acme.example")
        .await;
    browser.click("#audit-apply").await;
    browser.wait_count(ROWS, 1).await;
    browser
        .wait_text("#audit-table tbody", |t| t.contains("Staff PBX"))
        .await;

    // By action: nobody changed a user.
    browser.clear("#audit-actor").await;
    browser.choose("#audit-action", "user.update").await;
    browser.click("#audit-apply").await;
    browser
        .wait_text("#audit-empty", |t| t == "No changes match.")
        .await;
    browser.choose("#audit-action", "Every server change").await;
    browser.click("#audit-apply").await;
    browser.wait_count(ROWS, 50).await;

    // By days: tomorrow has nothing, today (in Tokyo) has everything.
    let set_date = |id: &'static str, days: i64| {
        let browser = &browser;
        async move {
            browser
                .script(
                    "const d = new Date(Date.now() + arguments[1] * 86400000);
                     const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(d);
                     const el = document.getElementById(arguments[0]);
                     el.value = day;
                     el.dispatchEvent(new Event('change', { bubbles: true }));",
                    json!([id, days]),
                )
                .await;
        }
    };
    set_date("audit-from", 1).await;
    browser.click("#audit-apply").await;
    browser.find("#audit-empty").await;
    set_date("audit-from", 0).await;
    set_date("audit-to", 0).await;
    browser.click("#audit-apply").await;
    browser.wait_count(ROWS, 50).await;
    // A range that ends before it starts is refused with the server's message.
    set_date("audit-from", 1).await;
    set_date("audit-to", -1).await;
    browser.click("#audit-apply").await;
    browser
        .wait_text("#audit-error", |t| t.contains("since must be before until"))
        .await;

    // Users have no Audit entry.
    browser.log_out().await;
    browser.log_in(&app, "staff@acme.example", PASSWORD).await;
    browser.find("#nav-preferences").await;
    browser.wait_gone("#nav-audit").await;
    browser.quit().await;
}

async fn a_summary_tile_opens_the_phone_list_filtered_to_what_it_counts(engine: Engine) {
    let Some((browser, app, _)) = acme_in_a_browser_on(engine).await else {
        return;
    };
    let token = app.token("admin@acme.example").await;
    let server = app
        .create_server(&token, "Main PBX", "https://pbx.example.com")
        .await;
    let macs: Vec<String> = (0..1200).map(|i| format!("00085D{i:06X}")).collect();
    let (redirected, unaffiliated) = macs.split_at(3);
    for (macs, server_id) in [(redirected, Some(server.id)), (unaffiliated, None)] {
        let response = app
            .register_phones(&token, &json!({ "macs": macs, "server_id": server_id }))
            .await;
        assert_eq!(response.status(), 200);
    }
    browser.resize(1280, 900).await;
    browser.log_in(&app, "admin@acme.example", PASSWORD).await;

    // Thousands separators.
    browser.wait_text("#stat-phones", |t| t == "1,200").await;
    browser
        .wait_text("#stat-unaffiliated", |t| t == "1,197")
        .await;
    browser.click("#stat-unaffiliated-link").await;
    browser.find("#phones-table").await;
    let hash = browser.script("return location.hash;", json!([])).await;
    assert_eq!(hash, "#/phones?unaffiliated=true");
    assert_eq!(browser.value("#filter-server").await, "none");
    browser
        .wait_text("#phones-table tbody", |t| !t.contains("Main PBX"))
        .await;

    // Firmware pinned and Branded open the phones they count: with no default branding,
    // Branded is the phones with a branding of their own.
    sqlx::query(
        "UPDATE phones SET firmware = '4.3.0' WHERE mac IN ('00085D000001', '00085D000005')",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let blue = app.create_branding(&token, "Blue", false).await.id;
    let response = app
        .register_phones(
            &token,
            &json!({ "macs": ["00085D000007"], "branding_id": blue }),
        )
        .await;
    assert_eq!(response.status(), 200);
    for (tile, count, hash, total) in [
        (
            "#stat-firmware",
            "2",
            "#/phones?firmware_pinned=true",
            "2 phones",
        ),
        (
            "#stat-branded",
            "1",
            "#/phones?own_branding=true",
            "1 phone",
        ),
    ] {
        browser.goto(&app.url("/#/")).await;
        browser.wait_text(tile, |t| t == count).await;
        browser.click(&format!("{tile}-link")).await;
        browser.wait_text("#phones-total", |t| t == total).await;
        let at = browser.script("return location.hash;", json!([])).await;
        assert_eq!(at, hash);
    }
    assert_eq!(browser.value("#filter-branding").await, "own");
    browser.quit().await;
}
