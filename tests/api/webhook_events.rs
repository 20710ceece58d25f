//! The webhook events of phone changes, delivered to a real HTTP receiver on loopback:
//! `phones.added` (only phones created, at most 1,000 MACs per event), `phones.removed` (by
//! MAC, by list, by filter), `import.finished`; nothing for a dry run, for a change that was
//! refused or rolled back, for a webhook not subscribed, or for another account's change.
//!
//! Webhooks are stored through `rcs::db::webhooks` (the routes live on another branch); the
//! receiver (also used by `webhook_events_boot`) records each request's headers and JSON body.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rcs::config::Settings;
use rcs::db::webhooks::{self, WebhookValues};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::phones::macs;
use crate::helpers::{routes, spawn_app_with, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    adding_phones_tells_the_macs_created_a_thousand_per_event,
    removing_phones_by_mac_list_or_filter_tells_the_macs_removed,
    an_import_tells_the_phones_created_and_that_it_finished_a_dry_run_nothing,
    only_subscribed_webhooks_of_the_changed_account_are_told,
    a_refused_or_rolled_back_change_queues_nothing,
);

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Received {
    /// The event's type (`phones.added`, ...).
    pub fn kind(&self) -> &str {
        self.body["type"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let found = self.headers.iter().find(|(k, _)| k == name);
        found.map(|(_, v)| v.as_str())
    }

    /// `data.macs` of a `phones.*` event.
    pub fn macs(&self) -> Vec<String> {
        let macs = self.body["data"]["macs"].as_array().cloned();
        let macs = macs.unwrap_or_default().into_iter();
        macs.map(|m| m.as_str().unwrap().to_string()).collect()
    }
}

/// A loopback HTTP server that records every request and answers 200.
pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = got.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, sink.clone()));
            }
        });
        Receiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            got,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (at most 20 s) until `n` requests came, and answers them.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {n} deliveries came: {got:#?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Reads requests from one connection (keep-alive), records each and answers 200.
async fn serve(mut stream: TcpStream, sink: Arc<Mutex<Vec<Received>>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_string();
        let headers: Vec<(String, String)> = (head.lines().skip(1))
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let length = headers.iter().find(|(k, _)| k == "content-length");
        let length: usize = length.map_or(0, |(_, v)| v.parse().unwrap());
        while buf.len() < end + 4 + length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = serde_json::from_slice(&buf[end + 4..end + 4 + length]).unwrap_or(Value::Null);
        sink.lock().unwrap().push(Received { headers, body });
        buf.drain(..end + 4 + length);
        let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        if stream.write_all(answer).await.is_err() {
            return;
        }
    }
}

/// Deliveries to loopback, polled and retried quickly.
pub fn fast_hooks(s: &mut Settings) {
    s.webhook_allow_private = true;
    s.webhook_poll_ms = 100;
    s.webhook_backoff_secs = 1;
    s.webhook_timeout_secs = 1;
}

/// Stores an enabled webhook of `account_id` taking `events`; answers its id.
pub async fn add_webhook(
    app: &TestApp,
    account_id: i64,
    name: &str,
    url: &str,
    events: &[&str],
) -> i64 {
    let mut conn = app.db.pool.acquire().await.unwrap();
    let values = WebhookValues {
        name,
        url,
        events: &events.join(","),
        enabled: true,
    };
    let secret = rcs::webhooks::sign::generate_secret();
    webhooks::insert(
        &mut conn,
        account_id,
        &values,
        &secret,
        "test",
        rcs::db::now(),
    )
    .await
    .unwrap()
}

/// How many deliveries were queued for a webhook (whatever their state).
pub async fn queued(app: &TestApp, webhook_id: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $1")
        .bind(webhook_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// A service with fast deliveries and one account ("Acme"): its id and admin token.
async fn acme(engine: Engine) -> (TestApp, i64, String) {
    let app = spawn_app_with(engine, fast_hooks).await;
    let (account_id, _) = app.create_account("Acme", "admin@acme.example").await;
    let token = app.token("admin@acme.example").await;
    (app, account_id, token)
}

/// `00:08:5D:...` of a canonical MAC.
fn pretty(mac: &str) -> String {
    rcs_shared::mac::pretty(mac)
}

fn pretty_all(macs: &[String]) -> Vec<String> {
    macs.iter().map(|m| pretty(m)).collect()
}

async fn add(app: &TestApp, token: &str, macs: &[String]) {
    let response = app.register_phones(token, &json!({ "macs": macs })).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

async fn adding_phones_tells_the_macs_created_a_thousand_per_event(engine: Engine) {
    let (app, account_id, token) = acme(engine).await;
    let receiver = Receiver::start().await;
    let hook = add_webhook(&app, account_id, "added", &receiver.url, &["phones.added"]).await;
    let three = macs(1, 3);
    add(&app, &token, &three).await;
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].kind(), "phones.added");
    assert_eq!(got[0].macs(), pretty_all(&three));
    assert_eq!(got[0].body["data"]["by"], "admin@acme.example");
    assert!(got[0]
        .header("webhook-id")
        .is_some_and(|id| id.starts_with("msg_")));
    assert!(got[0]
        .header("webhook-signature")
        .is_some_and(|s| s.starts_with("v1,")));

    // Registering them again only updates them: nothing is added.
    add(&app, &token, &three).await;
    assert_eq!(queued(&app, hook).await, 1);

    // 2,500 at once are three events: 1,000 + 1,000 + 500, in order.
    let many = macs(2, 2_500);
    add(&app, &token, &many).await;
    let got = receiver.wait_for(4).await;
    let sizes: Vec<usize> = got[1..].iter().map(|r| r.macs().len()).collect();
    assert_eq!(sizes, [1_000, 1_000, 500]);
    let told: Vec<String> = got[1..].iter().flat_map(Received::macs).collect();
    assert_eq!(told, pretty_all(&many));
    assert_eq!(queued(&app, hook).await, 4);
}

async fn removing_phones_by_mac_list_or_filter_tells_the_macs_removed(engine: Engine) {
    let (app, account_id, token) = acme(engine).await;
    let five = macs(1, 5);
    add(&app, &token, &five).await;
    let receiver = Receiver::start().await;
    add_webhook(
        &app,
        account_id,
        "removed",
        &receiver.url,
        &["phones.removed"],
    )
    .await;

    let one = app.delete(&routes::phone(&five[0]), &token).await;
    assert_eq!(one.status(), 204);
    let list = json!({ "macs": [five[1], five[2]] });
    let two = app.post(routes::PHONES_DELETE, &token, &list).await;
    assert_eq!(two.status(), 200);
    let rest = json!({ "filter": {}, "expected_count": 2 });
    let filtered = app.post(routes::PHONES_DELETE, &token, &rest).await;
    assert_eq!(filtered.status(), 200, "{}", filtered.text().await.unwrap());

    let got = receiver.wait_for(3).await;
    assert!(got.iter().all(|r| r.kind() == "phones.removed"));
    assert_eq!(got[0].macs(), [pretty(&five[0])]);
    assert_eq!(got[1].macs(), pretty_all(&five[1..3]));
    let mut by_filter = got[2].macs();
    by_filter.sort();
    assert_eq!(by_filter, pretty_all(&five[3..]));
    assert_eq!(got[2].body["data"]["by"], "admin@acme.example");
}

async fn import(app: &TestApp, token: &str, query: &str, lines: &[String]) -> reqwest::Response {
    app.import_csv(token, query, lines.join("\n")).await
}

async fn an_import_tells_the_phones_created_and_that_it_finished_a_dry_run_nothing(engine: Engine) {
    let (app, account_id, token) = acme(engine).await;
    let receiver = Receiver::start().await;
    let events = ["phones.added", "import.finished"];
    let hook = add_webhook(&app, account_id, "imports", &receiver.url, &events).await;
    let file = macs(1, 3);

    let dry = import(&app, &token, "dry_run=true", &file).await;
    assert_eq!(dry.status(), 200);
    assert_eq!(queued(&app, hook).await, 0, "a dry run tells nothing");

    add(&app, &token, &file[..1]).await;
    let done = import(&app, &token, "", &file).await;
    assert_eq!(done.status(), 200, "{}", done.text().await.unwrap());
    let got = receiver.wait_for(3).await;
    let kinds: Vec<&str> = got.iter().map(Received::kind).collect();
    assert_eq!(kinds, ["phones.added", "phones.added", "import.finished"]);
    assert_eq!(got[0].macs(), [pretty(&file[0])]);
    assert_eq!(got[1].macs(), pretty_all(&file[1..]), "only those created");
    let finished = &got[2].body["data"];
    assert_eq!(
        *finished,
        json!({ "added": 2, "updated": 1, "by": "admin@acme.example" })
    );
    assert_eq!(queued(&app, hook).await, 3);
}

async fn only_subscribed_webhooks_of_the_changed_account_are_told(engine: Engine) {
    let (app, account_id, token) = acme(engine).await;
    let (other_id, _) = app.create_account("Globex", "admin@globex.example").await;
    let other = app.token("admin@globex.example").await;
    let receiver = Receiver::start().await;
    let removals = add_webhook(
        &app,
        account_id,
        "removals",
        &receiver.url,
        &["phones.removed"],
    )
    .await;
    let theirs = add_webhook(&app, other_id, "theirs", &receiver.url, &["phones.added"]).await;
    let off = add_webhook(&app, account_id, "off", &receiver.url, &["phones.added"]).await;
    sqlx::query("UPDATE webhooks SET enabled = 0 WHERE id = $1")
        .bind(off)
        .execute(&app.db.pool)
        .await
        .unwrap();

    add(&app, &token, &macs(1, 2)).await;
    assert_eq!(
        queued(&app, removals).await,
        0,
        "not subscribed to phones.added"
    );
    assert_eq!(queued(&app, theirs).await, 0, "another account's change");
    assert_eq!(queued(&app, off).await, 0, "a disabled webhook");

    let globex = macs(2, 1);
    add(&app, &other, &globex).await;
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].macs(), pretty_all(&globex));
    assert_eq!(got[0].body["data"]["by"], "admin@globex.example");
    assert_eq!(queued(&app, theirs).await, 1);
    assert_eq!(queued(&app, removals).await + queued(&app, off).await, 0);
}

async fn a_refused_or_rolled_back_change_queues_nothing(engine: Engine) {
    let (app, account_id, token) = acme(engine).await;
    let receiver = Receiver::start().await;
    let all = ["phones.added", "phones.removed", "import.finished"];
    let hook = add_webhook(&app, account_id, "all", &receiver.url, &all).await;
    let mine = macs(1, 1);
    add(&app, &token, &mine).await;
    assert_eq!(queued(&app, hook).await, 1);

    // A delete naming a phone the account does not have deletes nothing and tells nothing.
    let list = json!({ "macs": [mine[0], "00085DFFFFFF"] });
    let refused = app.post(routes::PHONES_DELETE, &token, &list).await;
    assert_eq!(refused.status(), 404);
    // An import whose bad line comes after a first chunk was written: rolled back.
    let mut file = macs(
        2,
        rcs::services::phones::csv_file::POSTGRES_CHUNK_ROWS as u32 + 1,
    );
    file.push("not-a-mac".to_string());
    let rolled_back = import(&app, &token, "", &file).await;
    assert_eq!(rolled_back.status(), 422);
    let phones: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM phones")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(phones, 1);
    assert_eq!(queued(&app, hook).await, 1, "only the first addition");
    let got = receiver.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 1, "{got:#?}");
}
