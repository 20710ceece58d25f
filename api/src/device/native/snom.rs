//! Snom (3xx, 7xx, Dxxx, Mxxx): XML `<settings>` files.
//!
//! Given a setting-server URL without a file name, the phone fetches `snom<type>.htm` and
//! `snom<type>-<MAC>.htm` (upper-case hex) from it; both may hold `<settings>` directly.
//! A firmware update is described by a firmware-settings file that the `firmware_status`
//! setting names: rcs serves `snom<type>-firmware.xml` while a release is due (404
//! otherwise), listing the image under its native name (`snomD785-10.1.215.13-SIP-r.bin`;
//! D8xx models use `.swu`). Sources: docs/device-protocols-research.md §3.
//!
//! `update_policy` is `auto_update` while a release is due: the factory default
//! `settings_only` never fetches firmware, and `ask_for_update` waits for someone at the
//! phone. Otherwise rcs writes `settings_only` back and empties `firmware_status`, so a
//! phone leaves rcs as it came, with no link back to an image here. Snom has no documented
//! key for a logo or wallpaper: branding files are listed in the file and the history,
//! never sent.

use rcs_shared::BootOutcome;

use super::plan::Plan;
use super::url::xml_escape;
use super::{mac_in_case, Adapter, Kind, Rendered, Requested};
use crate::device::user_agent::{self, Malformed, Reported};
use crate::domain::{Mac, Vendor};

pub struct Snom;

const XML: &str = "application/xml; charset=utf-8";
/// The firmware-settings file rcs names in `firmware_status`: `snom<type>` + this.
const FIRMWARE_FILE: &str = "-firmware.xml";
/// Longest phone type (`D785`, `M300`, `320`).
const MAX_TYPE: usize = 16;
/// Longest image name a phone asks for.
const MAX_IMAGE_NAME: usize = 100;

impl Adapter for Snom {
    fn vendor(&self) -> Vendor {
        Vendor::Snom
    }

    /// `Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24
    /// SXM:0 UXM:0)`: the type before `-SIP`, the version after it, and (newer firmware only)
    /// the MAC as 12 hex digits further on.
    fn user_agent(&self, ua: &str) -> Option<Result<Reported, Malformed>> {
        let mut tokens = ua
            .split_ascii_whitespace()
            .map(|t| t.trim_matches(|c| matches!(c, '(' | ')' | ';')));
        let phone_type = tokens.by_ref().find_map(|t| {
            let rest = t.get(..4)?.eq_ignore_ascii_case("snom").then(|| &t[4..])?;
            rest.strip_suffix("-SIP")
        })?;
        Some((|| {
            let mut reported = Reported {
                model: Some(parse_type(phone_type)?),
                ..Reported::default()
            };
            if let Some(version) = tokens.next() {
                reported.firmware = Some(user_agent::firmware(version)?);
            }
            if let Some(mac) =
                tokens.find(|t| t.len() == 12 && t.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                reported.mac = Some(Mac::parse(mac).map_err(|_| {
                    Malformed("The User-Agent's MAC is not a valid MAC address.".into())
                })?);
            }
            Ok(reported)
        })())
    }

    fn classify(&self, file: &str) -> Option<Requested> {
        let rest = file.strip_prefix("snom")?;
        let requested = |kind, starts_boot, phone_type: &str| Requested {
            file: file.to_string(),
            kind,
            starts_boot,
            model: parse_type(phone_type).ok(),
        };
        if let Some(stem) = rest.strip_suffix(".htm") {
            return match stem.split_once('-') {
                None => is_type(stem).then(|| requested(Kind::Common, true, stem)),
                Some((phone_type, mac)) => {
                    let mac = mac_in_case(mac, true).filter(|_| is_type(phone_type))?;
                    Some(requested(Kind::PerPhone(mac), false, phone_type))
                }
            };
        }
        if let Some(phone_type) = rest.strip_suffix(FIRMWARE_FILE) {
            return is_type(phone_type).then(|| requested(Kind::Common, false, phone_type));
        }
        let (phone_type, tail) = rest.split_once('-')?;
        let image = file.len() <= MAX_IMAGE_NAME
            && is_type(phone_type)
            && (tail.ends_with(".bin") || tail.ends_with(".swu"))
            && tail
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        image.then(|| requested(Kind::Image, false, phone_type))
    }

    fn model(&self, raw: &str) -> Result<String, Malformed> {
        let raw = raw.trim();
        let phone_type = match raw.get(..4) {
            Some(head) if head.eq_ignore_ascii_case("snom") => &raw[4..],
            _ => raw,
        };
        parse_type(phone_type)
    }

    fn render(&self, requested: &Requested, plan: &Plan) -> Rendered {
        let file = requested.file.as_str();
        match requested.kind {
            Kind::PerPhone(_) => phone_file(file, plan),
            _ if file.ends_with(FIRMWARE_FILE) => firmware_file(file, requested, plan),
            Kind::Common => Rendered::text(
                XML,
                format!(
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<settings>\n  {}\n  <phone-settings>\n  </phone-settings>\n</settings>\n",
                    comment(&format!(
                        "rcs: {file} for Snom phones. What this phone is told is in snom<type>-{}.htm.",
                        plan.mac
                    ))
                ),
                format!("{file}: sent (nothing phone-specific)"),
            ),
            Kind::Image => Rendered::missing(format!("{file}: images are streamed, not rendered")),
        }
    }
}

/// `snom<type>-<MAC>.htm`: the firmware settings, then the redirect (held back while firmware
/// is due). Branding has no key: it is named in a comment and in the history.
fn phone_file(file: &str, plan: &Plan) -> Rendered {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<settings>\n  {}\n",
        comment(&format!("rcs: Snom settings for {}", plan.mac))
    );
    let mut said = vec![];
    if let Some(branding) = &plan.branding {
        let names: Vec<&str> = branding.files.iter().map(|f| f.name.as_str()).collect();
        out.push_str(&format!(
            "  {}\n",
            comment(&format!(
                "branding {}: not sent (no Snom key for these files): {}",
                branding.name,
                names.join(", ")
            ))
        ));
        said.push(format!(
            "warning: branding {:?} files with no Snom key not sent: {}",
            branding.name,
            names.join(", ")
        ));
    }
    out.push_str("  <phone-settings>\n");
    match (plan.image(), &plan.model) {
        (Some((release, _)), Some(model)) => {
            out.push_str(&format!(
                "    {}\n    <update_policy perm=\"RW\">auto_update</update_policy>\n    <firmware_status perm=\"RW\">{}</firmware_status>\n",
                comment(&format!(
                    "firmware {release} is due: the phone takes it and reboots; its configuration server follows once it runs {release}."
                )),
                xml_escape(&format!("{}/snom{model}{FIRMWARE_FILE}", plan.files_url))
            ));
        }
        _ => out.push_str(
            "    <update_policy perm=\"RW\">settings_only</update_policy>\n    <firmware_status perm=\"RW\"></firmware_status>\n",
        ),
    }
    match plan.redirect() {
        Some(server) => out.push_str(&format!(
            "    {}\n    <setting_server perm=\"RW\">{}</setting_server>\n",
            comment(&format!("configuration server: {}", server.name)),
            xml_escape(&server.url)
        )),
        None if plan.server.is_none() => out.push_str(&format!(
            "    {}\n",
            comment("no configuration server is assigned to this phone")
        )),
        None => {}
    }
    out.push_str("  </phone-settings>\n</settings>\n");
    said.push(plan.steps_note());
    Rendered {
        body: Some(out),
        content_type: XML,
        said: format!("{file}: {}", said.join("; ")).replace(" | ", " / "),
        outcome: BootOutcome::Redirected,
    }
}

/// `snom<type>-firmware.xml`: the image link while a release is due for this type; 404
/// otherwise (the phone then keeps what it runs).
fn firmware_file(file: &str, requested: &Requested, plan: &Plan) -> Rendered {
    let same_type = requested
        .model
        .as_deref()
        .zip(plan.model.as_deref())
        .is_some_and(|(asked, phone)| asked.eq_ignore_ascii_case(phone));
    match plan.image() {
        Some((release, image)) if same_type => Rendered::text(
            XML,
            format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<firmware-settings>\n  <firmware perm=\"\">{}</firmware>\n</firmware-settings>\n",
                xml_escape(&image.url)
            ),
            format!(
                "{file}: firmware {} -> {release} ({})",
                plan.running.as_deref().unwrap_or("unknown"),
                image.name
            ),
        ),
        Some(_) => Rendered::missing(format!(
            "{file}: not sent (the phone is a {}, not this type)",
            plan.model.as_deref().unwrap_or("phone of unknown type")
        )),
        None => Rendered::missing(format!("{file}: no firmware step ({})", plan.steps_note())),
    }
}

/// An XML comment: `--` may not appear inside one, so dashes are kept apart.
fn comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 9);
    out.push_str("<!-- ");
    for c in text.chars().filter(|c| !c.is_control()) {
        if c == '-' && out.ends_with('-') {
            out.push(' ');
        }
        out.push(c);
    }
    out.push_str(" -->");
    out
}

fn is_type(phone_type: &str) -> bool {
    (1..=MAX_TYPE).contains(&phone_type.len())
        && phone_type.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A phone type as the catalog spells it (`D785`, `320`): letters in capitals.
fn parse_type(phone_type: &str) -> Result<String, Malformed> {
    if !is_type(phone_type) {
        return Err(Malformed(format!(
            "The Snom phone type must be 1 to {MAX_TYPE} letters and digits."
        )));
    }
    Ok(phone_type.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::device::{DevicePhone, StoredFile};

    const UA: &str =
        "Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)";

    fn read(ua: &str) -> Reported {
        Snom.user_agent(ua)
            .expect("a Snom User-Agent")
            .expect("well-formed")
    }

    #[test]
    fn reads_the_phones_user_agents() {
        let r = read(UA);
        assert_eq!(r.model.as_deref(), Some("D785"));
        assert_eq!(r.firmware.as_deref(), Some("10.1.33.33"));
        assert_eq!(r.mac.unwrap().as_str(), "000413922D24");
        let r =
            read("Mozilla/4.0 (compatible; snom710-SIP 8.7.5.35 1.1.5-IFX-05.01.12 000413741767)");
        assert_eq!(
            (r.model.as_deref(), r.firmware.as_deref()),
            (Some("710"), Some("8.7.5.35"))
        );
        assert_eq!(r.mac.unwrap().as_str(), "000413741767");
        let r = read("Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)");
        assert_eq!(
            (r.model.as_deref(), r.firmware.as_deref()),
            (Some("320"), Some("8.4.18"))
        );
        assert_eq!(r.mac, None, "older firmware does not send its MAC");
    }

    #[test]
    fn malformed_snom_user_agents_are_errors_and_others_are_not_read() {
        for bad in [
            "Mozilla/4.0 (compatible; snomD785-SIP banana 000413922D24)",
            "Mozilla/4.0 (compatible; snom-SIP 10.1.33.33)",
            "Mozilla/4.0 (compatible; snomD7_85-SIP 10.1.33.33)",
            "Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 x 010413922D24)",
            "Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 x 000000000000)",
        ] {
            assert!(Snom.user_agent(bad).unwrap().is_err(), "{bad}");
        }
        for other in [
            "Mozilla/4.0 (compatible; snom lid 3605)",
            "Mozilla/5.0 (X11; Linux x86_64)",
            "Yealink SIP-T46S 66.86.0.15 00:15:65:4a:a9:37",
            "Aastra6757i MAC:00-08-5D-1A-2B-3C V:3.2.2.1136-SIP",
            "",
        ] {
            assert!(Snom.user_agent(other).is_none(), "{other}");
        }
        for odd in ["snomÉ-SIP", "sno", "snom-SIP", "(((;;;)))"] {
            let _ = Snom.user_agent(odd);
        }
    }

    #[test]
    fn types_are_spelled_as_the_catalog_does() {
        assert_eq!(Snom.model("snomD785").unwrap(), "D785");
        assert_eq!(Snom.model("d785").unwrap(), "D785");
        assert_eq!(Snom.model("320").unwrap(), "320");
        assert!(Snom.model("snom").is_err());
        assert!(Snom.model("D785-SIP").is_err());
    }

    #[test]
    fn knows_the_files_of_its_boot_sequence() {
        let c = |f| Snom.classify(f);
        let common = c("snomD785.htm").unwrap();
        assert_eq!(
            (common.kind.clone(), common.starts_boot),
            (Kind::Common, true)
        );
        assert_eq!(common.model.as_deref(), Some("D785"));
        let mine = c("snomD785-000413A11FA7.htm").unwrap();
        assert_eq!(
            mine.kind,
            Kind::PerPhone(Mac::parse("000413A11FA7").unwrap())
        );
        assert!(!mine.starts_boot);
        let firmware = c("snomD785-firmware.xml").unwrap();
        assert_eq!(
            (firmware.kind, firmware.model.as_deref()),
            (Kind::Common, Some("D785"))
        );
        for image in [
            "snomD785-10.1.215.13-SIP-r.bin",
            "snom320-8.7.5.35-SIP-f.bin",
            "snomD335-ramdisk-chained-update-r.bin",
            "snomD865-10.1.215.13-SIP-r.swu",
        ] {
            assert_eq!(c(image).unwrap().kind, Kind::Image, "{image}");
        }
        assert_eq!(
            c("snom320-8.7.5.35-SIP-f.bin").unwrap().model.as_deref(),
            Some("320")
        );
        for other in [
            "snom.htm",
            "snomD785-000413a11fa7.htm",
            "snomD785-000413A11FA.htm",
            "snomD785.xml",
            "SnomD785.htm",
            "snomD785-10.1.215.13-SIP-r.bin.bak",
            "snomD785-../x.bin",
            "aastra.cfg",
            "00085D1A2B3C.cfg",
            "y000000000066.cfg",
            "0015654aa937.cfg",
            "0015654aa937.boot",
            "cfgc074ad2bd859.xml",
            "gxp2170fw.bin",
            "3111-46157-001.sip.ld",
            "6757i.st",
        ] {
            assert!(c(other).is_none(), "{other}");
        }
    }

    fn phone(server: Option<&str>) -> DevicePhone {
        DevicePhone {
            account_id: 1,
            suspended: false,
            firmware: Some("10.1.215.13".into()),
            release_vendor: Some("snom".into()),
            reported_firmware: None,
            server: server.map(|s| ("Main & Co".into(), s.into())),
            branding: Some((
                "Acme--brand".into(),
                vec![StoredFile {
                    name: "logo.png".into(),
                    sha256: "a".into(),
                    size: 1,
                }],
            )),
            image: Some(StoredFile {
                name: "snomD785-10.1.215.13-SIP-r.bin".into(),
                sha256: "d".into(),
                size: 1,
            }),
        }
    }

    fn plan(phone: &DevicePhone, running: &str) -> Plan {
        Plan::new(
            Mac::parse("000413A11FA7").unwrap(),
            Vendor::Snom,
            phone,
            Some("D785".into()),
            Some(running.into()),
            "https://rcs.example.net",
        )
    }

    fn render(file: &str, plan: &Plan) -> Rendered {
        Snom.render(&Snom.classify(file).unwrap(), plan)
    }

    /// Every answer is well-formed XML with the expected root.
    fn root(body: &str) -> String {
        let doc = roxmltree::Document::parse(body).expect("well-formed XML");
        doc.root_element().tag_name().name().to_string()
    }

    #[test]
    fn the_phone_file_points_at_the_firmware_then_redirects() {
        let p = phone(Some("https://pbx.example.net:8443/cfg/?a=1&b=2"));
        let due = render("snomD785-000413A11FA7.htm", &plan(&p, "10.1.33.33"));
        let body = due.body.unwrap();
        assert_eq!(root(&body), "settings");
        assert!(
            body.contains("<update_policy perm=\"RW\">auto_update</update_policy>"),
            "{body}"
        );
        assert!(
            body.contains("<firmware_status perm=\"RW\">https://rcs.example.net/phone/snomD785-firmware.xml</firmware_status>"),
            "{body}"
        );
        assert!(
            !body.contains("setting_server"),
            "held back while firmware is due: {body}"
        );
        assert_eq!(due.outcome, BootOutcome::Redirected);
        assert!(due.said.starts_with("snomD785-000413A11FA7.htm: warning: branding \"Acme--brand\" files with no Snom key not sent: logo.png"), "{}", due.said);

        let firmware = render("snomD785-firmware.xml", &plan(&p, "10.1.33.33"));
        let xml = firmware.body.unwrap();
        assert_eq!(root(&xml), "firmware-settings");
        assert!(xml.contains("<firmware perm=\"\">https://rcs.example.net/phone/snomD785-10.1.215.13-SIP-r.bin</firmware>"), "{xml}");
        assert_eq!(firmware.said, "snomD785-firmware.xml: firmware 10.1.33.33 -> 10.1.215.13 (snomD785-10.1.215.13-SIP-r.bin)");
        assert_eq!(
            render("snomD715-firmware.xml", &plan(&p, "10.1.33.33")).body,
            None,
            "another type's file"
        );

        let after = render("snomD785-000413A11FA7.htm", &plan(&p, "10.1.215.13"))
            .body
            .unwrap();
        assert_eq!(root(&after), "settings");
        assert!(
            after.contains("<update_policy perm=\"RW\">settings_only</update_policy>"),
            "{after}"
        );
        assert!(
            after.contains("<firmware_status perm=\"RW\"></firmware_status>"),
            "{after}"
        );
        assert!(
            after.contains("<setting_server perm=\"RW\">https://pbx.example.net:8443/cfg/?a=1&amp;b=2</setting_server>"),
            "{after}"
        );
        assert!(
            !after.contains("Acme--brand"),
            "no `--` inside a comment: {after}"
        );
        let none = render("snomD785-firmware.xml", &plan(&p, "10.1.215.13"));
        assert_eq!(none.body, None);
        assert!(
            none.said.contains("firmware 10.1.215.13 already running"),
            "{}",
            none.said
        );
    }

    #[test]
    fn common_and_unaffiliated_files_are_well_formed() {
        let p = phone(None);
        let plan = plan(&p, "10.1.215.13");
        let common = render("snomD785.htm", &plan);
        assert_eq!(root(common.body.as_deref().unwrap()), "settings");
        assert_eq!(common.said, "snomD785.htm: sent (nothing phone-specific)");
        let mine = render("snomD785-000413A11FA7.htm", &plan).body.unwrap();
        assert_eq!(root(&mine), "settings");
        assert!(
            mine.contains("no configuration server is assigned"),
            "{mine}"
        );
        assert!(!mine.contains("setting_server"));
        assert_eq!(comment("a--b-->"), "<!-- a- -b- -> -->");
    }
}
