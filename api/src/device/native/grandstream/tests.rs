use rcs_shared::BootOutcome;

use super::*;
use crate::db::device::{DevicePhone, StoredFile};

const MAC: &str = "000B82123456";

#[test]
fn reads_the_phones_user_agents() {
    let r = Grandstream
        .user_agent("Grandstream Model HW GXP2170 SW 1.0.11.85 DevId 000b82123456")
        .unwrap()
        .unwrap();
    assert_eq!(r.model.as_deref(), Some("GXP2170"));
    assert_eq!(r.firmware.as_deref(), Some("1.0.11.85"));
    assert_eq!(r.mac.unwrap().as_str(), MAC);
    let r = Grandstream
        .user_agent("Grandstream Model HW GXV3350  V1.3A SW 1.0.1.8 DevId c074ad150b88")
        .unwrap()
        .unwrap();
    assert_eq!(r.model.as_deref(), Some("GXV3350"));
    assert_eq!(r.firmware.as_deref(), Some("1.0.1.8"));
    let r = Grandstream
        .user_agent(
            "Grandstream GXP2000 (gxp2000e.bin:1.2.5.3/boot55e.bin:1.1.6.9) DevId 000b822726c8",
        )
        .unwrap()
        .unwrap();
    assert_eq!(r.model.as_deref(), Some("GXP2000"));
    assert_eq!(r.firmware.as_deref(), Some("1.2.5.3"));
    assert_eq!(r.mac.unwrap().as_str(), "000B822726C8");

    assert!(Grandstream
        .user_agent("Aastra6757i MAC:00-08-5D-1A-2B-3C V:3.2.2.1136-SIP")
        .is_none());
    assert!(Grandstream.user_agent("curl/8.5.0").is_none());
    for malformed in [
        "Grandstream Model HW GXP2170 SW banana DevId 000b82123456",
        "Grandstream Model HW GXP2170 SW 1.0.11.85 DevId 000b8212345",
        "Grandstream Model HW GXP2170 SW 1.0.11.85 DevId 01005e000001",
        "Grandstream Model HW GXP2170 SW 1.0.11.85 DevId",
        "Grandstream Model HW",
        "Grandstream Model SW 1.0.11.85",
        "Grandstream Model HW GXP<2170> SW 1.0.11.85",
        "Grandstream GXP2000 (gxp2000e.bin) DevId 000b822726c8",
        "Grandstream",
    ] {
        assert!(
            Grandstream.user_agent(malformed).unwrap().is_err(),
            "{malformed}"
        );
    }
    assert_eq!(Grandstream.model("gxp2170").unwrap(), "GXP2170");
    assert!(Grandstream.model("GXP 2170").is_err());
}

#[test]
fn knows_the_files_of_its_boot_sequence() {
    let c = |f: &str| Grandstream.classify(f);
    let per_phone = |f: &str| matches!(c(f).unwrap().kind, Kind::PerPhone(m) if m.as_str() == MAC);
    assert!(per_phone("cfg000b82123456.xml"));
    assert!(c("cfg000b82123456.xml").unwrap().starts_boot);
    for f in ["cfg000b82123456", "cfg000b82123456.bin"] {
        assert!(per_phone(f), "{f}");
        assert!(!c(f).unwrap().starts_boot, "{f}");
    }
    let model = c("cfggxp2170.xml").unwrap();
    assert_eq!(
        (model.kind, model.model.as_deref()),
        (Kind::Common, Some("GXP2170"))
    );
    assert_eq!(
        c("cfggrp2612w.xml").unwrap().model.as_deref(),
        Some("GRP2612W")
    );
    assert_eq!(c("cfg.xml").unwrap().kind, Kind::Common);
    let image = c("gxp2170fw.bin").unwrap();
    assert_eq!(
        (image.kind, image.model.as_deref()),
        (Kind::Image, Some("GXP2170"))
    );
    assert!(!image.starts_boot);
    for other in [
        "aastra.cfg",
        "6757i.st",
        "y000000000028.cfg",
        "000b82123456.cfg",
        "0004f2a1b2c3-rcs.cfg",
        "snomD785.htm",
        "snomD785-10.1.215.13-SIP-r.bin",
        "3111-46157-001.sip.ld",
        "cfg000B82123456.xml",
        "CFG000b82123456.xml",
        "cfg000b82123456.XML",
        "cfg000000000000.xml",
        "cfggxp2170",
        "cfgx.xml",
        "GXP2170fw.bin",
        "fw.bin",
        "evil/../cfg000b82123456.xml",
    ] {
        assert!(c(other).is_none(), "{other}");
    }
}

fn plan(model: &str, running: &str, server: Option<&str>) -> Plan {
    let phone = DevicePhone {
        account_id: 1,
        suspended: false,
        firmware: Some("1.0.11.85".into()),
        release_vendor: Some("grandstream".into()),
        reported_firmware: None,
        server: server.map(|url| ("Main".into(), url.into())),
        branding: Some((
            "Acme".into(),
            vec![StoredFile {
                name: "logo.png".into(),
                sha256: "a".into(),
                size: 1,
            }],
        )),
        image: (model == "GXP2170").then(|| StoredFile {
            name: "gxp2170fw.bin".into(),
            sha256: "d".into(),
            size: 1,
        }),
    };
    Plan::new(
        Mac::parse(MAC).unwrap(),
        Vendor::Grandstream,
        &phone,
        Some(model.into()),
        Some(running.into()),
        "https://rcs.example.net:8443",
    )
}

/// The P-values of a rendered file, strictly: the documented root and shape.
fn values(r: &Rendered) -> Vec<(String, String)> {
    let body = r.body.as_deref().expect("a body");
    let doc = roxmltree::Document::parse(body).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(
        (root.tag_name().name(), root.attribute("version")),
        ("gs_provision", Some("1"))
    );
    let mac = root.children().find(|n| n.has_tag_name("mac")).unwrap();
    assert_eq!(mac.text(), Some("000b82123456"));
    let config = root.children().find(|n| n.has_tag_name("config")).unwrap();
    assert_eq!(config.attribute("version"), Some("1"));
    config
        .children()
        .filter(|n| n.is_element())
        .map(|n| {
            (
                n.tag_name().name().to_string(),
                n.text().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_settings_point_at_the_image_while_due_then_redirect() {
    let req = Grandstream.classify("cfg000b82123456.xml").unwrap();
    let server = Some("https://bob:s3cret@pbx.example.net:8443/cfg/");
    let due = Grandstream.render(&req, &plan("GXP2170", "1.0.9.100", server));
    assert_eq!(
        values(&due),
        pairs(&[
            ("P212", "2"),
            ("P192", "rcs.example.net:8443/phone"),
            ("P232", ""),
            ("P233", ""),
            ("P238", "0"),
        ])
    );
    assert!(due.said.starts_with("cfg000b82123456.xml: warning: branding \"Acme\" files with no Grandstream key not sent: logo.png"), "{}", due.said);
    assert!(due.said.contains("held back"), "{}", due.said);
    assert_eq!(due.outcome, BootOutcome::Redirected);

    let after = Grandstream.render(&req, &plan("GXP2170", "1.0.11.85", server));
    assert_eq!(
        values(&after),
        pairs(&[
            ("P212", "2"),
            ("P237", "pbx.example.net:8443/cfg/"),
            ("P1360", "bob"),
            ("P1361", "s3cret"),
            ("P145", "0"),
        ])
    );
    assert!(
        after.said.contains("redirect to \"Main\""),
        "{}",
        after.said
    );

    let no_image = Grandstream.render(
        &req,
        &plan("GXP2160", "1.0.9.100", Some("http://pbx.example.net/p")),
    );
    assert_eq!(
        values(&no_image),
        pairs(&[("P212", "1"), ("P237", "pbx.example.net/p"), ("P145", "0")])
    );
    assert!(no_image
        .said
        .contains("warning: firmware 1.0.11.85 has no image for model GXP2160"));

    let ftp = Grandstream.render(
        &req,
        &plan("GXP2160", "1.0.9.100", Some("ftp://pbx.example.net/p")),
    );
    assert!(values(&ftp).is_empty());
    assert!(
        ftp.said
            .contains("warning: Grandstream has no verified P212 value for ftp://"),
        "{}",
        ftp.said
    );

    let none = Grandstream.render(&req, &plan("GXP2160", "1.0.9.100", None));
    assert!(values(&none).is_empty());
    assert!(none
        .body
        .unwrap()
        .contains("no configuration server is assigned"));
    assert!(!none.said.contains(" | "));
}

#[test]
fn other_files_are_missing() {
    let p = plan("GXP2170", "1.0.11.85", None);
    for f in [
        "cfg000b82123456",
        "cfg000b82123456.bin",
        "cfggxp2170.xml",
        "cfg.xml",
    ] {
        let r = Grandstream.render(&Grandstream.classify(f).unwrap(), &p);
        assert_eq!(r.body, None, "{f}");
        assert!(
            r.said.starts_with(&format!("{f}: not offered")),
            "{}",
            r.said
        );
    }
}
