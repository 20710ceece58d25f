//! The webhooks screen in a real browser: a Super User creates a webhook that points at a
//! real HTTP receiver on loopback, sees its secret once, sends a test event, sees it delivered
//! with status 200, resends it, and disables the webhook; a User has no Webhooks menu.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::helpers::app::{spawn_app_with, Engine};
use crate::helpers::browser::{assert_web_ui_built, Browser};
use crate::helpers::PASSWORD;

/// A plain HTTP server on 127.0.0.1 that answers every request 200 and keeps each body.
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/rcs", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = bodies.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    if let Some(body) = read_request(&mut stream).await {
                        kept.lock().unwrap().push(body);
                    }
                    let answer =
                        "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
                    let _ = stream.write_all(answer.as_bytes()).await;
                });
            }
        });
        Receiver { url, bodies }
    }

    fn bodies(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }
}

/// The body of one HTTP/1.1 request (headers, then `content-length` bytes).
async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&data).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return Some(String::from_utf8_lossy(&data[end + 4..end + 4 + length]).into());
            }
        }
    }
}

/// Clicks Refresh until the deliveries table satisfies `check` (deliveries are sent in the
/// background, so this waits up to thirty seconds); returns the table's text.
async fn refresh_until(browser: &Browser, check: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        browser.click("#deliveries-refresh").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let text = if browser.find_all("#deliveries-table").await.is_empty() {
            String::new()
        } else {
            browser.text("#deliveries-table").await
        };
        if check(&text) {
            return text;
        }
        assert!(Instant::now() < deadline, "the deliveries show {text:?}");
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
}

#[tokio::test]
async fn a_super_user_creates_tests_resends_and_disables_a_webhook_a_user_has_no_menu() {
    assert_web_ui_built();
    let Some(browser) = Browser::start().await else {
        return;
    };
    // The receiver is on loopback, which webhooks may only reach when the operator allows it.
    let app = spawn_app_with(Engine::Sqlite, |s| s.webhook_allow_private = true).await;
    let (account, _) = app
        .create_account("Acme Telecom", "admin@acme.example")
        .await;
    app.add_user(account, "staff@acme.example", rcs_shared::Role::User)
        .await;
    let receiver = Receiver::start().await;

    browser.resize(1280, 900).await;
    browser.log_in(&app, "admin@acme.example", PASSWORD).await;
    browser.prefer_timezone("Asia/Tokyo").await;
    browser.click("#nav-webhooks").await;
    browser.click("#webhook-add").await;
    browser.wait_focus("webhook-name").await;
    browser.type_into("#webhook-name", "ticketing").await;
    browser.type_into("#webhook-url", &receiver.url).await;
    browser.click("#webhook-event-phones-added").await;
    browser.click("#webhook-save").await;

    // The secret, once.
    browser.find("#webhook-secret-dialog").await;
    let secret = browser.value("#webhook-secret").await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    browser.click("#webhook-secret-copy").await;
    browser
        .wait_text("#webhook-secret-copied", |t| !t.is_empty())
        .await;
    browser.screenshot("webhook-created").await;
    browser.click("#webhook-secret-done").await;
    browser.wait_gone("#webhook-secret-dialog").await;
    let table = browser
        .wait_text("#webhooks-table", |t| {
            t.contains("ticketing") && t.contains(&receiver.url)
        })
        .await;
    assert!(!table.contains(&secret), "the list shows the secret");
    assert!(table.contains("Phone's first contact"), "{table}");
    assert!(!table.contains("Phones added"), "{table}");
    assert!(!table.contains("Every boot"), "{table}");

    // A test event, from the list; then its delivery on the webhook's page.
    browser
        .click("button[aria-label='Send a test event to ticketing']")
        .await;
    browser
        .wait_text("#webhooks-notice", |t| {
            t == "Test event queued for ticketing."
        })
        .await;
    browser.click("#webhooks-table th a").await;
    browser
        .wait_text("main h2", |t| t == "Webhook ticketing")
        .await;
    let rows = refresh_until(&browser, |t| t.contains("Delivered") && t.contains("200")).await;
    assert!(rows.contains("Test event"), "{rows}");
    // Its time in the user's timezone, to the second.
    let time = browser
        .text("#deliveries-table tbody tr:first-child td[data-label='Time']")
        .await;
    assert!(
        time.ends_with("GMT+9") && time.matches(':').count() == 2,
        "{time}"
    );
    assert_eq!(receiver.bodies().len(), 1);
    assert!(receiver.bodies()[0].contains("webhook.test"));
    browser.screenshot("webhook-deliveries").await;

    // The payload, as sent.
    browser
        .click("button[aria-label^='Show the payload']")
        .await;
    browser
        .wait_text("#delivery-payload", |t| t.contains("\"webhook.test\""))
        .await;
    browser.click("#delivery-payload-close").await;
    browser.wait_gone("#delivery-payload-dialog").await;

    // Resend: the receiver gets the same event again.
    browser.click("button[aria-label^='Resend delivery']").await;
    browser
        .wait_text("#deliveries-notice", |t| t.contains("queued again"))
        .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while receiver.bodies().len() < 2 {
        assert!(Instant::now() < deadline, "the resend never arrived");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(receiver.bodies()[0], receiver.bodies()[1]);
    refresh_until(&browser, |t| t.contains("Delivered") && t.contains("200")).await;

    // At a phone's width the page does not overflow sideways.
    browser.resize(390, 844).await;
    let overflow = browser
        .call(
            reqwest::Method::POST,
            "/execute/sync",
            serde_json::json!({"script": "return document.documentElement.scrollWidth - window.innerWidth;", "args": []}),
        )
        .await;
    assert!(overflow.as_i64().unwrap_or(1) <= 0, "overflow {overflow}");
    browser.screenshot("webhook-deliveries-narrow").await;
    browser.resize(1280, 900).await;

    // Disable it from the list: the button keeps the focus and now offers Enable.
    browser.click("#nav-webhooks").await;
    browser
        .click("button[aria-label='Disable ticketing']")
        .await;
    browser
        .wait_text("#webhooks-notice", |t| t == "Webhook ticketing disabled.")
        .await;
    browser.find("button[aria-label='Enable ticketing']").await;
    browser.screenshot("webhooks").await;
    browser.log_out().await;

    // A User: no Webhooks menu, and the address shows "Page not found".
    browser.log_in(&app, "staff@acme.example", PASSWORD).await;
    browser.find("#nav-phones").await;
    browser.wait_gone("#nav-webhooks").await;
    browser.goto(&app.url("/#/webhooks")).await;
    browser
        .wait_text("main h2", |t| t == "Page not found")
        .await;
    browser.quit().await;
}
