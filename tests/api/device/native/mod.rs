//! Native boot sequences: a phone emulator per vendor plays its vendor's documented boot
//! against the running service over mutual TLS (same file names, order and User-Agent),
//! parses every answer with a strict parser of that vendor's syntax, and acts on it: it
//! downloads branding, takes the firmware it is told to and "reboots" into it, and follows
//! the redirect. The emulators are written from the vendors' documents
//! (docs/device-protocols-research.md), not from rcs's code.

pub(crate) mod aastra;
mod grandstream;
mod polycom;
mod refusals;
mod snom;
mod yealink;

use std::time::{Duration, Instant};

use rcs_shared::{BootEvent, BootEventPage, Phone};
use sha2::{Digest, Sha256};

use crate::helpers::device::Booth;
use crate::helpers::{routes, TestApp};

/// One file fetched: path, status, body.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub path: String,
    pub status: u16,
    pub body: Vec<u8>,
}

impl Fetched {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("configuration files are UTF-8")
    }
}

/// `GET path` (absolute URLs are reduced to their path on the booth) as `client` with `ua`.
pub async fn fetch(b: &Booth, client: &reqwest::Client, path_or_url: &str, ua: &str) -> Fetched {
    let path = match path_or_url.find("/phone/") {
        Some(i) if path_or_url.starts_with("http") => &path_or_url[i..],
        _ => path_or_url,
    };
    let response = b.boot(client, path, ua).await;
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap().to_vec();
    Fetched {
        path: path.to_string(),
        status,
        body,
    }
}

/// The code of a refusal, which must be JSON `{ code, message }` with a message.
pub fn code(body: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).expect("refusals are JSON");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
    v["code"].as_str().unwrap().to_string()
}

/// The sample catalog's release whose image has these bytes (the emulator "reboots" into
/// what it downloaded, never into what it was told).
pub fn release_of_image(bytes: &[u8]) -> String {
    let sha = hex(&Sha256::digest(bytes));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware");
    for dir in std::fs::read_dir(&root).unwrap() {
        let manifest = dir.unwrap().path().join("manifest.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let table: toml::Table = text.parse().unwrap();
        let images = table["images"].as_array().unwrap();
        if images
            .iter()
            .any(|i| i["sha256"].as_str() == Some(sha.as_str()))
        {
            return table["version"].as_str().unwrap().to_string();
        }
    }
    panic!("the downloaded image {sha} is in no sample release");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The boot history entries of a native boot list their files in order.
pub fn files_in(event: &BootEvent) -> Vec<String> {
    event
        .detail
        .split(" | ")
        .map(|part| {
            part.split_once(": ")
                .map_or(part, |(file, _)| file)
                .to_string()
        })
        .collect()
}

/// The phone's history once it satisfies `settled` (the recorder writes in the background,
/// and a boot's later files fold into its entry after the first): bounded wait.
pub async fn history_when(
    app: &TestApp,
    token: &str,
    mac: &str,
    settled: impl Fn(&[BootEvent]) -> bool,
) -> Vec<BootEvent> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let response = app
            .get(&format!("{}?limit=500", routes::phone_events(mac)), token)
            .await;
        assert_eq!(response.status(), 200);
        let page: BootEventPage = response.json().await.unwrap();
        if settled(&page.items) {
            return page.items;
        }
        assert!(
            Instant::now() < deadline,
            "history never settled: {:#?}",
            page.items
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The phone's record as staff see it.
pub async fn record(app: &TestApp, token: &str, mac: &str) -> Phone {
    let response = app.get(&routes::phone(mac), token).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}
