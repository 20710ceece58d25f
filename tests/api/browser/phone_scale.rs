//! The phone list at a provider's scale, in a real browser: 10,000 unaffiliated phones get a
//! server in one action (one PATCH by filter, one audit entry), a changed selection is
//! refused with its new count, and Shift-click ranges; the list's view lives in the address
//! (Back from a phone's page, reload, first/last page) and the export follows the filter.

use serde_json::{json, Value};

use crate::helpers::browser::{acme_in_a_browser_on, assert_web_ui_built, Browser};
use crate::helpers::routes;
use crate::helpers::{skip_without_postgres, spawn_app, Engine, TestApp, PASSWORD};

crate::on_both_engines!(the_list_view_lives_in_the_address);

const ROWS: &str = "#phones-table tbody tr";

/// A server "Main PBX" through the API; its id.
pub async fn main_pbx(app: &TestApp, token: &str) -> i64 {
    let created: Value = app
        .post(
            routes::SERVERS,
            token,
            &json!({ "name": "Main PBX", "url": "https://pbx.acme.example/cfg/" }),
        )
        .await
        .json()
        .await
        .unwrap();
    created["id"].as_i64().expect("a server id")
}

/// Registers `macs` through the API (one request).
pub async fn register(app: &TestApp, token: &str, body: Value) {
    let added = app.post(routes::PHONES, token, &body).await;
    assert_eq!(added.status(), 200, "{}", added.text().await.unwrap());
}

/// The address bar's hash.
pub async fn hash(browser: &Browser) -> String {
    let value = browser.script("return location.hash;", json!([])).await;
    value.as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn ten_thousand_unaffiliated_phones_get_a_server_in_one_action_on_sqlite() {
    ten_thousand_phones_get_a_server(Engine::Sqlite).await;
}

#[tokio::test]
async fn ten_thousand_unaffiliated_phones_get_a_server_in_one_action_on_postgres() {
    if skip_without_postgres() {
        return;
    }
    ten_thousand_phones_get_a_server(Engine::Postgres).await;
}

async fn ten_thousand_phones_get_a_server(engine: Engine) {
    assert_web_ui_built();
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app(engine).await;
    let (account, _) = app
        .create_account("Acme Telecom", "admin@acme.example")
        .await;
    let token = app.token("admin@acme.example").await;
    let server = main_pbx(&app, &token).await;
    let macs: Vec<String> = (0..10_000).map(|i| format!("00085DA{i:05X}")).collect();
    register(&app, &token, json!({ "macs": macs })).await;
    let redirected: Vec<String> = (0..5).map(|i| format!("00085DB{i:05X}")).collect();
    register(
        &app,
        &token,
        json!({ "macs": redirected, "server_id": server }),
    )
    .await;

    browser.resize(1280, 900).await;
    browser.log_in(&app, "admin@acme.example", PASSWORD).await;
    browser
        .goto(&app.url("/#/phones?unaffiliated=true&limit=250"))
        .await;
    browser
        .wait_text("#phones-total", |t| t == "10,000 phones")
        .await;
    browser.wait_count(ROWS, 250).await;
    browser.click("#select-all").await;
    browser
        .wait_text("#select-bar", |t| {
            t.starts_with("All 250 on this page are selected.")
                && t.contains("Select all 10,000 phones matching this filter: without a server")
        })
        .await;
    browser.click("#select-matching").await;
    browser
        .wait_text("#selected-count", |t| t.starts_with("10,000 selected"))
        .await;
    browser.click("#phones-edit").await;
    browser
        .wait_text("#edit-phones-what", |t| {
            t.starts_with("Edit all 10,000 phones matching this filter: without a server.")
        })
        .await;
    browser.choose("#edit-server", "Main PBX").await;
    browser.click("#edit-phones-submit").await;
    browser
        .wait_text("#phones-notice", |t| t == "Changed 10,000 phone(s).")
        .await;
    // They left the filtered view: the list is reloaded and nothing stays selected.
    browser
        .wait_text("#phones-empty", |t| t == "No phones match.")
        .await;
    assert_eq!(browser.text("#selected-count").await, "");

    let on_server: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM phones WHERE account_id = $1 AND server_id = $2")
            .bind(account)
            .bind(server)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(on_server, 10_005);
    let updates: Vec<i64> = sqlx::query_scalar(
        "SELECT count FROM audit_events WHERE account_id = $1 AND action = 'phone.update'",
    )
    .bind(account)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(updates, vec![10_000], "one PATCH for all of them");

    // Past 10,000 a page's own count stops ("more than"); the exact number is asked once
    // for the filters, and then the page count and the last page follow it.
    browser.goto(&app.url("/#/phones?limit=25")).await;
    browser
        .wait_text("#phones-total", |t| t == "10,005 phones")
        .await;
    browser
        .wait_text("#page-count", |t| t.trim() == "of 401")
        .await;
    browser.click("#page-last").await;
    browser.wait_text("#page-number", |t| t == "Page 401").await;
    browser.wait_count(ROWS, 5).await;

    // A selection by filter whose count changed before Save is refused with the new count.
    browser
        .goto(&app.url(&format!("/#/phones?server_id={server}&limit=25")))
        .await;
    browser
        .wait_text("#phones-total", |t| t == "10,005 phones")
        .await;
    browser.click("#select-all").await;
    browser.click("#select-matching").await;
    browser.click("#phones-delete").await;
    browser
        .wait_text("#delete-phones-what", |t| {
            t.starts_with("Delete all 10,005 phones matching this filter: server Main PBX?")
        })
        .await;
    register(
        &app,
        &token,
        json!({ "macs": ["00085DC00000"], "server_id": server }),
    )
    .await;
    browser.click("#delete-phones-confirm").await;
    browser
        .wait_text("#delete-phones-error", |t| {
            t.contains("now has 10006 phone(s), not the 10005 you saw")
        })
        .await;
    browser.click("#selection-reload").await;
    browser
        .wait_text("#phones-total", |t| t == "10,006 phones")
        .await;
    assert_eq!(browser.text("#selected-count").await, "");
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM phones WHERE account_id = $1")
        .bind(account)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(left, 10_006, "nothing deleted");

    browser.quit().await;
}

/// A click with Shift held, as a user makes it (WebDriver key and pointer actions).
async fn shift_click(browser: &Browser, css: &str) {
    let el = browser.find(css).await;
    let origin = json!({ "element-6066-11e4-a52e-4f735466cecf": el });
    let shift = "\u{E008}";
    browser
        .call(
            reqwest::Method::POST,
            "/actions",
            json!({ "actions": [
                { "type": "key", "id": "keyboard", "actions": [
                    { "type": "keyDown", "value": shift }, { "type": "pause" },
                    { "type": "pause" }, { "type": "pause" }, { "type": "keyUp", "value": shift }
                ] },
                { "type": "pointer", "id": "mouse", "parameters": { "pointerType": "mouse" }, "actions": [
                    { "type": "pause" },
                    { "type": "pointerMove", "origin": origin, "x": 0, "y": 0 },
                    { "type": "pointerDown", "button": 0 }, { "type": "pointerUp", "button": 0 },
                    { "type": "pause" }
                ] }
            ] }),
        )
        .await;
    browser
        .call(reqwest::Method::DELETE, "/actions", Value::Null)
        .await;
}

async fn the_list_view_lives_in_the_address(engine: Engine) {
    let Some((browser, app, _)) = acme_in_a_browser_on(engine).await else {
        return;
    };
    let token = app.token("admin@acme.example").await;
    let macs: Vec<String> = (0..60).map(|i| format!("00085DCC{i:04X}")).collect();
    register(&app, &token, json!({ "macs": macs })).await;
    let others: Vec<String> = (0..5).map(|i| format!("00085DDD{i:04X}")).collect();
    register(&app, &token, json!({ "macs": others })).await;

    browser.resize(1280, 900).await;
    browser.log_in(&app, "admin@acme.example", PASSWORD).await;
    browser.click("#nav-phones").await;
    browser
        .wait_text("#phones-total", |t| t == "65 phones")
        .await;
    browser.type_into("#phone-search", "5d:cc").await;
    browser
        .wait_text("#phones-total", |t| t == "60 phones")
        .await;
    browser.click("#sort-mac").await;
    browser
        .wait_text(&format!("{ROWS}:first-child th"), |t| {
            t == "00:08:5D:CC:00:3B"
        })
        .await;
    browser.choose("#page-size", "25").await;
    browser.wait_count(ROWS, 25).await;
    browser.click("#page-next").await;
    browser.wait_text("#page-number", |t| t == "Page 2").await;
    browser
        .wait_text("#page-count", |t| t.trim() == "of 3")
        .await;
    browser
        .wait_text(&format!("{ROWS}:first-child th"), |t| {
            t == "00:08:5D:CC:00:22"
        })
        .await;
    let view = hash(&browser).await;
    for part in ["q=5d%3Acc", "order=desc", "limit=25", "cursor=", "page=2"] {
        assert!(view.contains(part), "{view}");
    }

    // A phone's page, then Back: the same filter, sort and page.
    browser.click(&format!("{ROWS}:first-child th a")).await;
    browser.find("#phone-facts").await;
    browser
        .call(reqwest::Method::POST, "/back", json!({}))
        .await;
    browser.wait_text("#page-number", |t| t == "Page 2").await;
    browser
        .wait_text(&format!("{ROWS}:first-child th"), |t| {
            t == "00:08:5D:CC:00:22"
        })
        .await;
    assert_eq!(browser.value("#phone-search").await, "5d:cc");
    assert_eq!(hash(&browser).await, view);
    // "Back to Phones" on a phone's page goes to the same view too.
    browser.click(&format!("{ROWS}:first-child th a")).await;
    browser.click("#phone-back").await;
    browser
        .wait_text(&format!("{ROWS}:first-child th"), |t| {
            t == "00:08:5D:CC:00:22"
        })
        .await;
    assert_eq!(hash(&browser).await, view);

    // A reload shows the same view.
    browser
        .call(reqwest::Method::POST, "/refresh", json!({}))
        .await;
    browser.wait_text("#page-number", |t| t == "Page 2").await;
    browser
        .wait_text(&format!("{ROWS}:first-child th"), |t| {
            t == "00:08:5D:CC:00:22"
        })
        .await;
    assert_eq!(browser.value("#phone-search").await, "5d:cc");
    assert_eq!(browser.value("#page-size").await, "25");

    // Last and first page.
    browser.click("#page-last").await;
    browser.wait_count(ROWS, 10).await;
    browser.wait_text("#page-number", |t| t == "Page 3").await;
    browser
        .wait_text(&format!("{ROWS}:last-child th"), |t| {
            t == "00:08:5D:CC:00:00"
        })
        .await;
    browser.click("#page-prev").await;
    browser.wait_text("#page-number", |t| t == "Page 2").await;
    browser
        .wait_text(&format!("{ROWS}:first-child th"), |t| {
            t == "00:08:5D:CC:00:22"
        })
        .await;
    browser.click("#page-first").await;
    browser
        .wait_text(&format!("{ROWS}:first-child th"), |t| {
            t == "00:08:5D:CC:00:3B"
        })
        .await;

    // Shift-click ticks the range from the last clicked row.
    browser.click("#select-00085DCC003A").await;
    shift_click(&browser, "#select-00085DCC0036").await;
    browser
        .wait_text("#selected-count", |t| t.starts_with("5 selected"))
        .await;
    // Export writes the ticked phones only (POST /phones/export with their MACs).
    browser
        .wait_text("#phones-export", |t| t == "Export 5 selected")
        .await;
    browser.click("#phones-export").await;
    let csv = browser.downloaded("phones-selected.csv").await;
    let mut exported: Vec<&str> = csv.lines().skip(1).map(|l| &l[..12]).collect();
    exported.sort();
    assert_eq!(
        exported,
        [
            "00085DCC0036",
            "00085DCC0037",
            "00085DCC0038",
            "00085DCC0039",
            "00085DCC003A"
        ],
        "{csv}"
    );
    assert!(
        csv.starts_with("mac,server,branding,firmware,reported_firmware,"),
        "{csv}"
    );
    // Another filter: the selection is cleared.
    browser.choose("#filter-seen", "Never seen").await;
    browser.wait_text("#selected-count", |t| t.is_empty()).await;
    assert!(hash(&browser).await.contains("seen=false"));

    // The export follows the filter and the sort.
    browser.click("#phones-export").await;
    let csv = browser.downloaded("phones.csv").await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 60, "{csv}");
    assert!(lines[1].starts_with("00085DCC003B,"), "{csv}");
    assert!(!csv.contains("00085DDD"), "{csv}");

    browser.quit().await;
}
