//! A Poly (Polycom) VVX's boot, as the administrator guides describe it: the Updater fetches
//! the master configuration file `<mac>.cfg` (if that is missing, `000000000000.cfg`), an XML
//! `<APPLICATION APP_FILE_PATH=".." CONFIG_FILES=".."/>`, and takes the image APP_FILE_PATH
//! names when it differs from the one in its flash (a missing image: it keeps its flash).
//! The application then reads the master again and fetches CONFIG_FILES in order, the first
//! occurrence of a setting winning; then its overrides `<mac>-phone.cfg`, the licence and
//! directory files, and the background picture its settings name. Settings are attributes
//! under `<polycomConfig>`; `device.*` ones apply only with `device.set="1"` and their own
//! `.set="1"`, and `device.prov.*` make later boots fetch from that server. The Updater's
//! User-Agent says `Type/Updater` and the Updater's own version, the application's
//! `Type/Application` and the release it runs.
//!
//! One power-on is one history entry: the Updater's master request begins it, and the
//! application's files go on with it.

use std::collections::BTreeMap;

use rcs_shared::BootOutcome;

use super::{code, fetch, files_in, history_when, record, release_of_image, Fetched};
use crate::helpers::device::{booth, provision, Booth, PNG};
use crate::helpers::pki::TestCa;
use crate::helpers::{routes, Engine};
use crate::on_both_engines;

on_both_engines!(
    a_vvx400_takes_its_image_from_the_updater_and_the_application_is_redirected,
    a_vvx400_already_on_the_pinned_release_keeps_its_flash_and_is_redirected,
    a_downgrade_is_sent_too,
    a_model_without_an_image_is_redirected_at_once_with_a_warning,
    an_unaffiliated_phone_is_branded_but_not_redirected,
    refusals_are_clear_and_the_macs_maker_decides_without_a_user_agent,
);

/// A Poly phone with the Polycom OUI.
pub const MAC: &str = "0004F2A1B2C3";
const PINNED: &str = "6.4.6.2100";
const IMAGE: &str = "3111-46157-001.sip.ld";
/// The master's attributes (SIP 3.1 Administrator's Guide, p. A-2).
const MASTER_ATTRIBUTES: [&str; 7] = [
    "APP_FILE_PATH",
    "CONFIG_FILES",
    "MISC_FILES",
    "LOG_FILE_DIRECTORY",
    "OVERRIDES_DIRECTORY",
    "CONTACTS_DIRECTORY",
    "LICENSE_DIRECTORY",
];

/// A Poly phone: what it runs, what it read this boot, and its device settings (kept in
/// flash across boots).
pub struct PolyPhone {
    pub mac: String,
    /// `VVX`, `SoundPointIP`.
    pub family: String,
    /// As the User-Agent spells it: `VVX_400`.
    pub model: String,
    pub running: String,
    pub updater: String,
    pub settings: BTreeMap<String, String>,
    pub device: BTreeMap<String, String>,
    pub fetched: Vec<Fetched>,
    pub background: Option<Vec<u8>>,
}

/// How a power-on ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// The Updater took a new image, and the application went on running this release.
    Upgraded(String),
    /// The application went on with the software it had.
    Configured,
    /// No master configuration file: the phone boots what it has (this status).
    Stopped(u16),
}

/// What a master configuration file says.
struct Master {
    app_file_path: String,
    config_files: Vec<String>,
}

impl PolyPhone {
    pub fn new(mac: &str, model: &str, running: &str) -> PolyPhone {
        PolyPhone {
            mac: mac.to_string(),
            family: "VVX".into(),
            model: model.to_string(),
            running: running.to_string(),
            updater: "6.0.0.4000".into(),
            settings: BTreeMap::new(),
            device: BTreeMap::new(),
            fetched: vec![],
            background: None,
        }
    }

    /// `FileTransport PolycomVVX-VVX_400-UA/6.4.6.2100 Type/Application`.
    pub fn user_agent(&self, part: &str, version: &str) -> String {
        format!(
            "FileTransport Polycom{}-{}-UA/{version} Type/{part}",
            self.family, self.model
        )
    }

    fn lower_mac(&self) -> String {
        self.mac.to_ascii_lowercase()
    }

    /// One power-on against rcs (its boot server).
    pub async fn boot(&mut self, b: &Booth, client: &reqwest::Client) -> Ended {
        self.fetched.clear();
        self.settings.clear();
        let ua = self.user_agent("Updater", &self.updater.clone());
        let master = match self.master(b, client, &ua).await {
            Ok(master) => master,
            Err(status) => return Ended::Stopped(status),
        };
        let upgraded = self
            .updater_takes_image(b, client, &ua, &master.app_file_path)
            .await;

        let ua = self.user_agent("Application", &self.running.clone());
        let master = self
            .master(b, client, &ua)
            .await
            .expect("the application reads the master too");
        for file in &master.config_files {
            let got = self.get(b, client, &format!("/phone/{file}"), &ua).await;
            match got.status {
                200 => self.apply(&got.text()),
                404 => {}
                other => panic!("{file}: {other}"),
            }
        }
        let mac = self.lower_mac();
        for file in [
            format!("{mac}-phone.cfg"),
            "000000000000-license.cfg".to_string(),
            format!("{mac}-license.cfg"),
            format!("{mac}-directory.xml"),
        ] {
            let got = self.get(b, client, &format!("/phone/{file}"), &ua).await;
            assert_eq!(got.status, 404, "{file}: rcs has none");
        }
        // The site directory is the fallback of a missing per-phone one.
        let got = self
            .get(b, client, "/phone/000000000000-directory.xml", &ua)
            .await;
        assert_eq!(got.status, 404);

        if let Some(url) = self.settings.get("bg.color.bm.1.name").cloned() {
            assert_eq!(
                self.settings.get("bg.color.selection").map(String::as_str),
                Some("2,1")
            );
            let got = self.get(b, client, &url, &ua).await;
            assert_eq!(got.status, 200, "{url}");
            self.background = Some(got.body);
        }
        self.apply_device_settings();
        match upgraded {
            Some(release) => Ended::Upgraded(release),
            None => Ended::Configured,
        }
    }

    async fn get(&mut self, b: &Booth, client: &reqwest::Client, path: &str, ua: &str) -> Fetched {
        let got = fetch(b, client, path, ua).await;
        self.fetched.push(got.clone());
        got
    }

    /// `<mac>.cfg`, else `000000000000.cfg`, parsed strictly.
    async fn master(
        &mut self,
        b: &Booth,
        client: &reqwest::Client,
        ua: &str,
    ) -> Result<Master, u16> {
        let own = format!("/phone/{}.cfg", self.lower_mac());
        let mut got = self.get(b, client, &own, ua).await;
        if got.status == 404 {
            got = self.get(b, client, "/phone/000000000000.cfg", ua).await;
        }
        if got.status != 200 {
            return Err(got.status);
        }
        let text = got.text();
        let doc = roxmltree::Document::parse(&text).expect("the master is well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "APPLICATION", "{text}");
        assert!(
            root.children().all(|n| !n.is_element()),
            "no per-model overrides expected: {text}"
        );
        for a in root.attributes() {
            assert!(
                MASTER_ATTRIBUTES.contains(&a.name()),
                "unknown master attribute {}",
                a.name()
            );
        }
        let app_file_path = root
            .attribute("APP_FILE_PATH")
            .expect("APP_FILE_PATH")
            .to_string();
        let config_files = root.attribute("CONFIG_FILES").expect("CONFIG_FILES");
        assert!(app_file_path.len() <= 255 && config_files.len() <= 2047);
        let config_files: Vec<String> = config_files
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|f| {
                assert!(
                    f.len() <= 255 && !f.contains('/'),
                    "{f}: a file in this path"
                );
                f.replace("[PHONE_MAC_ADDRESS]", &self.lower_mac())
            })
            .collect();
        Ok(Master {
            app_file_path,
            config_files,
        })
    }

    /// The Updater compares the image with its flash: a different one is flashed.
    async fn updater_takes_image(
        &mut self,
        b: &Booth,
        client: &reqwest::Client,
        ua: &str,
        app_file_path: &str,
    ) -> Option<String> {
        let path = if app_file_path.contains("://") {
            assert!(
                app_file_path.starts_with(&format!("{}/phone/", b.app.base)),
                "{app_file_path}: rcs's own path"
            );
            app_file_path.to_string()
        } else {
            format!("/phone/{app_file_path}")
        };
        let image = self.get(b, client, &path, ua).await;
        match image.status {
            200 => {
                let release = release_of_image(&image.body);
                (release != self.running).then(|| {
                    self.running = release.clone();
                    release
                })
            }
            404 => None,
            other => panic!("{app_file_path}: {other}"),
        }
    }

    /// One CONFIG_FILES file, strictly: root `polycomConfig`, settings are attributes of any
    /// element under it; a setting already read from an earlier file keeps its value.
    fn apply(&mut self, text: &str) {
        let doc =
            roxmltree::Document::parse(text).expect("configuration files are well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "polycomConfig", "{text}");
        for node in root.descendants().filter(|n| n.is_element()) {
            for a in node.attributes() {
                assert!(
                    !a.name().is_empty()
                        && a.name()
                            .bytes()
                            .all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'_'),
                    "bad parameter name {:?}",
                    a.name()
                );
                self.settings
                    .entry(a.name().to_string())
                    .or_insert_with(|| a.value().to_string());
            }
        }
    }

    /// `device.*` settings apply only with `device.set` and their own `.set`.
    fn apply_device_settings(&mut self) {
        if self.settings.get("device.set").map(String::as_str) != Some("1") {
            return;
        }
        let set: Vec<(String, String)> = self
            .settings
            .iter()
            .filter(|(k, _)| k.starts_with("device.") && !k.ends_with(".set") && *k != "device.set")
            .filter(|(k, _)| {
                self.settings.get(&format!("{k}.set")).map(String::as_str) == Some("1")
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.device.extend(set);
    }

    /// Where the phone's later boots fetch their configuration.
    pub fn configuration_server(&self) -> Option<String> {
        let kind = self
            .device
            .get("device.prov.serverType")?
            .to_ascii_lowercase();
        let name = &self.device["device.prov.serverName"];
        assert_eq!(
            self.device
                .get("device.dhcp.bootSrvUseOpt")
                .map(String::as_str),
            Some("Static")
        );
        let user = match (
            self.device.get("device.prov.user"),
            self.device.get("device.prov.password"),
        ) {
            (Some(u), Some(p)) => format!("{u}:{p}@"),
            (Some(u), None) => format!("{u}@"),
            _ => String::new(),
        };
        Some(format!("{kind}://{user}{name}"))
    }

    pub fn paths(&self) -> Vec<(String, u16)> {
        self.fetched
            .iter()
            .map(|f| (f.path.clone(), f.status))
            .collect()
    }
}

/// The files of the application's part of a boot, after its master.
fn application_files(mac: &str) -> Vec<String> {
    let mac = mac.to_ascii_lowercase();
    vec![
        format!("{mac}.cfg"),
        format!("{mac}-rcs.cfg"),
        format!("{mac}-phone.cfg"),
        "000000000000-license.cfg".into(),
        format!("{mac}-license.cfg"),
        format!("{mac}-directory.xml"),
        "000000000000-directory.xml".into(),
    ]
}

async fn a_vvx400_takes_its_image_from_the_updater_and_the_application_is_redirected(
    engine: Engine,
) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, Some(PINNED)).await;
    let client = b.phone_for(MAC);
    let mut phone = PolyPhone::new(MAC, "VVX_400", "5.9.6.2327");

    assert_eq!(
        phone.boot(&b, &client).await,
        Ended::Upgraded(PINNED.into())
    );
    let mac = MAC.to_ascii_lowercase();
    let mut expected = vec![
        (format!("/phone/{mac}.cfg"), 200),
        (format!("/phone/{IMAGE}"), 200),
    ];
    for (i, file) in application_files(MAC).into_iter().enumerate() {
        expected.push((format!("/phone/{file}"), if i < 2 { 200 } else { 404 }));
    }
    expected.push((format!("/phone/{MAC}/branding/logo.png"), 200));
    assert_eq!(phone.paths(), expected);
    assert_eq!(phone.background.as_deref(), Some(PNG));
    assert_eq!(
        phone.configuration_server().as_deref(),
        Some("https://pbx.example.net:8443/cfg/"),
        "the application runs the pinned release: redirected"
    );

    // One power-on, one entry listing the Updater's and the application's files in order.
    let mut listed = vec![format!("{mac}.cfg"), IMAGE.to_string()];
    listed.extend(application_files(MAC));
    listed.push("logo.png".into());
    let items = history_when(&b.app, &p.token, MAC, |items| {
        items.len() == 1 && files_in(&items[0]).len() == listed.len()
    })
    .await;
    let boot = &items[0];
    assert_eq!(files_in(boot), listed);
    assert_eq!(boot.outcome, BootOutcome::FirmwareSent);
    assert_eq!(boot.vendor.as_deref(), Some("polycom"));
    assert_eq!(boot.model.as_deref(), Some("VVX400"));
    assert_eq!(
        boot.firmware.as_deref(),
        Some(PINNED),
        "the application says which release runs; the Updater does not"
    );
    for part in [
        format!("{IMAGE}: firmware unknown -> {PINNED} downloaded"),
        "APP_FILE_PATH sip.ld".to_string(),
        format!("firmware {PINNED} already running; redirect to \"Main PBX\""),
    ] {
        assert!(boot.detail.contains(&part), "{part}: {}", boot.detail);
    }

    let phone_record = record(&b.app, &p.token, MAC).await;
    assert_eq!(phone_record.vendor.as_deref(), Some("polycom"));
    assert_eq!(phone_record.model.as_deref(), Some("VVX400"));
    assert_eq!(phone_record.reported_firmware.as_deref(), Some(PINNED));
}

/// The Updater's User-Agent does not say which release runs. At the phone's first boot rcs
/// knows nothing else, so the master names the pinned image; the phone compares it with its
/// flash and keeps what it has (rcs's history counts that download: the phone drops it after
/// the header, a known limit). From then on rcs goes by what the application said it runs,
/// and the next power-on is offered no image.
async fn a_vvx400_already_on_the_pinned_release_keeps_its_flash_and_is_redirected(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, Some(PINNED)).await;
    let mut phone = PolyPhone::new(MAC, "VVX_400", PINNED);
    assert_eq!(phone.boot(&b, &b.phone_for(MAC)).await, Ended::Configured);
    assert_eq!(phone.running, PINNED);
    assert_eq!(phone.fetched[1].path, format!("/phone/{IMAGE}"));
    assert!(phone.configuration_server().is_some());
    let items = history_when(&b.app, &p.token, MAC, |items| {
        items.len() == 1 && items[0].firmware.is_some()
    })
    .await;
    assert!(
        items[0]
            .detail
            .contains("takes the image only if it differs"),
        "{}",
        items[0].detail
    );

    assert_eq!(phone.boot(&b, &b.phone_for(MAC)).await, Ended::Configured);
    assert_eq!(
        phone.fetched[1].path, "/phone/sip.ld",
        "the second power-on is offered no image"
    );
    let items = history_when(&b.app, &p.token, MAC, |items| {
        items.len() == 2 && files_in(&items[0]).len() == 10
    })
    .await;
    assert_eq!(items[0].outcome, BootOutcome::BrandingSent);
}

async fn a_downgrade_is_sent_too(engine: Engine) {
    let b = booth(engine).await;
    provision(&b.app, "Acme", MAC, Some(PINNED)).await;
    let mut phone = PolyPhone::new(MAC, "VVX_400", "7.1.0.1000");
    assert_eq!(
        phone.boot(&b, &b.phone_for(MAC)).await,
        Ended::Upgraded(PINNED.into())
    );
    assert!(phone.configuration_server().is_some());
}

async fn a_model_without_an_image_is_redirected_at_once_with_a_warning(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, Some(PINNED)).await;
    let mut phone = PolyPhone::new(MAC, "VVX_500", "5.9.6.2327");
    assert_eq!(phone.boot(&b, &b.phone_for(MAC)).await, Ended::Configured);
    assert_eq!(phone.fetched[1].path, "/phone/sip.ld", "no image named");
    assert_eq!(phone.fetched[1].status, 404);
    assert_eq!(
        phone.configuration_server().as_deref(),
        Some("https://pbx.example.net:8443/cfg/")
    );
    let items = history_when(&b.app, &p.token, MAC, |items| {
        items.len() == 1 && files_in(&items[0]).len() == 10
    })
    .await;
    assert!(
        items[0].detail.contains(&format!(
            "warning: firmware {PINNED} has no image for model VVX500"
        )),
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
    let mut phone = PolyPhone::new(MAC, "VVX_400", PINNED);
    assert_eq!(phone.boot(&b, &b.phone_for(MAC)).await, Ended::Configured);
    assert_eq!(phone.background.as_deref(), Some(PNG));
    assert_eq!(phone.configuration_server(), None);
    let settings = phone.fetched[3].text();
    assert!(
        settings.contains("no configuration server is assigned"),
        "{settings}"
    );
    let items = history_when(&b.app, &p.token, MAC, |items| {
        items.len() == 1 && files_in(&items[0]).len() == 10
    })
    .await;
    assert_eq!(items[0].outcome, BootOutcome::BrandingSent);
    assert!(
        items[0].detail.contains("no configuration server assigned"),
        "{}",
        items[0].detail
    );
}

async fn refusals_are_clear_and_the_macs_maker_decides_without_a_user_agent(engine: Engine) {
    let b = booth(engine).await;
    provision(&b.app, "Acme", MAC, None).await;
    let mac = MAC.to_ascii_lowercase();

    // An unregistered phone finds neither master.
    let stranger = "0004F2990001";
    let mut phone = PolyPhone::new(stranger, "VVX_400", PINNED);
    assert_eq!(
        phone.boot(&b, &b.phone_for(stranger)).await,
        Ended::Stopped(404)
    );
    assert_eq!(phone.fetched.len(), 2);
    assert!(phone
        .fetched
        .iter()
        .all(|f| code(&f.body) == "phone_not_registered"));

    // A certificate from a CA rcs does not trust, or none.
    let ua = PolyPhone::new(MAC, "VVX_400", PINNED).user_agent("Application", PINNED);
    let impostor = b.phone(Some(
        &TestCa::new("Somebody Else's CA").issue(Some(MAC), &[]),
    ));
    for file in [
        format!("{mac}.cfg"),
        "000000000000.cfg".into(),
        IMAGE.into(),
    ] {
        let got = fetch(&b, &impostor, &format!("/phone/{file}"), &ua).await;
        assert_eq!(got.status, 401, "{file}");
    }
    let got = fetch(&b, &b.phone(None), "/phone/000000000000.cfg", &ua).await;
    assert_eq!(
        (got.status, code(&got.body).as_str()),
        (401, "certificate_required")
    );

    // A Poly asking for another vendor's file.
    let client = b.phone_for(MAC);
    let got = fetch(&b, &client, "/phone/aastra.cfg", &ua).await;
    assert_eq!(
        (got.status, code(&got.body).as_str()),
        (400, "file_of_another_vendor")
    );

    // Without a User-Agent, `<mac>.cfg` (also other vendors' name) is the MAC's maker's.
    let got = fetch(&b, &client, &format!("/phone/{mac}.cfg"), "").await;
    assert_eq!(got.status, 200);
    let text = got.text();
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "APPLICATION");
}
