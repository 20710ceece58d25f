//! The phone screens in a real browser: registering phones by typing MACs (with the
//! original's "Reenter a valid MAC address" message), a CSV upload checked by a dry run,
//! Edit Properties on a selection, filters, search, sort, pages, detail and delete.

use serde_json::json;

use crate::helpers::browser::acme_in_a_browser;
use crate::helpers::routes;
use crate::helpers::PASSWORD;

const ROWS: &str = "#phones-table tbody tr";

#[tokio::test]
async fn a_super_user_registers_phones_by_typing_and_by_csv_and_edits_them() {
    let Some((browser, app, account)) = acme_in_a_browser().await else {
        return;
    };
    app.load_sample_firmware().await;
    browser.resize(1280, 900).await;
    browser.log_in(&app, "admin@acme.example", PASSWORD).await;

    // A configuration server first, as the guide says.
    browser.click("#nav-servers").await;
    browser.click("#server-add").await;
    browser.type_into("#server-name", "Main PBX").await;
    browser
        .type_into("#server-url", "https://pbx.acme.example/cfg/")
        .await;
    browser.click("#server-save").await;
    browser
        .wait_text("#servers-notice", |t| t == "Server Main PBX added.")
        .await;
    browser
        .wait_text("#servers-table", |t| {
            t.contains("Main PBX") && t.contains("https://pbx.acme.example/cfg/")
        })
        .await;
    browser.screenshot("servers").await;

    // Add Phones: an invalid entry is refused while typing, valid spellings fill the list.
    browser.click("#nav-phones").await;
    browser
        .wait_text("#phones-empty", |t| t == "No phones match.")
        .await;
    browser.click("#phones-add").await;
    browser.type_into("#add-mac", "00085D1A2B3G").await;
    browser
        .wait_text("#add-mac-error", |t| {
            t.contains("Reenter a valid MAC address")
        })
        .await;
    browser.clear("#add-mac").await;
    browser.type_into("#add-mac", "01:00:5E:00:00:01").await;
    browser
        .wait_text("#add-mac-error", |t| t.contains("Multicast"))
        .await;
    browser.clear("#add-mac").await;
    browser.type_into("#add-mac", "00:08:5d:1a:2b:3c").await;
    browser.wait_gone("#add-mac-error").await;
    browser.click("#add-mac-button").await;
    // Enter in the field adds too (keyboard use).
    browser
        .type_into("#add-mac", "0008.5d1a.2b3d\u{E007}")
        .await;
    browser.type_into("#add-mac", "00-08-5D-1A-2B-3E").await;
    browser.click("#add-mac-button").await;
    browser.wait_count("#mac-list option", 3).await;
    browser
        .click("#mac-list option[value='00085D1A2B3E']")
        .await;
    browser.click("#mac-list-remove").await;
    browser.wait_count("#mac-list option", 2).await;
    browser.choose("#add-server", "Main PBX").await;
    browser.screenshot("add-phones").await;
    browser.click("#add-phones-submit").await;
    browser
        .wait_text("#phones-notice", |t| t == "Added 2 phone(s), updated 0.")
        .await;
    browser.wait_count(ROWS, 2).await;
    record_boots(&app, account, "00085D1A2B3C").await;
    browser
        .wait_text("#phones-table", |t| {
            t.contains("00:08:5D:1A:2B:3C")
                && t.contains("00:08:5D:1A:2B:3D")
                && t.contains("Main PBX")
        })
        .await;

    // Upload CSV: a dry run lists the bad line and writes nothing; the fixed file imports.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "mac\n00085D0000A1\nnot-a-mac\n00085D0000A2\n").unwrap();
    let good = dir.path().join("phones.csv");
    std::fs::write(&good, "mac\n00085D0000A1\n00085D0000A2\n").unwrap();
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "mac\n").unwrap();
    browser.click("#phones-import").await;
    // Errors about the file show under the file field.
    browser.click("#import-check").await;
    browser
        .wait_text("#import-file-error", |t| t == "Choose a CSV file first.")
        .await;
    browser
        .type_into("#import-file", empty.to_str().unwrap())
        .await;
    browser.wait_gone("#import-file-error").await;
    browser.click("#import-check").await;
    browser
        .wait_text("#import-file-error", |t| {
            t == "The file contains no MAC addresses."
        })
        .await;
    assert_eq!(
        browser.attribute("#import-file", "aria-invalid").await,
        "true"
    );
    browser
        .type_into("#import-file", bad.to_str().unwrap())
        .await;
    browser.wait_gone("#import-file-error").await;
    browser.click("#import-check").await;
    let problems = browser
        .wait_text("#import-problems", |t| t.contains("invalid line"))
        .await;
    assert!(problems.contains('3'), "the bad line is line 3: {problems}");
    browser
        .type_into("#import-file", good.to_str().unwrap())
        .await;
    browser.click("#import-check").await;
    browser
        .wait_text("#import-checked", |t| {
            t.contains("2 phone(s) would be added")
        })
        .await;
    browser.screenshot("import-csv").await;
    browser.click("#import-submit").await;
    browser
        .wait_text("#phones-notice", |t| {
            t == "Imported 2 new phone(s), updated 0."
        })
        .await;
    browser.wait_count(ROWS, 4).await;

    // Edit Properties of every phone on the page: firmware set, the rest unchanged.
    browser.click("#select-all").await;
    browser
        .wait_text("#selected-count", |t| t.starts_with("4 selected"))
        .await;
    browser.click("#phones-edit").await;
    browser.choose("#edit-firmware", "4.2.0.181").await;
    browser.screenshot("edit-properties").await;
    browser.click("#edit-phones-submit").await;
    browser
        .wait_text("#phones-notice", |t| t == "Changed 4 phone(s).")
        .await;
    let token = app.token("admin@acme.example").await;
    let page: rcs_shared::PhonePage = app.get(routes::PHONES, &token).await.json().await.unwrap();
    assert_eq!(page.items.len(), 4);
    for phone in &page.items {
        assert_eq!(
            phone.firmware.as_deref(),
            Some("4.2.0.181"),
            "{}",
            phone.mac
        );
    }
    let servers: Vec<_> = page.items.iter().map(|p| p.server_name.clone()).collect();
    assert_eq!(
        servers.iter().filter(|s| s.is_some()).count(),
        2,
        "servers unchanged"
    );
    browser.screenshot("phones").await;

    // The detail of a phone with its boot history, newest first.
    browser.click("a[href='#/phones/00085D1A2B3C']").await;
    browser
        .wait_text("#phone-facts", |t| {
            t.contains("Main PBX") && t.contains("4.2.0.181") && t.contains("Aastra/Mitel")
        })
        .await;
    browser
        .wait_text("#events-table tbody tr:first-child", |t| {
            t.contains("Firmware sent")
                && t.contains("Aastra/Mitel 6757i")
                && t.contains("aastra.cfg: sent\n6757i.st: firmware")
        })
        .await;
    browser.wait_count("#events-table tbody tr", 40).await;
    browser.screenshot("phone-detail").await;

    // Summary, then "Set Unaffiliated Phones" opens the list filtered to them.
    browser.click("#nav-summary").await;
    browser.wait_text("#stat-phones", |t| t == "4").await;
    browser.wait_text("#stat-unaffiliated", |t| t == "2").await;
    browser.find("#contacts-chart").await;
    browser.screenshot("summary").await;
    browser.click("#set-unaffiliated").await;
    browser.wait_count(ROWS, 2).await;
    assert_eq!(browser.value("#filter-server").await, "none");
    browser
        .wait_text("#phones-table", |t| {
            t.contains("00:08:5D:00:00:A1") && !t.contains("Main PBX")
        })
        .await;

    // Search by part of a MAC, in any spelling.
    browser.type_into("#phone-search", "00:a2").await;
    browser.wait_count(ROWS, 1).await;
    browser
        .wait_text(ROWS, |t| t.contains("00:08:5D:00:00:A2"))
        .await;

    // Sorting and keyset pages over more phones than one page holds.
    let macs: Vec<String> = (0..26).map(|i| format!("00085DBB{i:04X}")).collect();
    let added = app
        .post(routes::PHONES, &token, &json!({ "macs": macs }))
        .await;
    assert_eq!(added.status(), 200);
    browser.click("#nav-phones").await;
    browser.wait_count(ROWS, 30).await;
    browser.click("#sort-mac").await;
    browser
        .wait_text(&format!("{ROWS}:first-child th"), |t| {
            t == "00:08:5D:BB:00:19"
        })
        .await;
    browser.choose("#page-size", "25").await;
    browser.wait_count(ROWS, 25).await;
    browser.click("#page-next").await;
    browser.wait_text("#page-number", |t| t == "Page 2").await;
    browser.wait_count(ROWS, 5).await;
    browser
        .wait_text(&format!("{ROWS}:last-child th"), |t| {
            t == "00:08:5D:00:00:A1"
        })
        .await;
    browser.click("#page-prev").await;
    browser.wait_text("#page-number", |t| t == "Page 1").await;
    browser.wait_count(ROWS, 25).await;

    // Delete a selection, after confirming.
    browser.click("#select-00085DBB0019").await;
    browser.click("#phones-delete").await;
    browser.click("#delete-phones-confirm").await;
    browser
        .wait_text("#phones-notice", |t| t == "Deleted 1 phone(s).")
        .await;
    browser
        .wait_text(&format!("{ROWS}:first-child th"), |t| {
            t == "00:08:5D:BB:00:18"
        })
        .await;

    // Export CSV saves every phone, in the format the import reads.
    browser.click("#nav-phones").await;
    browser.click("#phones-export").await;
    let csv = browser.downloaded("phones.csv").await;
    assert!(
        csv.starts_with("mac,server,branding,firmware,reported_firmware,model,vendor,"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 1 + 29, "{csv}");
    assert!(csv.contains("00085D1A2B3C,Main PBX,,4.2.0.181,"), "{csv}");
    browser.wait_gone("#export-error").await;

    // A phone that never booted has an empty history.
    browser.click(&format!("{ROWS}:first-child th a")).await;
    browser
        .wait_text("#phone-facts", |t| t.contains("Unaffiliated"))
        .await;
    browser
        .wait_text("#events-empty", |t| {
            t == "This phone has not contacted rcs yet."
        })
        .await;

    // The same list at a phone's width.
    browser.resize(390, 844).await;
    // There the menu is folded behind its button.
    browser.click("#menu-toggle").await;
    browser.click("#nav-phones").await;
    browser.wait_count(ROWS, 29).await;
    browser.screenshot("phones-narrow").await;
    browser.resize(1280, 900).await;

    browser.log_out().await;
    browser.quit().await;
}

/// Boot events of `mac` over the last two weeks (as the device route records them), so the
/// summary chart and the phone's history have something to show.
async fn record_boots(app: &crate::helpers::TestApp, account: i64, mac: &str) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    // Oldest first, as they would have been recorded.
    for i in (0..40i64).rev() {
        // The newest is a native boot: one entry listing the files the phone fetched.
        let (outcome, detail, vendor) = if i == 0 {
            (
                "firmware_sent",
                "aastra.cfg: sent | 6757i.st: firmware 3.3.1.4322 -> 4.2.0.181 downloaded",
                Some("aastra"),
            )
        } else {
            ("redirected", "redirected to Main PBX", None)
        };
        let at = now - (i * i * 9000) % (14 * 86400) - 60;
        sqlx::query(
            "INSERT INTO boot_events \
             (account_id, mac, at, model, firmware, addr, outcome, detail, vendor) \
             VALUES ($1, $2, $3, '6757i', '3.3.1.4322', '198.51.100.7', $4, $5, $6)",
        )
        .bind(account)
        .bind(mac)
        .bind(at)
        .bind(outcome)
        .bind(detail)
        .bind(vendor)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    sqlx::query("UPDATE phones SET vendor = 'aastra', model = '6757i' WHERE mac = $1")
        .bind(mac)
        .execute(&app.db.pool)
        .await
        .unwrap();
}
