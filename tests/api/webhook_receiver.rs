//! The README's webhook receiver works: the Python program under "A webhook receiver in a few
//! lines of Python" is taken from the README itself, run with the secret rcs showed once, and
//! rcs's test event reaches it with a signature it verifies (it prints the event's type); a
//! delivery signed with another secret is refused with 401.
//!
//! Needs `python3`: without it the test is a visible skip locally and a failure in CI.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rcs_shared::{WebhookCreated, WebhookDeliveryPage};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::helpers::skip::skip;
use crate::helpers::{spawn_app_with, Engine};

/// The first ```python block after the README heading that introduces the receiver.
fn readme_receiver() -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .expect("README.md");
    let start = readme
        .find("### A webhook receiver in a few lines of Python")
        .expect("the README shows a webhook receiver");
    let block = &readme[start..];
    let code = block.find("```python\n").expect("a python block") + "```python\n".len();
    let end = block[code..].find("```").expect("the block ends");
    block[code..code + end].to_string()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn the_readme_receiver_verifies_a_real_delivery() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        skip("python3 is not installed");
        return;
    }
    let app = spawn_app_with(Engine::Sqlite, |s| {
        s.webhook_allow_private = true;
        s.webhook_poll_ms = 100;
        s.webhook_backoff_secs = 1;
    })
    .await;
    let (_, admin) = app.admin_of("Acme").await;
    let port = free_port();
    let body = json!({
        "name": "readme", "url": format!("http://127.0.0.1:{port}/rcs"), "events": ["phones.added"]
    });
    let response = app.post("/api/v1/webhooks", &admin, &body).await;
    assert_eq!(response.status(), 201);
    let created: WebhookCreated = response.json().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("receiver.py");
    std::fs::write(&script, readme_receiver()).unwrap();
    let mut receiver = tokio::process::Command::new("python3")
        .arg(&script)
        .arg(port.to_string())
        .env("RCS_WEBHOOK_SECRET", &created.secret)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 runs");
    let mut lines = BufReader::new(receiver.stdout.take().unwrap()).lines();
    // Wait until it listens.
    let deadline = Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "the receiver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let path = format!("/api/v1/webhooks/{}/test", created.webhook.id);
    assert_eq!(app.post(&path, &admin, &json!({})).await.status(), 202);
    let printed = tokio::time::timeout(Duration::from_secs(15), lines.next_line())
        .await
        .expect("the receiver printed within 15 s")
        .unwrap();
    assert_eq!(printed.as_deref(), Some("webhook.test"));
    // rcs saw the receiver's 204 as a success.
    let deliveries = format!("/api/v1/webhooks/{}/deliveries", created.webhook.id);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let page: WebhookDeliveryPage = app.get(&deliveries, &admin).await.json().await.unwrap();
        if page.items.first().and_then(|d| d.last_status) == Some(204) {
            break;
        }
        assert!(Instant::now() < deadline, "{page:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A forged delivery (another secret) is refused.
    let forged = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/rcs"))
        .header("webhook-id", "msg_forged")
        .header(
            "webhook-timestamp",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
                .to_string(),
        )
        .header(
            "webhook-signature",
            "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .body(r#"{"type":"webhook.test","timestamp":"2026-12-05T00:00:00Z","data":{}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let _ = receiver.kill().await;
}
