//! An Aastra/Mitel phone's boot, as its administrator guide describes it: `aastra.cfg`, then
//! `<model>.cfg`, then `<MAC>.cfg` from the configuration path, each in `key: value` lines,
//! later files overriding earlier ones; the files those settings name (a background image,
//! language files); then `<model>.st` from the same path, taken only when it is there and
//! reboots the phone into it. A redirect (`download protocol`, `https server`, `https path`,
//! `https port`) makes its later boots fetch from that server instead.

use std::collections::BTreeMap;

use rcs_shared::BootOutcome;

use super::{fetch, files_in, history_when, record, release_of_image, Fetched};
use crate::helpers::device::{booth, provision, Booth, MAC, PNG};
use crate::helpers::{routes, Engine};
use crate::on_both_engines;

on_both_engines!(
    a_6757i_upgrades_reboots_and_is_then_redirected,
    a_downgrade_is_sent_too,
    a_model_without_an_image_is_redirected_at_once_with_a_warning,
    an_unaffiliated_phone_is_branded_but_not_redirected,
);

/// An Aastra phone: what it runs, and what its settings say after a boot.
pub struct AastraPhone {
    pub mac: String,
    pub model: String,
    pub running: String,
    pub settings: BTreeMap<String, String>,
    pub fetched: Vec<Fetched>,
    pub background: Option<Vec<u8>>,
}

/// How a boot ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// It took a new image and rebooted into this release.
    Rebooted(String),
    /// It went on with the configuration it read.
    Configured,
    /// `aastra.cfg` was refused: the phone stops there.
    Stopped(u16),
}

impl AastraPhone {
    pub fn new(mac: &str, model: &str, running: &str) -> AastraPhone {
        AastraPhone {
            mac: mac.to_string(),
            model: model.to_string(),
            running: running.to_string(),
            settings: BTreeMap::new(),
            fetched: vec![],
            background: None,
        }
    }

    /// `Aastra6757i MAC:00-08-5D-1A-2B-3C V:3.3.1.4322-SIP`.
    pub fn user_agent(&self) -> String {
        let pairs: Vec<&str> = (0..6).map(|i| &self.mac[i * 2..i * 2 + 2]).collect();
        format!(
            "Aastra{} MAC:{} V:{}-SIP",
            self.model,
            pairs.join("-"),
            self.running
        )
    }

    /// One boot against rcs (the factory setting: rcs is its configuration server).
    pub async fn boot(&mut self, b: &Booth, client: &reqwest::Client) -> Ended {
        self.fetched.clear();
        let ua = self.user_agent();
        let common = fetch(b, client, "/phone/aastra.cfg", &ua).await;
        self.fetched.push(common.clone());
        if common.status != 200 {
            return Ended::Stopped(common.status);
        }
        self.apply(&common.text());
        for file in [format!("{}.cfg", self.model), format!("{}.cfg", self.mac)] {
            let got = fetch(b, client, &format!("/phone/{file}"), &ua).await;
            assert!(
                got.status == 200 || got.status == 404,
                "{file}: {} {}",
                got.status,
                String::from_utf8_lossy(&got.body)
            );
            if got.status == 200 {
                self.apply(&got.text());
            }
            self.fetched.push(got);
        }
        if let Some(url) = self.settings.get("background image").cloned() {
            let got = fetch(b, client, &url, &ua).await;
            assert_eq!(got.status, 200, "{url}");
            self.background = Some(got.body.clone());
            self.fetched.push(got);
        }
        let image = fetch(b, client, &format!("/phone/{}.st", self.model), &ua).await;
        self.fetched.push(image.clone());
        match image.status {
            200 => {
                let release = release_of_image(&image.body);
                assert_ne!(
                    release, self.running,
                    "a phone takes only a different image"
                );
                self.running = release.clone();
                Ended::Rebooted(release)
            }
            404 => Ended::Configured,
            other => panic!("{}.st answered {other}", self.model),
        }
    }

    /// Reads one file strictly: blank lines, `#` comments and `name: value` lines, names
    /// lower-case letters, digits and spaces; values bare (no quotes, as field
    /// configurations write them). Later files override earlier ones.
    fn apply(&mut self, text: &str) {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, value) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("line {}: {line:?} is not `name: value`", n + 1));
            assert!(
                !name.is_empty()
                    && name
                        .bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b' '),
                "line {}: bad parameter name {name:?}",
                n + 1
            );
            let value = value.strip_prefix(' ').unwrap_or(value);
            assert!(
                !value.contains('"'),
                "line {}: values are bare: {line:?}",
                n + 1
            );
            self.settings.insert(name.to_string(), value.to_string());
        }
    }

    /// Where the phone's later boots fetch their configuration.
    pub fn configuration_server(&self) -> Option<String> {
        let protocol = self.settings.get("download protocol")?.to_ascii_lowercase();
        let server = &self.settings[&format!("{protocol} server")];
        let path = self
            .settings
            .get(&format!("{protocol} path"))
            .cloned()
            .unwrap_or_default();
        Some(match self.settings.get(&format!("{protocol} port")) {
            Some(port) => format!("{protocol}://{server}:{port}/{path}"),
            None => format!("{protocol}://{server}/{path}"),
        })
    }

    pub fn paths(&self) -> Vec<(String, u16)> {
        self.fetched
            .iter()
            .map(|f| (f.path.clone(), f.status))
            .collect()
    }
}

async fn a_6757i_upgrades_reboots_and_is_then_redirected(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, Some("4.2.0.181")).await;
    let client = b.phone_for(MAC);
    let mut phone = AastraPhone::new(MAC, "6757i", "3.3.1.4322");

    assert_eq!(
        phone.boot(&b, &client).await,
        Ended::Rebooted("4.2.0.181".into())
    );
    assert_eq!(
        phone.paths(),
        [
            ("/phone/aastra.cfg".to_string(), 200),
            ("/phone/6757i.cfg".to_string(), 200),
            (format!("/phone/{MAC}.cfg"), 200),
            (format!("/phone/{MAC}/branding/logo.png"), 200),
            ("/phone/6757i.st".to_string(), 200),
        ]
    );
    assert_eq!(phone.background.as_deref(), Some(PNG));
    assert_eq!(
        phone.configuration_server(),
        None,
        "the redirect waits until the phone runs the pinned release"
    );

    assert_eq!(phone.boot(&b, &client).await, Ended::Configured);
    assert_eq!(phone.running, "4.2.0.181");
    assert_eq!(
        phone.fetched.last().unwrap().status,
        404,
        "no firmware step"
    );
    assert_eq!(
        phone.configuration_server().as_deref(),
        Some("https://pbx.example.net:8443/cfg/")
    );

    // Two boots, two entries, each listing its files; the phone's record says what it is.
    let items = history_when(&b.app, &p.token, MAC, |items| {
        items.len() == 2 && items.iter().all(|e| files_in(e).len() == 5)
    })
    .await;
    let (second, first) = (&items[0], &items[1]);
    let mac_cfg = format!("{MAC}.cfg");
    assert_eq!(
        files_in(first),
        [
            "aastra.cfg",
            "6757i.cfg",
            mac_cfg.as_str(),
            "logo.png",
            "6757i.st"
        ]
    );
    assert_eq!(first.outcome, BootOutcome::FirmwareSent);
    assert_eq!(first.vendor.as_deref(), Some("aastra"));
    assert_eq!(first.model.as_deref(), Some("6757i"));
    assert_eq!(first.firmware.as_deref(), Some("3.3.1.4322"));
    assert!(
        first
            .detail
            .contains("6757i.st: firmware 3.3.1.4322 -> 4.2.0.181 downloaded"),
        "{}",
        first.detail
    );
    assert!(first.detail.contains("held back"), "{}", first.detail);
    assert_eq!(second.outcome, BootOutcome::BrandingSent);
    assert_eq!(second.firmware.as_deref(), Some("4.2.0.181"));
    assert!(
        second.detail.contains("redirect to \"Main PBX\""),
        "{}",
        second.detail
    );
    assert!(
        second
            .detail
            .contains("6757i.st: no image sent (firmware 4.2.0.181 already running"),
        "{}",
        second.detail
    );

    // The summary counts boots, not files: ten files, two contacts today.
    let summary: rcs_shared::Summary = b
        .app
        .get(routes::SUMMARY, &p.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary.contacts_per_day.last().unwrap().contacts, 2);

    let phone_record = record(&b.app, &p.token, MAC).await;
    assert_eq!(phone_record.vendor.as_deref(), Some("aastra"));
    assert_eq!(phone_record.model.as_deref(), Some("6757i"));
    assert_eq!(phone_record.reported_firmware.as_deref(), Some("4.2.0.181"));
}

async fn a_downgrade_is_sent_too(engine: Engine) {
    let b = booth(engine).await;
    provision(&b.app, "Acme", MAC, Some("4.2.0.181")).await;
    let mut phone = AastraPhone::new(MAC, "6757i", "5.1.0.2000");
    let client = b.phone_for(MAC);
    assert_eq!(
        phone.boot(&b, &client).await,
        Ended::Rebooted("4.2.0.181".into())
    );
    assert_eq!(phone.boot(&b, &client).await, Ended::Configured);
    assert!(phone.configuration_server().is_some());
}

async fn a_model_without_an_image_is_redirected_at_once_with_a_warning(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, Some("4.2.0.181")).await;
    let mut phone = AastraPhone::new(MAC, "6739i", "3.3.1.4322");
    let client = b.phone_for(MAC);
    assert_eq!(phone.boot(&b, &client).await, Ended::Configured);
    assert_eq!(
        phone.configuration_server().as_deref(),
        Some("https://pbx.example.net:8443/cfg/"),
        "nothing to wait for: the phone goes on to its server"
    );
    let items = history_when(&b.app, &p.token, MAC, |items| {
        items.len() == 1 && files_in(&items[0]).len() == 5
    })
    .await;
    assert!(
        items[0]
            .detail
            .contains("warning: firmware 4.2.0.181 has no image for model 6739i"),
        "{}",
        items[0].detail
    );
}

async fn an_unaffiliated_phone_is_branded_but_not_redirected(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, None).await;
    let cleared = b
        .app
        .patch(
            &routes::phone(MAC),
            &p.token,
            &serde_json::json!({"server_id": null}),
        )
        .await;
    assert_eq!(cleared.status(), 200);
    let mut phone = AastraPhone::new(MAC, "6757i", "4.2.0.181");
    let client = b.phone_for(MAC);
    assert_eq!(phone.boot(&b, &client).await, Ended::Configured);
    assert_eq!(phone.background.as_deref(), Some(PNG));
    assert_eq!(phone.configuration_server(), None);
    let mac_file = phone.fetched[2].text();
    assert!(
        mac_file.contains("# no configuration server is assigned"),
        "{mac_file}"
    );
}
