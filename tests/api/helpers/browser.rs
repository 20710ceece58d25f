//! The web UI in a real headless Chromium, driven over the WebDriver protocol.
//!
//! Needs `chromium` and `chromium-driver` (Debian packages; `scripts/setup-tools` installs
//! them). Without chromedriver a story is reported as skipped, and fails where
//! `RCS_REQUIRE_BROWSER` or `CI` is set. Every wait is a bounded poll. Screenshots of the
//! main screens go to `target/screenshots/<name>.png` for reviewers.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::app::{spawn_app, Engine, TestApp};
use super::skip::skip_browser;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process with one browser session.
pub struct Browser {
    http: reqwest::Client,
    session: String,
    driver: Child,
    profile: tempfile::TempDir,
    /// Where the browser saves downloads (the CSV export).
    pub downloads: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Option<Browser> {
        let driver_path = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let Some(driver_path) = driver_path else {
            skip_browser(
                "chromedriver is not installed (apt-get install chromium chromium-driver)",
            );
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
            profile,
            downloads,
        })
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.session));
        if !body.is_null() {
            request = request.json(&body);
        }
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        response["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({ "url": url }))
            .await;
    }

    /// The element matching `css`, waiting up to ten seconds for the app to render it.
    pub async fn find(&self, css: &str) -> String {
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

    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/click"),
            json!({}),
        )
        .await;
    }

    pub async fn text(&self, css: &str) -> String {
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
    pub async fn wait_text(&self, css: &str, check: impl Fn(&str) -> bool) -> String {
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
    pub async fn find_all(&self, css: &str) -> Vec<String> {
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
    pub async fn wait_count(&self, css: &str, n: usize) {
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
    pub async fn wait_gone(&self, css: &str) {
        self.wait_count(css, 0).await;
    }

    /// Empties an input.
    pub async fn clear(&self, css: &str) {
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
    pub async fn choose(&self, css: &str, label: &str) {
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
    pub async fn value(&self, css: &str) -> String {
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
    pub async fn attribute(&self, css: &str, name: &str) -> String {
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
    pub async fn keys(&self, keys: &str) {
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
    pub async fn focused_id(&self) -> String {
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
    pub async fn wait_focus(&self, id: &str) {
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
    pub async fn tab_to(&self, id: &str) {
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

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns what
    /// it returns; a returned promise is awaited (WebDriver "execute script").
    pub async fn script(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({ "script": script, "args": args }),
        )
        .await
    }

    /// Sizes the window (CSS pixels), to look at phone and desktop layouts.
    pub async fn resize(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            json!({ "width": width, "height": height }),
        )
        .await;
    }

    /// A PNG of the page as it is now.
    pub async fn png(&self) -> Vec<u8> {
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
    pub async fn screenshot(&self, name: &str) {
        let png = self.png().await;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Logs in through the login page and waits for the account name on top.
    pub async fn log_in(&self, app: &crate::helpers::TestApp, email: &str, password: &str) {
        self.goto(&app.url("/")).await;
        self.type_into("#username", email).await;
        self.type_into("#password", password).await;
        self.click("#login-button").await;
        self.find("#account-name").await;
    }

    /// Logs out with the menu's button and checks the original's message.
    pub async fn log_out(&self) {
        self.click("#logout-button").await;
        self.wait_text("#logout-message", |t| t == "Logout Successful.")
            .await;
    }

    /// Chooses `zone` on the Preferences page and waits until it is saved: times are then
    /// shown in that zone whatever the browser's own.
    pub async fn prefer_timezone(&self, zone: &str) {
        self.click("#nav-preferences").await;
        self.choose("#pref-timezone", zone).await;
        self.wait_text("#timezone-saved", |t| t.contains(zone))
            .await;
    }

    /// Waits (up to ten seconds) for a finished download named `name`; returns its text.
    pub async fn downloaded(&self, name: &str) -> String {
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
    pub async fn quit(&self) {
        let _ = self.call(reqwest::Method::DELETE, "", Value::Null).await;
    }
}

impl Browser {
    /// Ends the WebDriver session without an async runtime: `Drop` also runs while a failed
    /// story unwinds, and killing only chromedriver there would leave Chromium running (three
    /// such leftovers once slowed every later build on the machine).
    fn end_session_blocking(&self) {
        use std::io::{Read, Write};
        let Some(rest) = self.session.strip_prefix("http://") else {
            return;
        };
        let Some((address, path)) = rest.split_once('/') else {
            return;
        };
        let Ok(mut stream) = std::net::TcpStream::connect(address) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
        let request = format!(
            "DELETE /{path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        if stream.write_all(request.as_bytes()).is_ok() {
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer);
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.end_session_blocking();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // Whatever Chromium process outlived its driver still names this story's profile.
        let _ = Command::new("pkill")
            .args(["-KILL", "-f", &self.profile.path().display().to_string()])
            .status();
    }
}

/// The start of most stories: the UI built, a browser, and a service on SQLite with the
/// account "Acme Telecom" whose Super User is admin@acme.example. `None` (the story returns)
/// when no chromedriver is installed and none is required. Returns the account's id too.
pub async fn acme_in_a_browser() -> Option<(Browser, TestApp, i64)> {
    acme_in_a_browser_on(Engine::Sqlite).await
}

/// [`acme_in_a_browser`] on either engine: the stories the web UI's scale issue names run on
/// both, since a list, a filter or an import can behave differently on PostgreSQL.
pub async fn acme_in_a_browser_on(engine: Engine) -> Option<(Browser, TestApp, i64)> {
    assert_web_ui_built();
    let browser = Browser::start().await?;
    let app = spawn_app(engine).await;
    let (account, _) = app
        .create_account("Acme Telecom", "admin@acme.example")
        .await;
    Some((browser, app, account))
}

pub fn assert_web_ui_built() {
    assert!(
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../web/dist/index.html"
        ))
        .exists(),
        "the web UI is not built: run scripts/build-web"
    );
}
