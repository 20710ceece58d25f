//! A Yealink phone's boot on modern firmware, as the T4x/T5x administrator guides describe it:
//! `<mac>.boot` (lower-case hex), and on a 404 the common boot file `y000000000000.boot`, and
//! on a 404 again the model's common file `y0000000000NN.cfg` then `<mac>.cfg`, later values
//! overriding earlier ones. Each file begins with the line `#!version:1.0.0.1`, then
//! `key = value` lines and `#` comments; `%NULL%` resets a key. The phone keeps its settings
//! between boots. It then downloads the resources its settings name (wallpaper, logo,
//! language file) and the image `static.firmware.url` names, rebooting into it. A redirect
//! (`static.auto_provision.server.url`) makes its later boots fetch from that server.

use std::collections::BTreeMap;

use rcs_shared::BootOutcome;

use super::{code, fetch, files_in, history_when, record, release_of_image, Fetched};
use crate::helpers::device::{booth, provision, Booth, PNG};
use crate::helpers::pki::TestCa;
use crate::helpers::{routes, Engine};
use crate::on_both_engines;

on_both_engines!(
    a_t46s_upgrades_reboots_and_is_then_redirected,
    a_downgrade_is_sent_too,
    a_model_without_an_image_is_redirected_at_once_with_a_warning,
    an_unaffiliated_phone_is_branded_but_not_redirected,
    an_unregistered_phone_is_told_nothing,
    a_foreign_certificate_or_none_is_refused,
);

/// A MAC with Yealink's maker prefix (00:15:65).
const MAC: &str = "0015654AA937";
/// The sample catalog's Yealink release and its T46S image.
const RELEASE: &str = "66.86.0.15";
const IMAGE: &str = "T46S(T48S,T42S,T41S)-66.86.0.15.rom";
/// The phone's common-file numbers (the research's common-file table, §2.2).
const COMMON_FILES: &[(&str, u32)] = &[("T46S", 66), ("T54W", 96)];
const HEADER: &str = "#!version:1.0.0.1";

/// A Yealink phone: what it runs, and the settings it keeps.
pub struct YealinkPhone {
    pub mac: String,
    pub model: String,
    pub running: String,
    pub settings: BTreeMap<String, String>,
    pub fetched: Vec<Fetched>,
    pub wallpaper: Option<Vec<u8>>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// It took a new image and rebooted into this release.
    Rebooted(String),
    /// It went on with the configuration it read.
    Configured,
    /// A file was refused with this status (neither 200 nor 404): the phone stops.
    Stopped(u16),
}

impl YealinkPhone {
    pub fn new(mac: &str, model: &str, running: &str) -> YealinkPhone {
        YealinkPhone {
            mac: mac.to_string(),
            model: model.to_string(),
            running: running.to_string(),
            settings: BTreeMap::new(),
            fetched: vec![],
            wallpaper: None,
        }
    }

    fn mac_lower(&self) -> String {
        self.mac.to_ascii_lowercase()
    }

    /// `Yealink SIP-T46S 66.86.0.15 00:15:65:4a:a9:37`.
    pub fn user_agent(&self) -> String {
        let mac = self.mac_lower();
        let pairs: Vec<&str> = (0..6).map(|i| &mac[i * 2..i * 2 + 2]).collect();
        format!(
            "Yealink SIP-{} {} {}",
            self.model,
            self.running,
            pairs.join(":")
        )
    }

    fn common_file(&self) -> String {
        let number = COMMON_FILES
            .iter()
            .find(|(m, _)| *m == self.model)
            .map(|(_, n)| *n)
            .expect("a model of the table");
        format!("y{number:012}.cfg")
    }

    /// One boot against rcs (rcs is its provisioning server).
    pub async fn boot(&mut self, b: &Booth, client: &reqwest::Client) -> Ended {
        self.fetched.clear();
        let ua = self.user_agent();
        for file in [
            format!("{}.boot", self.mac_lower()),
            "y000000000000.boot".to_string(),
        ] {
            let got = fetch(b, client, &format!("/phone/{file}"), &ua).await;
            self.fetched.push(got.clone());
            match got.status {
                404 => {}
                200 => panic!("{file}: rcs answers no boot file (the phone would follow its include:config lines only)"),
                other => return Ended::Stopped(other),
            }
        }
        for file in [self.common_file(), format!("{}.cfg", self.mac_lower())] {
            let got = fetch(b, client, &format!("/phone/{file}"), &ua).await;
            self.fetched.push(got.clone());
            match got.status {
                200 => self.apply(&got.text()),
                404 => {}
                other => return Ended::Stopped(other),
            }
        }
        if let Some(url) = self.settings.get("wallpaper_upload.url").cloned() {
            let got = fetch(b, client, &url, &ua).await;
            assert_eq!(got.status, 200, "{url}");
            let name = url.rsplit('/').next().unwrap();
            assert_eq!(
                self.settings
                    .get("phone_setting.backgrounds")
                    .map(String::as_str),
                Some(format!("Config:{name}").as_str()),
                "the wallpaper shown is the one uploaded"
            );
            self.wallpaper = Some(got.body.clone());
            self.fetched.push(got);
        }
        for key in ["lcd_logo.url", "gui_lang.url"] {
            if let Some(url) = self.settings.get(key).cloned() {
                let got = fetch(b, client, &url, &ua).await;
                assert_eq!(got.status, 200, "{key} = {url}");
                self.fetched.push(got);
            }
        }
        let Some(url) = self.settings.get("static.firmware.url").cloned() else {
            return Ended::Configured;
        };
        let image = fetch(b, client, &url, &ua).await;
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
            other => panic!("{url} answered {other}"),
        }
    }

    /// Reads one file strictly: the first line exactly `#!version:1.0.0.1`, then blank lines,
    /// `#` comments and `key = value` lines (keys of lower-case letters, digits, `_` and `.`;
    /// values bare). `%NULL%` resets a key to its default.
    fn apply(&mut self, text: &str) {
        let mut lines = text.split('\n');
        assert_eq!(lines.next(), Some(HEADER), "the first line of {text:?}");
        for (n, line) in lines.enumerate() {
            let n = n + 2;
            assert!(!line.contains('\r'), "line {n}: {line:?}");
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("line {n}: {line:?} is not `key = value`"));
            let (key, value) = (key.trim(), value.trim());
            assert!(
                !key.is_empty()
                    && !key.starts_with('.')
                    && !key.ends_with('.')
                    && key.bytes().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'.'
                    }),
                "line {n}: bad key {key:?}"
            );
            assert!(!value.contains('"'), "line {n}: values are bare: {line:?}");
            if value == "%NULL%" {
                self.settings.remove(key);
            } else {
                self.settings.insert(key.to_string(), value.to_string());
            }
        }
    }

    /// Where the phone's later boots fetch their configuration.
    pub fn provisioning_server(&self) -> Option<&str> {
        self.settings
            .get("static.auto_provision.server.url")
            .map(String::as_str)
    }

    pub fn paths(&self) -> Vec<(String, u16)> {
        self.fetched
            .iter()
            .map(|f| (f.path.clone(), f.status))
            .collect()
    }
}

async fn a_t46s_upgrades_reboots_and_is_then_redirected(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, Some(RELEASE)).await;
    let client = b.phone_for(MAC);
    let mut phone = YealinkPhone::new(MAC, "T46S", "66.85.0.5");
    let mac = MAC.to_ascii_lowercase();

    assert_eq!(
        phone.boot(&b, &client).await,
        Ended::Rebooted(RELEASE.into())
    );
    assert_eq!(
        phone.paths(),
        [
            (format!("/phone/{mac}.boot"), 404),
            ("/phone/y000000000000.boot".to_string(), 404),
            ("/phone/y000000000066.cfg".to_string(), 200),
            (format!("/phone/{mac}.cfg"), 200),
            (format!("/phone/{MAC}/branding/logo.png"), 200),
            (
                "/phone/T46S%28T48S%2CT42S%2CT41S%29-66.86.0.15.rom".to_string(),
                200
            ),
        ]
    );
    assert_eq!(code(&phone.fetched[0].body), "not_for_this_phone");
    assert_eq!(phone.wallpaper.as_deref(), Some(PNG));
    assert_eq!(
        phone.provisioning_server(),
        None,
        "the redirect waits until the phone runs the pinned release"
    );

    assert_eq!(phone.boot(&b, &client).await, Ended::Configured);
    assert_eq!(phone.running, RELEASE);
    assert!(
        !phone.settings.contains_key("static.firmware.url"),
        "no link to an image outlives its boot"
    );
    assert_eq!(
        phone.fetched.len(),
        5,
        "no firmware step: {:?}",
        phone.paths()
    );
    assert_eq!(
        phone.provisioning_server(),
        Some("https://pbx.example.net:8443/cfg/")
    );

    // Two boots, two entries, each listing its files; the phone's record says what it is.
    let items = history_when(&b.app, &p.token, MAC, |items| {
        items.len() == 2 && files_in(&items[1]).len() == 6 && files_in(&items[0]).len() == 5
    })
    .await;
    let (second, first) = (&items[0], &items[1]);
    let (boot_file, mac_file) = (format!("{mac}.boot"), format!("{mac}.cfg"));
    assert_eq!(
        files_in(first),
        [
            boot_file.as_str(),
            "y000000000000.boot",
            "y000000000066.cfg",
            mac_file.as_str(),
            "logo.png",
            IMAGE
        ]
    );
    assert_eq!(first.outcome, BootOutcome::FirmwareSent);
    assert_eq!(first.vendor.as_deref(), Some("yealink"));
    assert_eq!(first.model.as_deref(), Some("T46S"));
    assert_eq!(first.firmware.as_deref(), Some("66.85.0.5"));
    assert!(
        first.detail.contains(&format!(
            "{IMAGE}: firmware 66.85.0.5 -> {RELEASE} downloaded"
        )),
        "{}",
        first.detail
    );
    assert!(first.detail.contains("held back"), "{}", first.detail);
    assert_eq!(
        files_in(second),
        [
            boot_file.as_str(),
            "y000000000000.boot",
            "y000000000066.cfg",
            mac_file.as_str(),
            "logo.png"
        ]
    );
    assert_eq!(second.outcome, BootOutcome::BrandingSent);
    assert_eq!(second.firmware.as_deref(), Some(RELEASE));
    assert!(
        second.detail.contains("redirect to \"Main PBX\""),
        "{}",
        second.detail
    );
    assert!(
        second
            .detail
            .contains(&format!("firmware {RELEASE} already running")),
        "{}",
        second.detail
    );

    let phone_record = record(&b.app, &p.token, MAC).await;
    assert_eq!(phone_record.vendor.as_deref(), Some("yealink"));
    assert_eq!(phone_record.model.as_deref(), Some("T46S"));
    assert_eq!(phone_record.reported_firmware.as_deref(), Some(RELEASE));
}

async fn a_downgrade_is_sent_too(engine: Engine) {
    let b = booth(engine).await;
    provision(&b.app, "Acme", MAC, Some(RELEASE)).await;
    let mut phone = YealinkPhone::new(MAC, "T46S", "66.87.0.1");
    let client = b.phone_for(MAC);
    assert_eq!(
        phone.boot(&b, &client).await,
        Ended::Rebooted(RELEASE.into())
    );
    assert_eq!(phone.boot(&b, &client).await, Ended::Configured);
    assert!(phone.provisioning_server().is_some());
}

async fn a_model_without_an_image_is_redirected_at_once_with_a_warning(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, Some(RELEASE)).await;
    let mut phone = YealinkPhone::new(MAC, "T54W", "96.85.0.5");
    let client = b.phone_for(MAC);
    assert_eq!(phone.boot(&b, &client).await, Ended::Configured);
    assert_eq!(phone.fetched[2].path, "/phone/y000000000096.cfg");
    assert_eq!(
        phone.provisioning_server(),
        Some("https://pbx.example.net:8443/cfg/"),
        "nothing to wait for: the phone goes on to its server"
    );
    let items = history_when(&b.app, &p.token, MAC, |items| {
        items.len() == 1 && files_in(&items[0]).len() == 5
    })
    .await;
    assert!(
        items[0].detail.contains(&format!(
            "warning: firmware {RELEASE} has no image for model T54W"
        )),
        "{}",
        items[0].detail
    );
    assert_eq!(
        record(&b.app, &p.token, MAC).await.model.as_deref(),
        Some("T54W")
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
    let mut phone = YealinkPhone::new(MAC, "T46S", RELEASE);
    let client = b.phone_for(MAC);
    assert_eq!(phone.boot(&b, &client).await, Ended::Configured);
    assert_eq!(phone.wallpaper.as_deref(), Some(PNG));
    assert_eq!(phone.provisioning_server(), None);
    let mac_file = phone.fetched[3].text();
    assert!(
        mac_file.contains("# no configuration server is assigned"),
        "{mac_file}"
    );
}

async fn an_unregistered_phone_is_told_nothing(engine: Engine) {
    let b = booth(engine).await;
    provision(&b.app, "Acme", MAC, None).await;
    let stranger = "0015654AA9FF";
    let mut phone = YealinkPhone::new(stranger, "T46S", "66.85.0.5");
    assert_eq!(
        phone.boot(&b, &b.phone_for(stranger)).await,
        Ended::Configured
    );
    assert_eq!(phone.fetched.len(), 4, "{:?}", phone.paths());
    for got in &phone.fetched {
        assert_eq!(got.status, 404, "{}", got.path);
        assert_eq!(code(&got.body), "phone_not_registered", "{}", got.path);
    }
    assert!(phone.settings.is_empty());
}

async fn a_foreign_certificate_or_none_is_refused(engine: Engine) {
    let b = booth(engine).await;
    provision(&b.app, "Acme", MAC, Some(RELEASE)).await;
    let ua = YealinkPhone::new(MAC, "T46S", "66.85.0.5").user_agent();
    let foreign = TestCa::new("Somebody Else's CA");
    let impostor = b.phone(Some(&foreign.issue(Some(MAC), &[])));
    let mac = MAC.to_ascii_lowercase();
    for file in [
        format!("{mac}.boot"),
        "y000000000066.cfg".to_string(),
        format!("{mac}.cfg"),
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
    let mut anonymous = YealinkPhone::new(MAC, "T46S", "66.85.0.5");
    assert_eq!(
        anonymous.boot(&b, &b.phone(None)).await,
        Ended::Stopped(401)
    );
    assert_eq!(code(&anonymous.fetched[0].body), "certificate_required");
    let got = fetch(&b, &b.phone(None), "/phone/y000000000066.cfg", &ua).await;
    assert_eq!(got.status, 401);
    assert_eq!(code(&got.body), "certificate_required");
    // A certificate for one phone does not fetch another's file.
    let got = fetch(
        &b,
        &b.phone_for("0015654AA9FE"),
        &format!("/phone/{mac}.cfg"),
        "",
    )
    .await;
    assert_eq!(got.status, 403);
    assert_eq!(code(&got.body), "certificate_mac_mismatch");
}
