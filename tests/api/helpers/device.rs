//! The device stories' fixture: a service that trusts a test device CA (a [`Booth`]), phones
//! that boot against it, and an account provisioned with a server, a branding with a logo,
//! the sample firmware catalog and one phone.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rcs::config::Settings;
use rcs_shared::{BootEventPage, DeviceAction, DeviceAnswer};
use serde_json::json;

use super::app::{spawn_app_with, start, Engine, TestApp, TestEnv};
use super::client::routes;
use super::pki::{phone_client, PhoneCert, TestCa};
use super::postgres::{via_port, DbProxy};

/// The phone every device story registers, and what it says as a 6757i on each release.
pub const MAC: &str = "00085D1A2B3C";
pub const UA_OLD: &str = "Aastra6757i MAC:00-08-5D-1A-2B-3C V:3.3.1.4322-SIP";
pub const UA_NEW: &str = "Aastra6757i MAC:00-08-5D-1A-2B-3C V:4.2.0.181-SIP";
/// The sample catalog's 4.2.0.181 image for the 6757i (firmware/4.2.0.181/manifest.toml).
pub const IMAGE_SHA: &str = "3fc5fd09cc8ae6c0cd99365c3e514c5ef4ee1b9242d26c79213fc0ace36d5d3c";
pub const IMAGE_SIZE: u64 = 480;
/// The logo of the account's branding.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-acme-logo";

/// The service with the test's device CA configured, and the CA.
pub struct Booth {
    pub app: TestApp,
    pub ca: TestCa,
    _ca_dir: tempfile::TempDir,
}

pub async fn booth(engine: Engine) -> Booth {
    booth_with(engine, |_| {}).await
}

/// [`booth`] with further settings.
pub async fn booth_with(engine: Engine, tweak: impl FnOnce(&mut Settings)) -> Booth {
    let ca = TestCa::new("Test Phone Vendor CA");
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("device-ca.pem");
    std::fs::write(&path, ca.pem()).unwrap();
    let app = spawn_app_with(engine, |s| {
        s.device_ca = Some(path);
        tweak(s);
    })
    .await;
    Booth {
        app,
        ca,
        _ca_dir: dir,
    }
}

impl Booth {
    /// A client presenting `cert` (none: a browser or a phone without one).
    pub fn phone(&self, cert: Option<&PhoneCert>) -> reqwest::Client {
        phone_client(&self.app.env.data_dir(), cert)
    }

    /// A phone with a certificate for `mac` (in the CN) from the trusted CA.
    pub fn phone_for(&self, mac: &str) -> reqwest::Client {
        self.phone(Some(&self.ca.issue(Some(mac), &[])))
    }

    /// `GET path` as `client` with the User-Agent `ua`: a phone asking what to do.
    pub async fn boot(&self, client: &reqwest::Client, path: &str, ua: &str) -> reqwest::Response {
        client
            .get(self.app.url(path))
            .header("user-agent", ua)
            .send()
            .await
            .expect("request sent")
    }
}

/// An account with a server, a branding with a file, the sample catalog, and one phone.
pub struct Provisioned {
    pub account_id: i64,
    pub token: String,
    pub server_id: i64,
    pub branding_id: i64,
}

pub async fn provision(
    app: &TestApp,
    account: &str,
    mac: &str,
    firmware: Option<&str>,
) -> Provisioned {
    let (account_id, token) = app.admin_of(account).await;
    let server = app
        .create_server(&token, "Main PBX", "https://pbx.example.net:8443/cfg/")
        .await;
    let branding = app
        .create_branding(&token, &format!("{account} brand"), false)
        .await;
    let put = app
        .put_branding_file(&token, branding.id, "logo.png", None, PNG)
        .await;
    assert_eq!(put.status(), 200);
    app.load_sample_firmware_once().await;
    let added = app
        .register_phones(
            &token,
            &json!({"macs": [mac], "server_id": server.id, "branding_id": branding.id, "firmware": firmware}),
        )
        .await;
    assert!(
        added.status().is_success(),
        "{}",
        added.text().await.unwrap()
    );
    Provisioned {
        account_id,
        token,
        server_id: server.id,
        branding_id: branding.id,
    }
}

/// The kinds of an answer's actions, in order.
pub fn kinds(answer: &DeviceAnswer) -> Vec<&'static str> {
    answer
        .actions
        .iter()
        .map(|a| match a {
            DeviceAction::Branding { .. } => "branding",
            DeviceAction::Firmware { .. } => "firmware",
            DeviceAction::Redirect { .. } => "redirect",
        })
        .collect()
}

/// Waits (bounded) until the phone's history holds `count` events, and returns them.
pub async fn events(app: &TestApp, token: &str, mac: &str, count: usize) -> BootEventPage {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let response = app
            .get(&format!("{}?limit=500", routes::phone_events(mac)), token)
            .await;
        assert_eq!(response.status(), 200);
        let page: BootEventPage = response.json().await.unwrap();
        if page.items.len() >= count {
            return page;
        }
        assert!(
            Instant::now() < deadline,
            "expected {count} events, have {:?}",
            page.items
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A booth whose service runs in `env` with its database at `database_url` instead.
pub async fn booth_on(mut env: TestEnv, database_url: String) -> Booth {
    let ca = TestCa::new("Test Phone Vendor CA");
    let dir = tempfile::tempdir().unwrap();
    let ca_path = dir.path().join("device-ca.pem");
    std::fs::write(&ca_path, ca.pem()).unwrap();
    env.settings.database_url = database_url;
    env.settings.device_ca = Some(ca_path);
    Booth {
        app: start(env).await,
        ca,
        _ca_dir: dir,
    }
}

/// A booth on PostgreSQL whose every database connection goes through a [`DbProxy`].
pub async fn booth_behind_proxy() -> (Booth, DbProxy) {
    let env = TestEnv::new(Engine::Postgres).await;
    let (_, upstream) = via_port(&env.settings.database_url, 0);
    let proxy = DbProxy::start(upstream).await;
    let (proxied, _) = via_port(&env.settings.database_url, proxy.port);
    (booth_on(env, proxied).await, proxy)
}

/// What a 6757i on 4.2.0.181 with this MAC sends as its User-Agent.
pub fn user_agent_of(mac: &str) -> String {
    let pairs: Vec<&str> = (0..6).map(|i| &mac[i * 2..i * 2 + 2]).collect();
    format!("Aastra6757i MAC:{} V:4.2.0.181-SIP", pairs.join("-"))
}
