//! Add Phones with entries the server refuses (every problem at its entry, then "Add the N
//! valid phones"), a phone's own page (edit, delete, the pending-firmware sign) and the
//! length counters of names and URLs, in a real browser.

use serde_json::json;

use super::phone_scale::{hash, main_pbx, register};
use crate::helpers::browser::{acme_in_a_browser, acme_in_a_browser_on};
use crate::helpers::{Engine, PASSWORD};

crate::on_both_engines!(a_phone_page_edits_and_deletes_the_phone_and_shows_a_pending_firmware);

#[tokio::test]
async fn add_phones_shows_every_problem_at_its_entry_and_adds_the_valid_ones() {
    let Some((browser, app, account)) = acme_in_a_browser().await else {
        return;
    };
    // Another account owns two of the MACs about to be typed.
    app.create_account("Globex", "admin@globex.example").await;
    let globex = app.token("admin@globex.example").await;
    register(
        &app,
        &globex,
        json!({ "macs": ["00085D1A0002", "00085D1A0003"] }),
    )
    .await;

    browser.resize(1280, 900).await;
    browser.log_in(&app, "admin@acme.example", PASSWORD).await;
    browser.click("#nav-phones").await;
    browser.click("#phones-add").await;
    for mac in ["00:08:5D:1A:00:01", "00085d1a0002", "00-08-5D-1A-00-03"] {
        browser
            .type_into("#add-mac", &format!("{mac}\u{E007}"))
            .await;
    }
    browser.wait_count("#mac-list option", 3).await;
    browser.click("#add-phones-submit").await;
    let problems = browser
        .wait_text("#add-problems", |t| {
            t.contains("2 of the 3 MAC addresses cannot be added; nothing was added.")
        })
        .await;
    assert!(
        problems.contains("Entry 2: 00:08:5D:1A:00:02"),
        "{problems}"
    );
    assert!(
        problems.contains("Entry 3: 00:08:5D:1A:00:03"),
        "{problems}"
    );
    // Each refused entry of the list says why, in the list's spelling; the good one does not.
    for (entry, mac) in [(1, "00:08:5D:1A:00:02"), (2, "00:08:5D:1A:00:03")] {
        let text = browser.text(&format!("#mac-entry-{entry}")).await;
        assert!(
            text.starts_with(mac) && text.contains("another account"),
            "{text}"
        );
        assert_eq!(
            browser
                .attribute(&format!("#mac-entry-{entry}"), "class")
                .await,
            "invalid"
        );
    }
    assert_eq!(browser.text("#mac-entry-0").await, "00:08:5D:1A:00:01");
    browser.screenshot("add-phones-problems").await;
    browser
        .wait_text("#add-phones-skip-invalid", |t| t == "Add the 1 valid phone")
        .await;
    browser.click("#add-phones-skip-invalid").await;
    browser
        .wait_text("#phones-notice", |t| {
            t == "Added 1 phone(s), updated 0; skipped 2 that cannot be added."
        })
        .await;
    let ours: Vec<String> =
        sqlx::query_scalar("SELECT mac FROM phones WHERE account_id = $1 ORDER BY mac")
            .bind(account)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(ours, vec!["00085D1A0001".to_string()]);
    browser.quit().await;
}

async fn a_phone_page_edits_and_deletes_the_phone_and_shows_a_pending_firmware(engine: Engine) {
    let Some((browser, app, account)) = acme_in_a_browser_on(engine).await else {
        return;
    };
    app.load_sample_firmware().await;
    let token = app.token("admin@acme.example").await;
    main_pbx(&app, &token).await;
    register(
        &app,
        &token,
        json!({ "macs": ["00085D1A2B3C", "00085D1A2B3D"], "firmware": "4.2.0.181" }),
    )
    .await;
    sqlx::query(
        "UPDATE phones SET reported_firmware = '3.3.1.4322', model = '6757i' WHERE mac = $1",
    )
    .bind("00085D1A2B3C")
    .execute(&app.db.pool)
    .await
    .unwrap();

    browser.resize(1280, 900).await;
    browser.log_in(&app, "admin@acme.example", PASSWORD).await;
    // The phone that never reported a firmware shows no sign.
    browser.goto(&app.url("/#/phones/00085D1A2B3D")).await;
    browser.find("#phone-facts").await;
    browser.wait_gone("#firmware-pending").await;

    browser.goto(&app.url("/#/phones?q=2b3c")).await;
    browser.click("#phone-link-00085D1A2B3C").await;
    browser
        .wait_text("#firmware-pending", |t| {
            t.starts_with("Firmware change pending") && t.contains("reports 3.3.1.4322")
        })
        .await;
    browser.screenshot("phone-firmware-pending").await;

    // Edit: the edit dialog with this one phone.
    browser.click("#phone-edit").await;
    browser
        .wait_text("#edit-phones-what", |t| {
            t.starts_with("Edit 1 phone (00:08:5D:1A:2B:3C).")
        })
        .await;
    browser.choose("#edit-server", "Main PBX").await;
    browser.click("#edit-phones-submit").await;
    browser
        .wait_text("#phone-notice", |t| t == "Changed 1 phone(s).")
        .await;
    browser
        .wait_text("#phone-facts", |t| t.contains("Main PBX"))
        .await;
    // Unpinned: nothing is pending any more.
    browser.click("#phone-edit").await;
    browser.choose("#edit-firmware", "None").await;
    browser.click("#edit-phones-submit").await;
    browser.wait_gone("#firmware-pending").await;

    // Delete: then the list as it was.
    browser.click("#phone-delete").await;
    browser
        .wait_text("#delete-phones-what", |t| {
            t.starts_with("Delete 1 phone (00:08:5D:1A:2B:3C)?")
        })
        .await;
    browser.click("#delete-phones-confirm").await;
    browser
        .wait_text("#phones-empty", |t| t == "No phones match.")
        .await;
    assert_eq!(hash(&browser).await, "#/phones?q=2b3c");
    assert_eq!(browser.value("#phone-search").await, "2b3c");
    let left: Vec<String> = sqlx::query_scalar("SELECT mac FROM phones WHERE account_id = $1")
        .bind(account)
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(left, vec!["00085D1A2B3D".to_string()]);
    browser.quit().await;
}

#[tokio::test]
async fn names_and_urls_show_their_length_and_their_limit() {
    let Some((browser, app, _)) = acme_in_a_browser().await else {
        return;
    };
    browser.resize(1280, 900).await;
    browser.log_in(&app, "admin@acme.example", PASSWORD).await;
    browser.click("#nav-servers").await;
    browser.click("#server-add").await;
    browser.type_into("#server-name", "Main PBX").await;
    browser
        .wait_text("#server-name-count", |t| t == "8 / 20")
        .await;
    // Typed (or pasted) beyond the limit: the field stops there and says so.
    browser
        .type_into("#server-name", " in the north building")
        .await;
    browser
        .wait_text("#server-name-count", |t| {
            t.starts_with("20 / 20 — the limit: nothing beyond 20 characters is taken")
        })
        .await;
    assert_eq!(browser.value("#server-name").await.chars().count(), 20);
    browser
        .type_into("#server-url", "https://pbx.acme.example/cfg/")
        .await;
    browser
        .wait_text("#server-url-count", |t| t == "29 / 255")
        .await;
    browser.quit().await;
}
