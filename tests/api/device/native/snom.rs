//! A Snom phone's boot, as Snom's auto-provisioning pages describe it: given a setting-server
//! URL without a file name, it fetches `snom<type>.htm` and then `snom<type>-<MAC>.htm`
//! (upper-case hex), each an XML `<settings>` document whose `<phone-settings>` elements it
//! keeps. With `update_policy` `auto_update` and a `firmware_status` URL, it fetches that
//! firmware-settings file (`<firmware-settings><firmware>` link), takes the image and reboots
//! into it; with the factory `settings_only` it fetches no firmware. A `setting_server` makes
//! its later boots fetch from that server.

use std::collections::BTreeMap;

use rcs_shared::BootOutcome;

use super::{code, fetch, files_in, history_when, record, release_of_image, Fetched};
use crate::helpers::device::{booth, provision, Booth};
use crate::helpers::pki::TestCa;
use crate::helpers::{routes, Engine};
use crate::on_both_engines;

on_both_engines!(
    a_d785_upgrades_reboots_and_is_then_redirected,
    a_downgrade_is_sent_too,
    a_model_without_an_image_is_redirected_at_once_with_a_warning,
    an_unaffiliated_phone_is_not_redirected,
    an_unregistered_phone_is_told_nothing,
    a_foreign_certificate_or_none_is_refused,
);

/// A MAC with Snom's maker prefix (00:04:13).
const MAC: &str = "000413A11FA7";
/// The sample catalog's Snom release and its D785 image.
const RELEASE: &str = "10.1.215.13";
const IMAGE: &str = "snomD785-10.1.215.13-SIP-r.bin";

/// A Snom phone: what it runs, and the settings it keeps.
pub struct SnomPhone {
    pub mac: String,
    pub model: String,
    pub running: String,
    pub settings: BTreeMap<String, String>,
    pub fetched: Vec<Fetched>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    Rebooted(String),
    Configured,
    /// A file was refused with this status (neither 200 nor 404): the phone stops.
    Stopped(u16),
}

impl SnomPhone {
    pub fn new(mac: &str, model: &str, running: &str) -> SnomPhone {
        SnomPhone {
            mac: mac.to_string(),
            model: model.to_string(),
            running: running.to_string(),
            settings: BTreeMap::new(),
            fetched: vec![],
        }
    }

    /// `Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413A11FA7
    /// SXM:0 UXM:0)`.
    pub fn user_agent(&self) -> String {
        format!(
            "Mozilla/4.0 (compatible; snom{}-SIP {} 2010.12-00004-g9ba52f5 {} SXM:0 UXM:0)",
            self.model, self.running, self.mac
        )
    }

    pub async fn boot(&mut self, b: &Booth, client: &reqwest::Client) -> Ended {
        self.fetched.clear();
        let ua = self.user_agent();
        for file in [
            format!("snom{}.htm", self.model),
            format!("snom{}-{}.htm", self.model, self.mac),
        ] {
            let got = fetch(b, client, &format!("/phone/{file}"), &ua).await;
            self.fetched.push(got.clone());
            match got.status {
                200 => self.apply(&got.text()),
                404 => {}
                other => return Ended::Stopped(other),
            }
        }
        let policy = self.settings.get("update_policy").map(String::as_str);
        let status = self
            .settings
            .get("firmware_status")
            .filter(|s| !s.is_empty());
        let (Some("auto_update"), Some(url)) = (policy, status.cloned()) else {
            return Ended::Configured;
        };
        let got = fetch(b, client, &url, &ua).await;
        self.fetched.push(got.clone());
        match got.status {
            200 => {}
            404 => return Ended::Configured,
            other => panic!("{url} answered {other}"),
        }
        let image_url = firmware_link(&got.text());
        let image = fetch(b, client, &image_url, &ua).await;
        self.fetched.push(image.clone());
        assert_eq!(image.status, 200, "{image_url}");
        let release = release_of_image(&image.body);
        assert_ne!(
            release, self.running,
            "a phone takes only a different image"
        );
        self.running = release.clone();
        Ended::Rebooted(release)
    }

    /// Reads a settings file strictly: well-formed XML whose root is `<settings>`, holding only
    /// `<phone-settings>` (and comments); each setting an element of lower-case letters, digits
    /// and `_`, with at most the attributes `perm` (`R`, `RW` or empty) and `idx`, and text only.
    fn apply(&mut self, text: &str) {
        let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "settings", "{text}");
        for section in root.children().filter(|n| n.is_element()) {
            assert_eq!(section.tag_name().name(), "phone-settings", "{text}");
            for setting in section.children() {
                if setting.is_comment()
                    || (setting.is_text() && setting.text().unwrap().trim().is_empty())
                {
                    continue;
                }
                assert!(setting.is_element(), "unexpected {setting:?} in {text}");
                let name = setting.tag_name().name();
                assert!(
                    !name.is_empty()
                        && name
                            .bytes()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_'),
                    "bad setting {name:?}"
                );
                for attribute in setting.attributes() {
                    match attribute.name() {
                        "perm" => assert!(
                            ["", "R", "RW"].contains(&attribute.value()),
                            "{name}: perm={:?}",
                            attribute.value()
                        ),
                        "idx" => assert!(attribute.value().parse::<u32>().is_ok()),
                        other => panic!("{name}: unexpected attribute {other}"),
                    }
                }
                assert!(
                    setting.children().all(|c| c.is_text()),
                    "{name} holds text only"
                );
                let value = setting.text().unwrap_or("").to_string();
                self.settings.insert(name.to_string(), value);
            }
        }
    }

    pub fn setting_server(&self) -> Option<&str> {
        self.settings.get("setting_server").map(String::as_str)
    }

    pub fn paths(&self) -> Vec<(String, u16)> {
        self.fetched
            .iter()
            .map(|f| (f.path.clone(), f.status))
            .collect()
    }
}

/// The phone image's link in a firmware-settings file, read strictly: root
/// `<firmware-settings>`, children `<firmware>` (and `<firmware_uxm>` for the expansion
/// module) with a `perm` attribute.
fn firmware_link(text: &str) -> String {
    let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "firmware-settings", "{text}");
    let mut link = None;
    for element in root.children().filter(|n| n.is_element()) {
        let name = element.tag_name().name();
        assert!(
            ["firmware", "firmware_uxm"].contains(&name),
            "unexpected {name}"
        );
        assert!(element.attributes().all(|a| a.name() == "perm"), "{text}");
        if name == "firmware" {
            link = element.text().map(str::to_string);
        }
    }
    link.expect("a firmware link")
}

async fn a_d785_upgrades_reboots_and_is_then_redirected(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, Some(RELEASE)).await;
    let client = b.phone_for(MAC);
    let mut phone = SnomPhone::new(MAC, "D785", "10.1.33.33");

    assert_eq!(
        phone.boot(&b, &client).await,
        Ended::Rebooted(RELEASE.into())
    );
    assert_eq!(
        phone.paths(),
        [
            ("/phone/snomD785.htm".to_string(), 200),
            (format!("/phone/snomD785-{MAC}.htm"), 200),
            ("/phone/snomD785-firmware.xml".to_string(), 200),
            (format!("/phone/{IMAGE}"), 200),
        ]
    );
    assert_eq!(
        phone.setting_server(),
        None,
        "the redirect waits until the phone runs the pinned release"
    );

    assert_eq!(phone.boot(&b, &client).await, Ended::Configured);
    assert_eq!(phone.running, RELEASE);
    assert_eq!(
        phone.fetched.len(),
        2,
        "no firmware step: {:?}",
        phone.paths()
    );
    assert_eq!(
        phone.settings["update_policy"], "settings_only",
        "back to the factory policy"
    );
    assert_eq!(phone.settings["firmware_status"], "", "no link back to rcs");
    assert_eq!(
        phone.setting_server(),
        Some("https://pbx.example.net:8443/cfg/")
    );

    let items = history_when(&b.app, &p.token, MAC, |items| {
        items.len() == 2 && files_in(&items[1]).len() == 4 && files_in(&items[0]).len() == 2
    })
    .await;
    let (second, first) = (&items[0], &items[1]);
    let mac_file = format!("snomD785-{MAC}.htm");
    assert_eq!(
        files_in(first),
        [
            "snomD785.htm",
            mac_file.as_str(),
            "snomD785-firmware.xml",
            IMAGE
        ]
    );
    assert_eq!(first.outcome, BootOutcome::FirmwareSent);
    assert_eq!(first.vendor.as_deref(), Some("snom"));
    assert_eq!(first.model.as_deref(), Some("D785"));
    assert_eq!(first.firmware.as_deref(), Some("10.1.33.33"));
    assert!(
        first.detail.contains(&format!(
            "{IMAGE}: firmware 10.1.33.33 -> {RELEASE} downloaded"
        )),
        "{}",
        first.detail
    );
    assert!(first.detail.contains("held back"), "{}", first.detail);
    assert!(
        first
            .detail
            .contains("warning: branding \"Acme brand\" files with no Snom key not sent: logo.png"),
        "{}",
        first.detail
    );
    assert_eq!(files_in(second), ["snomD785.htm", mac_file.as_str()]);
    assert_eq!(second.outcome, BootOutcome::Redirected);
    assert_eq!(second.firmware.as_deref(), Some(RELEASE));
    assert!(
        second.detail.contains("redirect to \"Main PBX\""),
        "{}",
        second.detail
    );

    let phone_record = record(&b.app, &p.token, MAC).await;
    assert_eq!(phone_record.vendor.as_deref(), Some("snom"));
    assert_eq!(phone_record.model.as_deref(), Some("D785"));
    assert_eq!(phone_record.reported_firmware.as_deref(), Some(RELEASE));
}

async fn a_downgrade_is_sent_too(engine: Engine) {
    let b = booth(engine).await;
    provision(&b.app, "Acme", MAC, Some(RELEASE)).await;
    let mut phone = SnomPhone::new(MAC, "D785", "10.2.0.1");
    let client = b.phone_for(MAC);
    assert_eq!(
        phone.boot(&b, &client).await,
        Ended::Rebooted(RELEASE.into())
    );
    assert_eq!(phone.boot(&b, &client).await, Ended::Configured);
    assert!(phone.setting_server().is_some());
}

async fn a_model_without_an_image_is_redirected_at_once_with_a_warning(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, Some(RELEASE)).await;
    let mut phone = SnomPhone::new(MAC, "D715", "10.1.33.33");
    let client = b.phone_for(MAC);
    assert_eq!(phone.boot(&b, &client).await, Ended::Configured);
    assert_eq!(phone.fetched.len(), 2, "{:?}", phone.paths());
    assert_eq!(
        phone.setting_server(),
        Some("https://pbx.example.net:8443/cfg/"),
        "nothing to wait for: the phone goes on to its server"
    );
    let items = history_when(&b.app, &p.token, MAC, |items| {
        items.len() == 1 && files_in(&items[0]).len() == 2
    })
    .await;
    assert!(
        items[0].detail.contains(&format!(
            "warning: firmware {RELEASE} has no image for model D715"
        )),
        "{}",
        items[0].detail
    );
    // The firmware-settings file is there only while a release is due.
    let got = fetch(
        &b,
        &client,
        "/phone/snomD715-firmware.xml",
        &phone.user_agent(),
    )
    .await;
    assert_eq!(got.status, 404);
    assert_eq!(code(&got.body), "not_for_this_phone");
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
    let mut phone = SnomPhone::new(MAC, "D785", RELEASE);
    let client = b.phone_for(MAC);
    assert_eq!(phone.boot(&b, &client).await, Ended::Configured);
    assert_eq!(phone.setting_server(), None);
    let mac_file = phone.fetched[1].text();
    assert!(
        mac_file.contains("no configuration server is assigned"),
        "{mac_file}"
    );
}

async fn an_unregistered_phone_is_told_nothing(engine: Engine) {
    let b = booth(engine).await;
    provision(&b.app, "Acme", MAC, None).await;
    let stranger = "000413A11F00";
    let mut phone = SnomPhone::new(stranger, "D785", "10.1.33.33");
    assert_eq!(
        phone.boot(&b, &b.phone_for(stranger)).await,
        Ended::Configured
    );
    assert_eq!(phone.fetched.len(), 2);
    for got in &phone.fetched {
        assert_eq!(got.status, 404, "{}", got.path);
        assert_eq!(code(&got.body), "phone_not_registered", "{}", got.path);
    }
    assert!(phone.settings.is_empty());
}

async fn a_foreign_certificate_or_none_is_refused(engine: Engine) {
    let b = booth(engine).await;
    provision(&b.app, "Acme", MAC, Some(RELEASE)).await;
    let ua = SnomPhone::new(MAC, "D785", "10.1.33.33").user_agent();
    let foreign = TestCa::new("Somebody Else's CA");
    let impostor = b.phone(Some(&foreign.issue(Some(MAC), &[])));
    for file in [
        "snomD785.htm".to_string(),
        format!("snomD785-{MAC}.htm"),
        "snomD785-firmware.xml".to_string(),
        IMAGE.to_string(),
    ] {
        let got = fetch(&b, &impostor, &format!("/phone/{file}"), &ua).await;
        assert_eq!(got.status, 401, "{file}");
        let refused = code(&got.body);
        assert!(
            ["untrusted", "invalid", "expired", "not_yet_valid"]
                .iter()
                .any(|c| refused.contains(c)),
            "{file}: {refused}"
        );
    }
    let mut anonymous = SnomPhone::new(MAC, "D785", "10.1.33.33");
    assert_eq!(
        anonymous.boot(&b, &b.phone(None)).await,
        Ended::Stopped(401)
    );
    assert_eq!(code(&anonymous.fetched[0].body), "certificate_required");
    let got = fetch(
        &b,
        &b.phone_for("000413A11F01"),
        &format!("/phone/snomD785-{MAC}.htm"),
        "",
    )
    .await;
    assert_eq!(got.status, 403);
    assert_eq!(code(&got.body), "certificate_mac_mismatch");
}
