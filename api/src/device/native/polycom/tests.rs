use super::*;
use crate::db::device::{DevicePhone, StoredFile};

const MAC: &str = "0004F2A1B2C3";

#[test]
fn reads_the_phones_user_agents() {
    let r = Polycom
        .user_agent("FileTransport PolycomVVX-VVX_400-UA/4.1.4.7430 Type/Application")
        .unwrap()
        .unwrap();
    assert_eq!(r.model.as_deref(), Some("VVX400"));
    assert_eq!(r.firmware.as_deref(), Some("4.1.4.7430"));
    assert_eq!(r.mac, None, "the User-Agent carries no MAC");

    // The Updater and untyped (older) requests carry the Updater's or BootROM's version.
    for ua in [
        "FileTransport PolycomSoundStationIP-SSIP_6000-UA/5.0.3.1667 Type/Updater",
        "FileTransport PolycomSoundPointIP-SPIP_335-UA/3.2.1.0078",
    ] {
        let r = Polycom.user_agent(ua).unwrap().unwrap();
        assert!(
            r.model
                .as_deref()
                .is_some_and(|m| m == "SSIP6000" || m == "SPIP335"),
            "{ua}"
        );
        assert_eq!(r.firmware, None, "{ua}: not the application's version");
    }
    assert!(Polycom
        .user_agent("Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:cc")
        .is_none());
    assert!(Polycom.user_agent("FileTransport Other-X-UA/1.0").is_none());
    assert!(Polycom.user_agent("curl/8.5.0").is_none());
    for malformed in [
        "FileTransport PolycomVVX-VVX_400-UA/banana Type/Application",
        "FileTransport PolycomVVX-VVX_400-UA/ Type/Updater",
        "FileTransport PolycomVVX--UA/4.1.4.7430 Type/Application",
        "FileTransport PolycomVVX-VVX<400>-UA/4.1.4.7430",
        "FileTransport PolycomVVX-VVX_400 Type/Application",
        "FileTransport Polycom-VVX_400-UA/4.1.4.7430",
        "FileTransport Polycom",
    ] {
        assert!(
            Polycom.user_agent(malformed).unwrap().is_err(),
            "{malformed}"
        );
    }
    assert_eq!(Polycom.model("vvx_400").unwrap(), "VVX400");
    assert!(Polycom.model("VVX 400").is_err());
}

#[test]
fn knows_the_files_of_its_boot_sequence() {
    let c = |f: &str| Polycom.classify(f);
    let per_phone = |f: &str| matches!(c(f).unwrap().kind, Kind::PerPhone(m) if m.as_str() == MAC);
    assert!(per_phone("0004f2a1b2c3.cfg"));
    assert!(c("0004f2a1b2c3.cfg").unwrap().starts_boot);
    assert!(per_phone("0004F2A1B2C3.cfg"), "either case");
    assert_eq!(c("000000000000.cfg").unwrap().kind, Kind::Common);
    assert!(
        !c("000000000000.cfg").unwrap().starts_boot,
        "only after the phone's own"
    );
    for f in [
        "0004f2a1b2c3-rcs.cfg",
        "0004f2a1b2c3-phone.cfg",
        "0004f2a1b2c3-license.cfg",
        "0004f2a1b2c3-directory.xml",
    ] {
        assert!(per_phone(f), "{f}");
        assert!(!c(f).unwrap().starts_boot, "{f}");
    }
    for f in ["000000000000-license.cfg", "000000000000-directory.xml"] {
        assert_eq!(c(f).unwrap().kind, Kind::Common, "{f}");
    }
    for f in [
        "3111-46157-001.sip.ld",
        "sip.ld",
        "bootrom.ld",
        "2345-12600-001.bootrom.ld",
    ] {
        assert_eq!(c(f).unwrap().kind, Kind::Image, "{f}");
    }
    for other in [
        "aastra.cfg",
        "6757i.cfg",
        "6757i.st",
        "y000000000028.cfg",
        "0015651a2b3c.boot",
        "snomD785.htm",
        "cfg000b82123456.xml",
        "gxp2170fw.bin",
        "0004f2a1b2c3-web.cfg",
        "0004F2a1b2c3.cfg",
        "0004f2a1b2c3.CFG",
        "000000000000-rcs.cfg",
        "111-46157-001.sip.ld",
        "x.sip.ld",
        "evil/../0004f2a1b2c3.cfg",
    ] {
        assert!(c(other).is_none(), "{other}");
    }
}

fn plan(model: &str, running: Option<&str>, branding: Vec<&str>) -> Plan {
    let phone = DevicePhone {
        account_id: 1,
        suspended: false,
        firmware: Some("6.4.6.2100".into()),
        release_vendor: Some("polycom".into()),
        reported_firmware: None,
        server: Some((
            "Main".into(),
            "https://bob:s3cret@pbx.example.net:8443/cfg/".into(),
        )),
        branding: Some((
            "Acme".into(),
            branding
                .into_iter()
                .map(|name| StoredFile {
                    name: name.into(),
                    sha256: "a".into(),
                    size: 1,
                })
                .collect(),
        )),
        image: (model == "VVX400").then(|| StoredFile {
            name: "3111-46157-001.sip.ld".into(),
            sha256: "d".into(),
            size: 1,
        }),
    };
    Plan::new(
        Mac::parse(MAC).unwrap(),
        Vendor::Polycom,
        &phone,
        Some(model.into()),
        running.map(str::to_string),
        "https://rcs.example.net",
    )
}

fn render(file: &str, plan: &Plan) -> (Rendered, roxmltree::Document<'static>) {
    let r = Polycom.render(&Polycom.classify(file).unwrap(), plan);
    let body: &'static str = Box::leak(r.body.clone().expect("a body").into_boxed_str());
    let doc = roxmltree::Document::parse(body).expect("well-formed XML");
    (r, doc)
}

#[test]
fn the_master_names_the_image_only_while_it_is_due() {
    let (due, doc) = render(
        "0004f2a1b2c3.cfg",
        &plan("VVX400", Some("5.9.6.2327"), vec![]),
    );
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "APPLICATION");
    assert_eq!(
        root.attribute("APP_FILE_PATH"),
        Some("https://rcs.example.net/phone/3111-46157-001.sip.ld")
    );
    assert_eq!(root.attribute("CONFIG_FILES"), Some("0004f2a1b2c3-rcs.cfg"));
    assert!(due.said.starts_with("0004f2a1b2c3.cfg: APP_FILE_PATH 3111-46157-001.sip.ld (firmware 5.9.6.2327 -> 6.4.6.2100)"), "{}", due.said);

    let (updater, _) = render("0004f2a1b2c3.cfg", &plan("VVX400", None, vec![]));
    assert!(
        updater.said.contains("takes the image only if it differs"),
        "{}",
        updater.said
    );

    let (running, doc) = render(
        "0004f2a1b2c3.cfg",
        &plan("VVX400", Some("6.4.6.2100"), vec![]),
    );
    assert_eq!(
        doc.root_element().attribute("APP_FILE_PATH"),
        Some("sip.ld")
    );
    assert!(running.said.contains("keeps its software"));
    assert!(!running.said.contains(" | "));
}

#[test]
fn the_settings_brand_then_redirect_once_the_firmware_runs() {
    let files = vec!["logo.png", "notes.pdf"];
    let (due, doc) = render(
        "0004f2a1b2c3-rcs.cfg",
        &plan("VVX400", Some("5.9.6.2327"), files.clone()),
    );
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "polycomConfig");
    let bg = root.children().find(|n| n.has_tag_name("bg")).unwrap();
    assert_eq!(
        bg.attribute("bg.color.bm.1.name"),
        Some("https://rcs.example.net/phone/0004F2A1B2C3/branding/logo.png")
    );
    assert_eq!(bg.attribute("bg.color.selection"), Some("2,1"));
    assert!(
        root.descendants()
            .all(|n| n.attribute("device.prov.serverName").is_none()),
        "held back"
    );
    assert_eq!(due.outcome, BootOutcome::BrandingSent);
    assert!(
        due.said
            .contains("warning: branding \"Acme\" files with no Poly key not sent: notes.pdf"),
        "{}",
        due.said
    );
    assert!(due.said.contains("held back"), "{}", due.said);

    let (after, doc) = render(
        "0004f2a1b2c3-rcs.cfg",
        &plan("VVX400", Some("6.4.6.2100"), files),
    );
    let device = doc
        .root_element()
        .children()
        .find(|n| n.has_tag_name("device"))
        .unwrap();
    for (name, value) in [
        ("device.set", "1"),
        ("device.prov.serverType", "HTTPS"),
        ("device.prov.serverType.set", "1"),
        ("device.prov.serverName", "pbx.example.net:8443/cfg/"),
        ("device.prov.serverName.set", "1"),
        ("device.prov.user", "bob"),
        ("device.prov.password", "s3cret"),
        ("device.dhcp.bootSrvUseOpt", "Static"),
    ] {
        assert_eq!(device.attribute(name), Some(value), "{name}");
    }
    assert!(
        after.said.contains("redirect to \"Main\""),
        "{}",
        after.said
    );

    let (no_image, _) = render(
        "0004f2a1b2c3-rcs.cfg",
        &plan("VVX500", Some("5.9.6.2327"), vec!["a--b.pdf"]),
    );
    assert!(no_image
        .said
        .contains("warning: firmware 6.4.6.2100 has no image for model VVX500"));
    assert_eq!(no_image.outcome, BootOutcome::Redirected, "nothing branded");
}

#[test]
fn files_rcs_does_not_have_are_missing() {
    let p = plan("VVX400", Some("6.4.6.2100"), vec![]);
    for f in [
        "0004f2a1b2c3-phone.cfg",
        "000000000000-license.cfg",
        "0004f2a1b2c3-directory.xml",
    ] {
        let r = Polycom.render(&Polycom.classify(f).unwrap(), &p);
        assert_eq!(r.body, None, "{f}");
        assert!(
            r.said.starts_with(&format!("{f}: not offered")),
            "{}",
            r.said
        );
    }
    let (_, doc) = render("000000000000.cfg", &p);
    assert_eq!(
        doc.root_element().attribute("CONFIG_FILES"),
        Some("0004f2a1b2c3-rcs.cfg")
    );
}
