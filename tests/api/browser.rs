//! The web UI in a real headless Chromium, driven over the WebDriver protocol.
//!
//! Needs `chromium` and `chromium-driver` (Debian packages; `.ci/run` installs them). Without
//! chromedriver the test says so and passes, unless `RCS_REQUIRE_BROWSER` is set (CI sets it).
//!
//! This file holds the WebDriver client and the login stories; the screens' stories are in
//! `browser/` (phones, administration). Every wait is a bounded poll. Screenshots of the main
//! screens go to `target/screenshots/<name>.png` for reviewers.

mod admin;
mod keyboard;
mod phones;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{spawn_app, Engine, PASSWORD};
use crate::password_reset::spawn_app_with_mail;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process with one browser session.
pub(crate) struct Browser {
    http: reqwest::Client,
    session: String,
    driver: Child,
    _profile: tempfile::TempDir,
    /// Where the browser saves downloads (the CSV export).
    pub(crate) downloads: tempfile::TempDir,
}

impl Browser {
    pub(crate) async fn start() -> Option<Browser> {
        let driver_path = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let Some(driver_path) = driver_path else {
            assert!(
                std::env::var_os("RCS_REQUIRE_BROWSER").is_none(),
                "chromedriver is required (apt-get install chromium chromium-driver)"
            );
            eprintln!("chromedriver not installed: browser test skipped");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        // chromedriver is a separate process: wait (bounded) until it accepts connections.
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let downloads = tempfile::tempdir().unwrap();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "acceptInsecureCerts": true,
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--no-first-run", "--disable-quic",
                         format!("--user-data-dir={}", profile.path().display())],
                "prefs": {
                    "download.default_directory": downloads.path(),
                    "download.prompt_for_download": false
                }
            }
        }}});
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"));
        Some(Browser {
            session: format!("{base}/session/{session}"),
            http,
            driver,
            _profile: profile,
            downloads,
        })
    }

    pub(crate) async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.session));
        if !body.is_null() {
            request = request.json(&body);
        }
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        response["value"].clone()
    }

    pub(crate) async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({ "url": url }))
            .await;
    }

    /// The element matching `css`, waiting up to ten seconds for the app to render it.
    pub(crate) async fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = self
                .call(
                    reqwest::Method::POST,
                    "/element",
                    json!({"using": "css selector", "value": css}),
                )
                .await;
            if let Some(id) = found[ELEMENT].as_str() {
                return id.to_string();
            }
            assert!(Instant::now() < deadline, "no element {css}: {found}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    pub(crate) async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/click"),
            json!({}),
        )
        .await;
    }

    pub(crate) async fn text(&self, css: &str) -> String {
        let el = self.find(css).await;
        let text = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{el}/text"),
                Value::Null,
            )
            .await;
        text.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| text.to_string())
    }

    /// Waits (up to ten seconds) until the text of `css` satisfies `check`; returns it.
    pub(crate) async fn wait_text(&self, css: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.text(css).await;
            if check(&text) {
                return text;
            }
            assert!(Instant::now() < deadline, "{css} shows {text:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The rest of the client: what the screens' stories need beyond typing and clicking.
impl Browser {
    /// Every element matching `css` right now (no waiting).
    pub(crate) async fn find_all(&self, css: &str) -> Vec<String> {
        let found = self
            .call(
                reqwest::Method::POST,
                "/elements",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        found
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits (up to ten seconds) until `css` matches exactly `n` elements.
    pub(crate) async fn wait_count(&self, css: &str, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = self.find_all(css).await.len();
            if found == n {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{css}: {found} elements, not {n}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (up to ten seconds) until nothing matches `css`.
    pub(crate) async fn wait_gone(&self, css: &str) {
        self.wait_count(css, 0).await;
    }

    /// Empties an input.
    pub(crate) async fn clear(&self, css: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/clear"),
            json!({}),
        )
        .await;
    }

    /// Picks the option of the `<select>` at `css` whose label contains `label`, as a user
    /// would (a click on the option, which fires `change`).
    pub(crate) async fn choose(&self, css: &str, label: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            for option in self.find_all(&format!("{css} option")).await {
                let text = self
                    .call(
                        reqwest::Method::GET,
                        &format!("/element/{option}/text"),
                        Value::Null,
                    )
                    .await;
                if text.as_str().is_some_and(|t| t.contains(label)) {
                    self.call(
                        reqwest::Method::POST,
                        &format!("/element/{option}/click"),
                        json!({}),
                    )
                    .await;
                    return;
                }
            }
            assert!(Instant::now() < deadline, "{css} has no option {label:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The `value` property of the control at `css`.
    pub(crate) async fn value(&self, css: &str) -> String {
        let el = self.find(css).await;
        let value = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{el}/property/value"),
                Value::Null,
            )
            .await;
        value.as_str().unwrap_or_default().to_string()
    }

    /// An attribute of the element at `css` ("" when it has none).
    pub(crate) async fn attribute(&self, css: &str, name: &str) -> String {
        let el = self.find(css).await;
        let value = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{el}/attribute/{name}"),
                Value::Null,
            )
            .await;
        value.as_str().unwrap_or_default().to_string()
    }

    /// Presses `keys` one after the other on whatever has the focus, as a keyboard does
    /// (WebDriver key actions; `\u{E004}` is Tab, `\u{E007}` Enter, `\u{E00C}` Escape,
    /// `\u{E00D}` Space).
    pub(crate) async fn keys(&self, keys: &str) {
        let strokes: Vec<Value> = keys
            .chars()
            .flat_map(|c| {
                let c = c.to_string();
                [
                    json!({"type": "keyDown", "value": c}),
                    json!({"type": "keyUp", "value": c}),
                ]
            })
            .collect();
        self.call(
            reqwest::Method::POST,
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": strokes}]}),
        )
        .await;
    }

    /// The `id` of the element that has the focus ("" when it has none).
    pub(crate) async fn focused_id(&self) -> String {
        let active = self
            .call(reqwest::Method::GET, "/element/active", Value::Null)
            .await;
        let Some(el) = active[ELEMENT].as_str() else {
            return String::new();
        };
        let id = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{el}/attribute/id"),
                Value::Null,
            )
            .await;
        id.as_str().unwrap_or_default().to_string()
    }

    /// Waits (up to ten seconds) until the element with `id` has the focus.
    pub(crate) async fn wait_focus(&self, id: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let focused = self.focused_id().await;
            if focused == id {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the focus is on {focused:?}, not {id:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Presses Tab until the element with `id` has the focus: proves it can be reached from
    /// the keyboard, in the page's tab order. Fails after 60 presses.
    pub(crate) async fn tab_to(&self, id: &str) {
        let mut seen = Vec::new();
        for _ in 0..60 {
            let focused = self.focused_id().await;
            if focused == id {
                return;
            }
            seen.push(focused);
            self.keys("\u{E004}").await;
        }
        panic!("Tab never reached #{id}; the focus went through {seen:?}");
    }

    /// Sizes the window (CSS pixels), to look at phone and desktop layouts.
    pub(crate) async fn resize(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            json!({ "width": width, "height": height }),
        )
        .await;
    }

    /// A PNG of the page as it is now.
    pub(crate) async fn png(&self) -> Vec<u8> {
        let shot = self
            .call(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(shot.as_str().expect("a base64 screenshot"))
                .expect("base64")
        }
    }

    /// Saves a PNG of the page to `target/screenshots/<name>.png`.
    pub(crate) async fn screenshot(&self, name: &str) {
        let png = self.png().await;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Logs in through the login page and waits for the account name on top.
    pub(crate) async fn log_in(&self, app: &crate::helpers::TestApp, email: &str, password: &str) {
        self.goto(&app.url("/")).await;
        self.type_into("#username", email).await;
        self.type_into("#password", password).await;
        self.click("#login-button").await;
        self.find("#account-name").await;
    }

    /// Logs out with the menu's button and checks the original's message.
    pub(crate) async fn log_out(&self) {
        self.click("#logout-button").await;
        self.wait_text("#logout-message", |t| t == "Logout Successful.")
            .await;
    }

    /// Waits (up to ten seconds) for a finished download named `name`; returns its text.
    pub(crate) async fn downloaded(&self, name: &str) -> String {
        let path = self.downloads.path().join(name);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // Chromium writes `<name>.crdownload` and renames it when complete.
            if let Ok(text) = std::fs::read_to_string(&path) {
                return text;
            }
            assert!(Instant::now() < deadline, "no download {name}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Ends the browser session (the driver process ends on drop).
    pub(crate) async fn quit(&self) {
        let _ = self.call(reqwest::Method::DELETE, "", Value::Null).await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The start of most stories: the UI built, a browser, and a service on SQLite with the
/// account "Acme Telecom" whose Super User is admin@acme.example. `None` (the story returns)
/// when no chromedriver is installed and none is required. Returns the account's id too.
pub(crate) async fn acme_in_a_browser() -> Option<(Browser, crate::helpers::TestApp, i64)> {
    assert_web_ui_built();
    let browser = Browser::start().await?;
    let app = spawn_app(Engine::Sqlite).await;
    let (account, _) = app
        .create_account("Acme Telecom", "admin@acme.example")
        .await;
    Some((browser, app, account))
}

pub(crate) fn assert_web_ui_built() {
    assert!(
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../web/dist/index.html"
        ))
        .exists(),
        "the web UI is not built: run scripts/build-web"
    );
}

#[tokio::test]
async fn a_user_logs_in_and_out_through_the_web_page() {
    let Some((browser, app, _)) = acme_in_a_browser().await else {
        return;
    };

    browser.goto(&app.url("/")).await;
    browser.type_into("#username", "admin@acme.example").await;
    browser.type_into("#password", "wrong password").await;
    browser.click("#login-button").await;
    browser
        .wait_text("#login-error", |t| t == "Invalid username or password.")
        .await;

    browser.goto(&app.url("/")).await;
    browser.type_into("#username", "admin@acme.example").await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("#login-button").await;
    browser
        .wait_text("#account-name", |t| t == "Acme Telecom")
        .await;
    browser
        .wait_text("#logged-in-as", |t| {
            t.contains("admin@acme.example (Super User)")
        })
        .await;

    browser.click("#logout-button").await;
    browser
        .wait_text("#logout-message", |t| t == "Logout Successful.")
        .await;
    // The token the page held is revoked server-side, not just forgotten.
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    browser.find("#username").await;
    let _ = browser.call(reqwest::Method::DELETE, "", Value::Null).await;
}

#[tokio::test]
async fn a_user_resets_a_forgotten_password_through_the_emailed_link() {
    assert_web_ui_built();
    let Some(browser) = Browser::start().await else {
        return;
    };
    let (app, smtp) = spawn_app_with_mail(Engine::Sqlite, |_| {}).await;
    app.create_account("Acme Telecom", "admin@acme.example")
        .await;

    browser.goto(&app.url("/")).await;
    browser.type_into("#username", "admin@acme.example").await;
    browser.click("#forgot-link").await;
    // The username typed so far carries over; the answer is the neutral one.
    browser.click("#forgot-submit").await;
    browser
        .wait_text("#forgot-message", |t| {
            t == "If the account exists, an email with a link has been sent."
        })
        .await;

    let mail = smtp.wait_for(1).await.remove(0);
    assert_eq!(mail.to, ["admin@acme.example"]);
    let link = mail.reset_link().expect("a reset link in the mail");
    // The link names the configured public address; the browser opens the same path here.
    let path = &link[link.find("/reset-password").unwrap()..];
    browser.goto(&app.url(path)).await;
    let new_password = "a brand new passphrase";
    browser.type_into("#new-password", new_password).await;
    browser
        .type_into("#confirm-password", "a different passphrase")
        .await;
    browser.click("#reset-submit").await;
    browser
        .wait_text("#reset-error", |t| t == "The passwords do not match.")
        .await;
    let confirm = browser.find("#confirm-password").await;
    browser
        .call(
            reqwest::Method::POST,
            &format!("/element/{confirm}/clear"),
            json!({}),
        )
        .await;
    browser.type_into("#confirm-password", new_password).await;
    browser.click("#reset-submit").await;
    browser
        .wait_text("#reset-message", |t| {
            t.contains("password has been changed")
        })
        .await;

    browser.type_into("#username", "admin@acme.example").await;
    browser.type_into("#password", new_password).await;
    browser.click("#login-button").await;
    browser
        .wait_text("#account-name", |t| t == "Acme Telecom")
        .await;

    // The same link a second time: the page says it is no longer valid.
    browser.goto(&app.url(path)).await;
    browser
        .type_into("#new-password", "third passphrase!")
        .await;
    browser
        .type_into("#confirm-password", "third passphrase!")
        .await;
    browser.click("#reset-submit").await;
    browser
        .wait_text("#reset-error", |t| t.contains("no longer valid"))
        .await;
    let _ = browser.call(reqwest::Method::DELETE, "", Value::Null).await;
}
