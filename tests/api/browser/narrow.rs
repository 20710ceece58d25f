//! The web UI on a phone's screen (390×844 CSS pixels): every main page fits the width (no
//! sideways scrolling of the page), with a screenshot of each kept in `target/screenshots/`
//! (`narrow-<page>.png`), and the menu collapses behind a button that works from the
//! keyboard. `main_pages` and `seed` are shared with the accessibility story.

use serde_json::{json, Value};

use crate::helpers::browser::{acme_in_a_browser, acme_in_a_browser_on, Browser};
use crate::helpers::{Engine, TestApp, PASSWORD};

crate::on_both_engines!(every_main_page_fits_a_phone_screen_without_sideways_scrolling);

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";

/// A MAC of the seeded phones.
pub const MAC: &str = "00085D1A2B3C";

/// The signed-in main pages: name, address, and an element that shows once it has loaded.
pub fn main_pages() -> Vec<(&'static str, String, &'static str)> {
    vec![
        ("summary", "#/summary".into(), "#contacts-chart"),
        ("phones", "#/phones".into(), "#phones-table"),
        ("phone", format!("#/phones/{MAC}"), "#phone-facts"),
        ("servers", "#/servers".into(), "#servers-table"),
        ("users", "#/users".into(), "#users-table"),
        ("brandings", "#/brandings".into(), "#brandings-table"),
        ("firmware", "#/firmware".into(), "#firmware-table"),
        ("api-keys", "#/api-keys".into(), "#api-keys-table"),
        ("audit", "#/audit".into(), "#audit-table"),
        ("preferences", "#/preferences".into(), "#pref-timezone"),
    ]
}

/// Acme with what makes the pages full: a server with a long URL, phones (one with a boot
/// history), a branding, a second user, an API key, and so an audit trail.
pub async fn seed(app: &TestApp, account: i64) {
    app.load_sample_firmware().await;
    let token = app.token("admin@acme.example").await;
    let server = app
        .create_server(
            &token,
            "Main PBX head office",
            "https://provisioning.pbx-cluster-07.acme-telecom.example/configuration/phones/aastra/",
        )
        .await;
    let macs = [MAC, "00085D1A2B3D", "00085D1A2B3E"];
    let added = app
        .register_phones(&token, &json!({ "macs": macs, "server_id": server.id }))
        .await;
    assert_eq!(added.status(), 200);
    app.create_branding(&token, "Acme blue", true).await;
    app.create_user(
        &token,
        "staff.member.with.a.long.address@acme-telecom.example",
        "user",
    )
    .await;
    let key = app
        .post(
            "/api/v1/api-keys",
            &token,
            &json!({ "name": "Nightly inventory export", "role": "read_only" }),
        )
        .await;
    assert_eq!(key.status(), 201);
    let now = crate::helpers::internals::now();
    for (i, outcome) in ["redirected", "refused", "firmware_sent"]
        .iter()
        .enumerate()
    {
        sqlx::query(
            "INSERT INTO boot_events (account_id, mac, at, outcome, addr, user_agent, detail) \
             VALUES ($1, $2, $3, $4, '203.0.113.7', 'Aastra6757i MAC:00-08-5D-1A-2B-3C', \
             'aastra.cfg: sent | 6757i.st: firmware')",
        )
        .bind(account)
        .bind(MAC)
        .bind(now - 3600 * i as i64)
        .bind(*outcome)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
}

/// Opens `hash` of the signed-in app and waits for `ready`.
pub async fn open(browser: &Browser, app: &TestApp, hash: &str, ready: &str) {
    browser.goto(&app.url(&format!("/{hash}"))).await;
    browser.find(ready).await;
}

/// The page's width and how wide its content is (`scrollWidth`): equal when nothing sticks
/// out sideways.
async fn widths(browser: &Browser) -> (i64, i64) {
    let w: Value = browser
        .script(
            "const e = document.documentElement; return [e.clientWidth, e.scrollWidth];",
            json!([]),
        )
        .await;
    (w[0].as_i64().unwrap(), w[1].as_i64().unwrap())
}

async fn assert_fits(browser: &Browser, page: &str) {
    let (client, scroll) = widths(browser).await;
    browser.screenshot(&format!("narrow-{page}")).await;
    assert!(
        scroll <= client,
        "{page}: the page is {scroll} px wide in a {client} px window (see target/screenshots/narrow-{page}.png)"
    );
}

async fn every_main_page_fits_a_phone_screen_without_sideways_scrolling(engine: Engine) {
    let Some((browser, app, account)) = acme_in_a_browser_on(engine).await else {
        return;
    };
    seed(&app, account).await;
    browser.resize(390, 844).await;
    browser.goto(&app.url("/")).await;
    browser.find("#username").await;
    let (client, _) = widths(&browser).await;
    assert!(
        (300..=400).contains(&client),
        "the window did not become phone-sized: {client} px"
    );
    assert_fits(&browser, "login").await;

    browser.log_in(&app, "admin@acme.example", PASSWORD).await;
    for (name, hash, ready) in main_pages() {
        open(&browser, &app, &hash, ready).await;
        assert_fits(&browser, name).await;
    }
    // A dialog fits too.
    open(&browser, &app, "#/servers", "#servers-table").await;
    browser.click("#server-add").await;
    browser.find("#server-name").await;
    assert_fits(&browser, "server-dialog").await;
    let dialog: Value = browser
        .script(
            "const r = document.querySelector('dialog[open]').getBoundingClientRect(); \
             return [r.left, r.right, document.documentElement.clientWidth];",
            json!([]),
        )
        .await;
    assert!(
        dialog[0].as_f64().unwrap() >= 0.0
            && dialog[1].as_f64().unwrap() <= dialog[2].as_f64().unwrap(),
        "the dialog sticks out: {dialog}"
    );
    browser.quit().await;
}

async fn menu_display(browser: &Browser) -> String {
    browser
        .script(
            "return getComputedStyle(document.getElementById('main-menu')).display;",
            json!([]),
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn on_a_phone_the_menu_opens_and_closes_from_the_keyboard() {
    let Some((browser, app, _)) = acme_in_a_browser().await else {
        return;
    };
    browser.resize(390, 844).await;
    browser.log_in(&app, "admin@acme.example", PASSWORD).await;
    browser.find("#contacts-chart").await;

    // Closed: one button instead of rows of links.
    assert_eq!(menu_display(&browser).await, "none");
    assert_eq!(
        browser.attribute("#menu-toggle", "aria-expanded").await,
        "false"
    );
    browser.tab_to("menu-toggle").await;
    browser.keys(ENTER).await;
    browser.wait_text("#nav-servers", |t| t == "Servers").await;
    assert_eq!(
        browser.attribute("#menu-toggle", "aria-expanded").await,
        "true"
    );
    assert_eq!(menu_display(&browser).await, "flex");
    browser.screenshot("narrow-menu-open").await;

    // Escape closes it and leaves the focus on the button.
    browser.keys(TAB).await;
    browser.keys(ESCAPE).await;
    browser.wait_focus("menu-toggle").await;
    assert_eq!(
        browser.attribute("#menu-toggle", "aria-expanded").await,
        "false"
    );
    assert_eq!(menu_display(&browser).await, "none");

    // Following an entry closes it, on the page it names.
    browser.keys(ENTER).await;
    browser.tab_to("nav-servers").await;
    browser.keys(ENTER).await;
    browser.find("#server-add").await;
    assert_eq!(
        browser.attribute("#menu-toggle", "aria-expanded").await,
        "false"
    );
    assert_eq!(menu_display(&browser).await, "none");

    // At desktop width there is no button: the menu is a row of links.
    browser.resize(1280, 900).await;
    assert_eq!(menu_display(&browser).await, "flex");
    let toggle: Value = browser
        .script(
            "return getComputedStyle(document.getElementById('menu-toggle')).display;",
            json!([]),
        )
        .await;
    assert_eq!(toggle, "none");
    browser.quit().await;
}
