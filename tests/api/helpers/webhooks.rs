//! A real HTTP receiver for webhook deliveries on loopback (a TCP listener that parses each
//! request, records it, and answers as the test programs it: a status, or a stall), an
//! independent check of the Standard Webhooks signature, and the app settings webhook
//! stories run with.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rcs::config::Settings;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::TestApp;

/// Fast retries and short timeouts, loopback allowed: what the delivery stories run with.
pub fn fast(s: &mut Settings) {
    s.webhook_allow_private = true;
    s.webhook_backoff_secs = 1;
    s.webhook_timeout_secs = 1;
    s.webhook_poll_ms = 100;
}

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Status(u16),
    /// Says nothing for this long, then closes the connection.
    Stall(Duration),
}

/// One request as it arrived, with the status it was answered (0 for a stall).
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub answered: u16,
}

impl Received {
    /// A header's value (names are compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn id(&self) -> String {
        self.header("webhook-id").unwrap_or_default().to_string()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Shared {
    received: Vec<Received>,
    plan: VecDeque<Answer>,
    default: Option<Answer>,
}

/// The receiver; stops listening when dropped.
pub struct Receiver {
    pub port: u16,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A loopback port nobody listens on (yet): bound, then released.
pub async fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

impl Receiver {
    /// Listens on a port of the kernel's choice, answering 204 to everything.
    pub async fn start() -> Receiver {
        Receiver::on(0).await
    }

    /// Listens on `port`, answering 204 to everything.
    pub async fn on(port: u16) -> Receiver {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let accepting = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, accepting.clone()));
            }
        });
        Receiver { port, shared, task }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    /// The next requests are answered with `plan`, in order; later ones with the default.
    pub fn plan(&self, plan: &[Answer]) {
        self.shared.lock().unwrap().plan = plan.iter().copied().collect();
    }

    /// How requests beyond the plan are answered (204 until set).
    pub fn answer_by_default(&self, answer: Answer) {
        self.shared.lock().unwrap().default = Some(answer);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().unwrap().received.clone()
    }

    /// Waits (at most `secs`) until `n` requests arrived; answers them all.
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{n} requests expected within {secs}s, got {}: {got:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Reads one request, records it, answers it, closes.
async fn serve(mut stream: TcpStream, shared: Arc<Mutex<Shared>>) {
    let Some(mut received) = read_request(&mut stream).await else {
        return;
    };
    let answer = {
        let mut s = shared.lock().unwrap();
        let answer = s
            .plan
            .pop_front()
            .or(s.default)
            .unwrap_or(Answer::Status(204));
        received.answered = match answer {
            Answer::Status(code) => code,
            Answer::Stall(_) => 0,
        };
        s.received.push(received);
        answer
    };
    match answer {
        Answer::Status(code) => {
            let head =
                format!("HTTP/1.1 {code} Test\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        Answer::Stall(d) => tokio::time::sleep(d).await,
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut start = lines.next()?.split(' ');
    let (method, path) = (start.next()?.to_string(), start.next()?.to_string());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..head_end + length]).to_string();
    Some(Received {
        method,
        path,
        headers,
        body,
        answered: 0,
    })
}

/// Whether `r` is signed with `secret`, checked independently of rcs (the `hmac-sha256`
/// crate): `v1,` + base64 HMAC-SHA256 of `"{id}.{timestamp}.{body}"` keyed with the
/// base64-decoded part of the secret after `whsec_`.
pub fn signed_with(secret: &str, r: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ secret"))
        .expect("base64 secret");
    let (id, ts) = (r.header("webhook-id"), r.header("webhook-timestamp"));
    let (Some(id), Some(ts)) = (id, ts) else {
        return false;
    };
    let mac = hmac_sha256::HMAC::mac(format!("{id}.{ts}.{}", r.body).as_bytes(), &key);
    let expected = STANDARD.encode(mac);
    r.header("webhook-signature")
        .unwrap_or_default()
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|given| given == expected)
}

/// Creates a webhook of `url` taking `events`; answers (id, secret).
pub async fn create(app: &TestApp, token: &str, name: &str, url: &str) -> (i64, String) {
    let body = json!({"name": name, "url": url, "events": ["phones.added"]});
    let response = app.post("/api/v1/webhooks", token, &body).await;
    assert_eq!(response.status(), 201, "create webhook {name}");
    let created: Value = response.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_string();
    (created["webhook"]["id"].as_i64().unwrap(), secret)
}

/// Queues a test event (202).
pub async fn send_test(app: &TestApp, token: &str, id: i64) {
    let response = app
        .post(&format!("/api/v1/webhooks/{id}/test"), token, &json!({}))
        .await;
    assert_eq!(response.status(), 202, "test event of webhook {id}");
}

/// The webhook's deliveries, newest first (one page of 200).
pub async fn deliveries(app: &TestApp, token: &str, id: i64) -> Vec<Value> {
    let path = format!("/api/v1/webhooks/{id}/deliveries?limit=200");
    let response = app.get(&path, token).await;
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

/// Waits (at most `secs`) until the newest delivery satisfies `done`; answers it.
pub async fn wait_delivery(
    app: &TestApp,
    token: &str,
    id: i64,
    secs: u64,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let items = deliveries(app, token, id).await;
        if let Some(newest) = items.first().filter(|d| done(d)) {
            return newest.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "delivery not as expected within {secs}s: {items:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
