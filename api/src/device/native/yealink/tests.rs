use super::*;
use crate::db::device::{DevicePhone, StoredFile};

fn read(ua: &str) -> Reported {
    Yealink
        .user_agent(ua)
        .expect("a Yealink User-Agent")
        .expect("well-formed")
}

#[test]
fn reads_the_phones_user_agents() {
    let r = read("Yealink SIP-T46S 66.86.0.15 00:15:65:4a:a9:37");
    assert_eq!(r.model.as_deref(), Some("T46S"));
    assert_eq!(r.firmware.as_deref(), Some("66.86.0.15"));
    assert_eq!(r.mac.unwrap().as_str(), "0015654AA937");

    let r = read("yealink SIP-T28P 2.70.0.140 00:15:65:13:ae:0b");
    assert_eq!(r.model.as_deref(), Some("T28P"));
    assert_eq!(r.firmware.as_deref(), Some("2.70.0.140"));
    assert_eq!(
        read("Yealink SIP-T38G  38.70.0.125 00:15:65:13:ae:0b")
            .model
            .as_deref(),
        Some("T38G")
    );
    assert_eq!(
        read("Yealink SIP VP-T49G 51.80.0.10 00:15:65:13:ae:0b")
            .model
            .as_deref(),
        Some("T49G")
    );
    assert_eq!(
        read("Yealink W90DM 130.87.0.10 80:5e:c0:d9:c7:44")
            .model
            .as_deref(),
        Some("W90DM")
    );
    assert_eq!(
        read("W52P 25.30.0.2 00:15:65:44:b3:7c").model.as_deref(),
        Some("W52P")
    );
    assert_eq!(
        read("Yealink SIP-T21P_E2 52.84.0.15 00:15:65:44:b3:7c")
            .model
            .as_deref(),
        Some("T21P_E2")
    );

    let r = read("Yealink-T46G 28.71.0.81 28.1.0.128.0.0.0");
    assert_eq!(r.model.as_deref(), Some("T46G"));
    assert_eq!(r.firmware.as_deref(), Some("28.71.0.81"));
    assert_eq!(
        r.mac, None,
        "the last number is a hardware version, not a MAC"
    );
}

#[test]
fn malformed_yealink_user_agents_are_errors_and_others_are_not_read() {
    for bad in [
        "Yealink SIP-T46S banana 00:15:65:4a:a9:37",
        "Yealink SIP-T46S 66.86.0.15 zz:15:65:4a:a9:37",
        "Yealink SIP-T46S 66.86.0.15 01:00:5e:00:00:01",
        "Yealink SIP-<script> 66.86.0.15",
        "Yealink SIP- 66.86.0.15",
        "Yealink",
        "Yealink SIP T46S 66.86.0.15",
        "Yealink-T46G x.y",
    ] {
        assert!(Yealink.user_agent(bad).unwrap().is_err(), "{bad}");
    }
    for other in [
        "Aastra6757i MAC:00-08-5D-1A-2B-3C V:3.2.2.1136-SIP",
        "Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)",
        "Grandstream Model HW GXP2170 SW 1.0.11.85 DevId c074ad2bd859",
        "YealinkSIP-T46S 66.86.0.15",
        "curl/8.5.0",
        "",
    ] {
        assert!(Yealink.user_agent(other).is_none(), "{other}");
    }
    for ua in ["Yealink SIP-É 1", "yealink-", "Yealink SIP VP-", "W52P"] {
        let _ = Yealink.user_agent(ua);
    }
}

#[test]
fn models_are_spelled_as_the_catalog_does() {
    assert_eq!(Yealink.model("SIP-T46S").unwrap(), "T46S");
    assert_eq!(Yealink.model("t46s").unwrap(), "T46S");
    assert_eq!(Yealink.model("SIP VP-T49G").unwrap(), "T49G");
    assert!(Yealink.model("T46S(T48S)").is_err());
    assert!(Yealink.model("").is_err());
}

#[test]
fn knows_the_files_of_its_boot_sequence() {
    let c = |f| Yealink.classify(f);
    let mac_boot = c("0015654aa937.boot").unwrap();
    assert!(mac_boot.starts_boot);
    assert_eq!(
        mac_boot.kind,
        Kind::PerPhone(Mac::parse("0015654AA937").unwrap())
    );
    let common_boot = c("y000000000000.boot").unwrap();
    assert_eq!(common_boot.kind, Kind::Common);
    assert!(
        !common_boot.starts_boot,
        "it follows <mac>.boot in the same boot"
    );
    let common = c("y000000000066.cfg").unwrap();
    assert_eq!(
        (common.kind, common.model.as_deref()),
        (Kind::Common, Some("T46S"))
    );
    assert!(!common.starts_boot);
    assert_eq!(
        c("y000000000123.cfg").unwrap().model,
        None,
        "shared by the T3x family"
    );
    assert_eq!(
        c("y000000000000.cfg").unwrap().model.as_deref(),
        Some("T28P")
    );
    let mac_cfg = c("0015654aa937.cfg").unwrap();
    assert!(matches!(mac_cfg.kind, Kind::PerPhone(_)) && !mac_cfg.starts_boot);
    assert!(
        matches!(c("0004f2123456.cfg").unwrap().kind, Kind::PerPhone(_)),
        "Poly's name too: the route picks by User-Agent or maker prefix"
    );
    for image in [
        "T46S(T48S,T42S,T41S)-66.86.0.15.rom",
        "2.73.0.50.rom",
        "T46U(T43U,T46U,T41U,T48U,T42U)-108.86.0.45(20211130).rom",
        "T40G-76.84.0.125.ROM",
    ] {
        assert_eq!(c(image).unwrap().kind, Kind::Image, "{image}");
    }
    for other in [
        "aastra.cfg",
        "startup.cfg",
        "6757i.cfg",
        "00085D1A2B3C.cfg",
        "0015654AA937.cfg",
        "0015654AA937.boot",
        "000000000000.cfg",
        "y00000000066.cfg",
        "y0000000000066.cfg",
        "yabcdefabcdef.cfg",
        "6757i.st",
        "snomD785.htm",
        "snomD785-000413A11FA7.htm",
        "snomD785-10.1.215.13-SIP-r.bin",
        "cfgc074ad2bd859.xml",
        "cfg.xml",
        "3111-46157-001.sip.ld",
        ".rom",
        "../x.rom",
        "a b.rom",
        "x.rom.bak",
    ] {
        assert!(c(other).is_none(), "{other}");
    }
}

fn phone(branding: &[&str], server: &str) -> DevicePhone {
    DevicePhone {
        account_id: 1,
        suspended: false,
        firmware: Some("66.86.0.15".into()),
        release_vendor: Some("yealink".into()),
        reported_firmware: None,
        server: Some(("Main".into(), server.into())),
        branding: Some((
            "Acme".into(),
            branding
                .iter()
                .map(|n| StoredFile {
                    name: (*n).into(),
                    sha256: "a".into(),
                    size: 1,
                })
                .collect(),
        )),
        image: Some(StoredFile {
            name: "T46S(T48S,T42S,T41S)-66.86.0.15.rom".into(),
            sha256: "d".into(),
            size: 1,
        }),
    }
}

fn plan(phone: &DevicePhone, running: &str) -> Plan {
    Plan::new(
        Mac::parse("0015654AA937").unwrap(),
        Vendor::Yealink,
        phone,
        Some("T46S".into()),
        Some(running.into()),
        "https://rcs.example.net",
    )
}

fn render(file: &str, plan: &Plan) -> Rendered {
    Yealink.render(&Yealink.classify(file).unwrap(), plan)
}

#[test]
fn the_phone_file_brands_takes_the_firmware_then_redirects() {
    let p = phone(
        &["logo.png", "logo.dob", "fr.lang", "notes.pdf", "second.jpg"],
        "https://pbx.example.net:8443/cfg/",
    );
    let due = render("0015654aa937.cfg", &plan(&p, "66.85.0.5"));
    let body = due.body.unwrap();
    assert!(body.starts_with("#!version:1.0.0.1\n"), "{body}");
    let branding = "https://rcs.example.net/phone/0015654AA937/branding";
    for line in [
        format!("wallpaper_upload.url = {branding}/logo.png\n"),
        "phone_setting.backgrounds = Config:logo.png\n".to_string(),
        format!("lcd_logo.url = {branding}/logo.dob\n"),
        format!("gui_lang.url = {branding}/fr.lang\n"),
        "static.firmware.url = https://rcs.example.net/phone/T46S%28T48S%2CT42S%2CT41S%29-66.86.0.15.rom\n".to_string(),
    ] {
        assert!(body.contains(&line), "{line} in {body}");
    }
    assert!(
        !body.contains("auto_provision.server"),
        "held back while firmware is due: {body}"
    );
    assert_eq!(due.outcome, BootOutcome::BrandingSent);
    assert!(
        due.said
            .starts_with("0015654aa937.cfg: branding \"Acme\" (logo.png, logo.dob, fr.lang)"),
        "{}",
        due.said
    );
    assert!(
        due.said.contains(
            "warning: branding \"Acme\" files with no Yealink key not sent: notes.pdf, second.jpg"
        ),
        "{}",
        due.said
    );
    assert!(
        due.said.contains("firmware 66.85.0.5 -> 66.86.0.15"),
        "{}",
        due.said
    );

    let after = render("0015654aa937.cfg", &plan(&p, "66.86.0.15"))
        .body
        .unwrap();
    assert!(after.contains("static.firmware.url = %NULL%\n"), "{after}");
    assert!(
        after.contains("static.auto_provision.server.url = https://pbx.example.net:8443/cfg/\n"),
        "{after}"
    );
    assert!(!after.contains("server.username"), "{after}");
}

#[test]
fn credentials_in_the_server_url_become_their_own_keys_and_lines_stay_lines() {
    let p = phone(&["a\"b\nc.png"], "ftp://bob:s3cret@prov.example.net/acme");
    let rendered = render("0015654aa937.cfg", &plan(&p, "66.86.0.15"));
    let body = rendered.body.unwrap();
    assert!(
        body.contains("static.auto_provision.server.url = ftp://prov.example.net/acme\n"),
        "{body}"
    );
    assert!(
        body.contains("static.auto_provision.server.username = bob\n"),
        "{body}"
    );
    assert!(
        body.contains("static.auto_provision.server.password = s3cret\n"),
        "{body}"
    );
    assert!(
        body.contains("phone_setting.backgrounds = Config:abc.png\n"),
        "{body}"
    );
    assert!(
        body.lines()
            .all(|l| l.is_empty() || l.starts_with('#') || l.contains(" = ")),
        "{body}"
    );
    assert_eq!(rendered.outcome, BootOutcome::BrandingSent);
}

#[test]
fn boot_files_are_missing_and_common_files_say_nothing_phone_specific() {
    let p = phone(&[], "https://pbx.example.net/");
    let plan = plan(&p, "66.86.0.15");
    for file in ["0015654aa937.boot", "y000000000000.boot"] {
        let r = render(file, &plan);
        assert_eq!(r.body, None, "{file}");
        assert!(
            r.said.starts_with(&format!("{file}: not offered")),
            "{}",
            r.said
        );
    }
    let common = render("y000000000066.cfg", &plan);
    let body = common.body.unwrap();
    assert!(body.starts_with("#!version:1.0.0.1\n"));
    assert!(body.lines().skip(1).all(|l| l.starts_with('#')), "{body}");
    assert!(common.said.starts_with("y000000000066.cfg: "));
    assert_eq!(common.outcome, BootOutcome::Redirected);
}

#[test]
fn an_unaffiliated_phone_is_told_so() {
    let mut p = phone(&["notes.pdf"], "https://pbx.example.net/");
    p.server = None;
    p.firmware = None;
    let r = render("0015654aa937.cfg", &plan(&p, "66.86.0.15"));
    let body = r.body.unwrap();
    assert!(
        body.contains("# no configuration server is assigned to this phone\n"),
        "{body}"
    );
    assert!(!body.contains("auto_provision.server"));
    assert_eq!(
        r.outcome,
        BootOutcome::Redirected,
        "no branding key was written"
    );
}
