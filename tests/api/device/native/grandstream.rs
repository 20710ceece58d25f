//! A Grandstream GXP21xx's boot, as its user manual describes it: `cfg<mac>.xml` (MAC in
//! lower case), then the legacy binary `cfg<mac>`; only if the XML file was missing, the
//! model's `cfg<model>.xml` and then `cfg.xml`. The XML is `<gs_provision version="1">` with
//! an optional `<mac>` the phone checks against its own, and `<config version="1">` holding
//! `<Pnnn>` values, kept in the phone's flash across boots. Then the firmware check: unless
//! P238 says skip, the phone fetches `<model>fw.bin` (P232/P233 prefix and postfix around
//! it) from the firmware server path P192 over P212's protocol, and takes an image of
//! another version, rebooting into it. P212 with P237 (and P1360/P1361) make its later boots
//! fetch their configuration from that server.

use std::collections::BTreeMap;

use rcs_shared::BootOutcome;

use super::{code, fetch, files_in, history_when, record, release_of_image, Fetched};
use crate::helpers::device::{booth, provision, Booth};
use crate::helpers::pki::TestCa;
use crate::helpers::{routes, Engine};
use crate::on_both_engines;

on_both_engines!(
    a_gxp2170_upgrades_reboots_and_is_then_redirected,
    a_downgrade_is_sent_too,
    a_model_without_an_image_is_redirected_at_once_with_a_warning,
    an_unaffiliated_phone_is_not_redirected,
    refusals_are_clear_and_the_macs_maker_decides_without_a_user_agent,
);

/// A Grandstream phone with the Grandstream OUI, as the research doc's User-Agent has it.
pub const MAC: &str = "000B82123456";
const PINNED: &str = "1.0.11.85";
const IMAGE: &str = "gxp2170fw.bin";

/// A Grandstream phone: what it runs and its P-values.
pub struct GsPhone {
    pub mac: String,
    pub model: String,
    pub running: String,
    pub settings: BTreeMap<u32, String>,
    pub fetched: Vec<Fetched>,
}

/// How a boot ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// It took a new image and rebooted into this release.
    Rebooted(String),
    /// It went on with the configuration it read.
    Configured,
    /// No configuration file was there (this status for its own): it boots what it has.
    Stopped(u16),
}

impl GsPhone {
    pub fn new(mac: &str, model: &str, running: &str) -> GsPhone {
        GsPhone {
            mac: mac.to_string(),
            model: model.to_string(),
            running: running.to_string(),
            settings: BTreeMap::new(),
            fetched: vec![],
        }
    }

    /// `Grandstream Model HW GXP2170 SW 1.0.11.85 DevId 000b82123456`.
    pub fn user_agent(&self) -> String {
        format!(
            "Grandstream Model HW {} SW {} DevId {}",
            self.model,
            self.running,
            self.mac.to_ascii_lowercase()
        )
    }

    /// One boot against rcs (its configuration server).
    pub async fn boot(&mut self, b: &Booth, client: &reqwest::Client) -> Ended {
        self.fetched.clear();
        let ua = self.user_agent();
        let mac = self.mac.to_ascii_lowercase();
        let own = self
            .get(b, client, &format!("/phone/cfg{mac}.xml"), &ua)
            .await;
        let mut configured = match own.status {
            200 => {
                self.apply(&own.text());
                true
            }
            404 => false,
            other => return Ended::Stopped(other),
        };
        let binary = self.get(b, client, &format!("/phone/cfg{mac}"), &ua).await;
        assert_eq!(binary.status, 404, "rcs serves no binary configuration");
        if !configured {
            for file in [
                format!("cfg{}.xml", self.model.to_ascii_lowercase()),
                "cfg.xml".into(),
            ] {
                let got = self.get(b, client, &format!("/phone/{file}"), &ua).await;
                match got.status {
                    200 => {
                        self.apply(&got.text());
                        configured = true;
                        break;
                    }
                    404 => {}
                    other => panic!("{file}: {other}"),
                }
            }
        }
        if !configured {
            return Ended::Stopped(own.status);
        }
        self.check_firmware(b, client, &ua).await
    }

    async fn get(&mut self, b: &Booth, client: &reqwest::Client, path: &str, ua: &str) -> Fetched {
        let got = fetch(b, client, path, ua).await;
        self.fetched.push(got.clone());
        got
    }

    /// The boot's firmware check, from P192 unless P238 says skip. The factory path
    /// (Grandstream's own server) is out of the test's reach: no P192, no check.
    async fn check_firmware(&mut self, b: &Booth, client: &reqwest::Client, ua: &str) -> Ended {
        let Some(path) = self.settings.get(&192).cloned() else {
            return Ended::Configured;
        };
        if self.settings.get(&238).map(String::as_str) == Some("2") {
            return Ended::Configured;
        }
        assert_eq!(
            self.settings.get(&212).map(String::as_str),
            Some("2"),
            "HTTPS to rcs"
        );
        let booth = b.app.base.strip_prefix("https://").unwrap();
        assert_eq!(path, format!("{booth}/phone"), "the firmware path is rcs's");
        let prefix = self.settings.get(&232).cloned().unwrap_or_default();
        let postfix = self.settings.get(&233).cloned().unwrap_or_default();
        let file = format!("{prefix}{}fw.bin{postfix}", self.model.to_ascii_lowercase());
        let image = self
            .get(b, client, &format!("https://{path}/{file}"), ua)
            .await;
        match image.status {
            200 => {
                let release = release_of_image(&image.body);
                assert_ne!(release, self.running, "a phone takes only another version");
                self.running = release.clone();
                Ended::Rebooted(release)
            }
            404 => Ended::Configured,
            other => panic!("{file}: {other}"),
        }
    }

    /// One file, strictly: root `gs_provision version="1"`, an optional `<mac>` that must be
    /// this phone's, one `<config version="1">` of `<Pnnn>` elements with text only, each
    /// once.
    fn apply(&mut self, text: &str) {
        let doc =
            roxmltree::Document::parse(text).expect("configuration files are well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "gs_provision", "{text}");
        assert_eq!(root.attribute("version"), Some("1"));
        let mut configs = 0;
        let mut seen = BTreeMap::new();
        for node in root.children().filter(|n| n.is_element()) {
            match node.tag_name().name() {
                "mac" => assert_eq!(
                    node.text(),
                    Some(self.mac.to_ascii_lowercase().as_str()),
                    "the phone checks the MAC"
                ),
                "config" => {
                    configs += 1;
                    assert_eq!(node.attribute("version"), Some("1"));
                    for p in node.children().filter(|n| n.is_element()) {
                        let name = p.tag_name().name();
                        let number: u32 = name
                            .strip_prefix('P')
                            .and_then(|n| n.parse().ok())
                            .unwrap_or_else(|| panic!("{name}: not a P-value"));
                        assert!(
                            p.attributes().len() == 0 && p.children().all(|c| c.is_text()),
                            "{name}"
                        );
                        let value = p.text().unwrap_or("").to_string();
                        assert!(seen.insert(number, value).is_none(), "{name} twice");
                    }
                }
                other => panic!("unexpected element {other}"),
            }
        }
        assert_eq!(configs, 1, "{text}");
        self.settings.extend(seen);
    }

    /// Where the phone's later boots fetch their configuration.
    pub fn configuration_server(&self) -> Option<String> {
        let path = self.settings.get(&237)?;
        let scheme = match self.settings.get(&212).map(String::as_str) {
            Some("0") => "tftp",
            Some("1") => "http",
            Some("2") => "https",
            other => panic!("P212 {other:?}"),
        };
        let user = match (self.settings.get(&1360), self.settings.get(&1361)) {
            (Some(u), Some(p)) => format!("{u}:{p}@"),
            (Some(u), None) => format!("{u}@"),
            _ => String::new(),
        };
        Some(format!("{scheme}://{user}{path}"))
    }

    pub fn paths(&self) -> Vec<(String, u16)> {
        self.fetched
            .iter()
            .map(|f| (f.path.clone(), f.status))
            .collect()
    }
}

async fn a_gxp2170_upgrades_reboots_and_is_then_redirected(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, Some(PINNED)).await;
    let client = b.phone_for(MAC);
    let mut phone = GsPhone::new(MAC, "GXP2170", "1.0.9.135");
    let mac = MAC.to_ascii_lowercase();
    let boot_files = [
        (format!("/phone/cfg{mac}.xml"), 200),
        (format!("/phone/cfg{mac}"), 404),
        (format!("/phone/{IMAGE}"), 200),
    ];

    assert_eq!(
        phone.boot(&b, &client).await,
        Ended::Rebooted(PINNED.into())
    );
    assert_eq!(phone.paths(), boot_files);
    assert_eq!(
        phone.configuration_server(),
        None,
        "the redirect waits until the phone runs the pinned release"
    );

    assert_eq!(phone.boot(&b, &client).await, Ended::Configured);
    assert_eq!(phone.running, PINNED);
    assert_eq!(
        phone.paths()[2],
        (format!("/phone/{IMAGE}"), 404),
        "no firmware step"
    );
    assert_eq!(
        phone.configuration_server().as_deref(),
        Some("https://pbx.example.net:8443/cfg/")
    );
    assert_eq!(
        phone.settings.get(&145).map(String::as_str),
        Some("0"),
        "DHCP does not undo it"
    );

    let items = history_when(&b.app, &p.token, MAC, |items| {
        items.len() == 2 && items.iter().all(|e| files_in(e).len() == 3)
    })
    .await;
    let (second, first) = (&items[0], &items[1]);
    let own = format!("cfg{mac}.xml");
    let binary = format!("cfg{mac}");
    assert_eq!(files_in(first), [own.as_str(), binary.as_str(), IMAGE]);
    assert_eq!(first.outcome, BootOutcome::FirmwareSent);
    assert_eq!(first.vendor.as_deref(), Some("grandstream"));
    assert_eq!(first.model.as_deref(), Some("GXP2170"));
    assert_eq!(first.firmware.as_deref(), Some("1.0.9.135"));
    assert!(
        first.detail.contains(&format!(
            "{IMAGE}: firmware 1.0.9.135 -> {PINNED} downloaded"
        )),
        "{}",
        first.detail
    );
    assert!(first.detail.contains("held back"), "{}", first.detail);
    assert!(
        first.detail.contains(
            "warning: branding \"Acme brand\" files with no Grandstream key not sent: logo.png"
        ),
        "{}",
        first.detail
    );
    assert_eq!(files_in(second), [own.as_str(), binary.as_str(), IMAGE]);
    assert_eq!(second.outcome, BootOutcome::Redirected);
    assert_eq!(second.firmware.as_deref(), Some(PINNED));
    assert!(
        second.detail.contains("redirect to \"Main PBX\""),
        "{}",
        second.detail
    );
    assert!(
        second.detail.contains(&format!(
            "{IMAGE}: no image sent (firmware {PINNED} already running"
        )),
        "{}",
        second.detail
    );

    let phone_record = record(&b.app, &p.token, MAC).await;
    assert_eq!(phone_record.vendor.as_deref(), Some("grandstream"));
    assert_eq!(phone_record.model.as_deref(), Some("GXP2170"));
    assert_eq!(phone_record.reported_firmware.as_deref(), Some(PINNED));
}

async fn a_downgrade_is_sent_too(engine: Engine) {
    let b = booth(engine).await;
    provision(&b.app, "Acme", MAC, Some(PINNED)).await;
    let mut phone = GsPhone::new(MAC, "GXP2170", "1.0.13.10");
    let client = b.phone_for(MAC);
    assert_eq!(
        phone.boot(&b, &client).await,
        Ended::Rebooted(PINNED.into())
    );
    assert_eq!(phone.boot(&b, &client).await, Ended::Configured);
    assert!(phone.configuration_server().is_some());
}

async fn a_model_without_an_image_is_redirected_at_once_with_a_warning(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, Some(PINNED)).await;
    let mut phone = GsPhone::new(MAC, "GXP2160", "1.0.9.135");
    assert_eq!(phone.boot(&b, &b.phone_for(MAC)).await, Ended::Configured);
    assert_eq!(
        phone.fetched.len(),
        2,
        "no firmware path: no firmware check"
    );
    assert_eq!(
        phone.configuration_server().as_deref(),
        Some("https://pbx.example.net:8443/cfg/"),
        "nothing to wait for: the phone goes on to its server"
    );
    let items = history_when(&b.app, &p.token, MAC, |items| {
        items.len() == 1 && files_in(&items[0]).len() == 2
    })
    .await;
    assert!(
        items[0].detail.contains(&format!(
            "warning: firmware {PINNED} has no image for model GXP2160"
        )),
        "{}",
        items[0].detail
    );
}

async fn an_unaffiliated_phone_is_not_redirected(engine: Engine) {
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
    let mut phone = GsPhone::new(MAC, "GXP2170", PINNED);
    assert_eq!(phone.boot(&b, &b.phone_for(MAC)).await, Ended::Configured);
    assert_eq!(phone.configuration_server(), None);
    assert!(phone.fetched[0]
        .text()
        .contains("no configuration server is assigned"));
    let items = history_when(&b.app, &p.token, MAC, |items| {
        items.len() == 1 && files_in(&items[0]).len() == 2
    })
    .await;
    assert_eq!(items[0].outcome, BootOutcome::Redirected);
    assert!(
        items[0].detail.contains("no configuration server assigned"),
        "{}",
        items[0].detail
    );
    assert!(
        items[0].detail.contains("not sent: logo.png"),
        "{}",
        items[0].detail
    );
}

async fn refusals_are_clear_and_the_macs_maker_decides_without_a_user_agent(engine: Engine) {
    let b = booth(engine).await;
    provision(&b.app, "Acme", MAC, None).await;
    let mac = MAC.to_ascii_lowercase();

    // An unregistered phone finds no configuration file at all.
    let stranger = "000B82990001";
    let mut phone = GsPhone::new(stranger, "GXP2170", PINNED);
    assert_eq!(
        phone.boot(&b, &b.phone_for(stranger)).await,
        Ended::Stopped(404)
    );
    let s = stranger.to_ascii_lowercase();
    assert_eq!(
        phone.paths(),
        [
            (format!("/phone/cfg{s}.xml"), 404),
            (format!("/phone/cfg{s}"), 404),
            ("/phone/cfggxp2170.xml".to_string(), 404),
            ("/phone/cfg.xml".to_string(), 404),
        ]
    );
    assert!(phone
        .fetched
        .iter()
        .all(|f| code(&f.body) == "phone_not_registered"));

    // A certificate from a CA rcs does not trust, or none.
    let ua = GsPhone::new(MAC, "GXP2170", PINNED).user_agent();
    let impostor = b.phone(Some(
        &TestCa::new("Somebody Else's CA").issue(Some(MAC), &[]),
    ));
    for file in [format!("cfg{mac}.xml"), "cfg.xml".into(), IMAGE.into()] {
        let got = fetch(&b, &impostor, &format!("/phone/{file}"), &ua).await;
        assert_eq!(got.status, 401, "{file}");
    }
    let got = fetch(&b, &b.phone(None), "/phone/cfg.xml", &ua).await;
    assert_eq!(
        (got.status, code(&got.body).as_str()),
        (401, "certificate_required")
    );

    // Another vendor's file; another phone's DevId.
    let client = b.phone_for(MAC);
    let got = fetch(&b, &client, "/phone/aastra.cfg", &ua).await;
    assert_eq!(
        (got.status, code(&got.body).as_str()),
        (400, "file_of_another_vendor")
    );
    let other = GsPhone::new("000B82990002", "GXP2170", PINNED).user_agent();
    let got = fetch(&b, &client, "/phone/cfg.xml", &other).await;
    assert_eq!(
        (got.status, code(&got.body).as_str()),
        (403, "user_agent_mac_mismatch")
    );

    // Without a User-Agent the MAC's maker decides.
    let got = fetch(&b, &client, &format!("/phone/cfg{mac}.xml"), "").await;
    assert_eq!(got.status, 200);
    assert!(got.text().contains("<gs_provision version=\"1\">"));
}
