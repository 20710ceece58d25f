//! Aastra / Mitel (67xxi, 68xxi, 69xx, 9xxxi): `key: value` files.
//!
//! At boot the phone fetches, from its configuration server's path, `aastra.cfg` (Mitel R4.2
//! and later: `startup.cfg`), then `<model>.cfg`, then `<MAC>.cfg` (upper-case hex, no
//! separators); later files override earlier ones. It then checks `<model>.st` in the same
//! path and takes the image only if it differs from the one it runs, and reboots into it.
//! Values are written bare (`https server: host`), as the vendor's guides and field
//! configurations do. Encrypted `.tuz` equivalents are not offered (404): the phone then
//! uses the plain files. Sources: docs/device-protocols-research.md §1.
//!
//! Branding has two native keys: `background image` (a picture URL, "background image for
//! idle screen on 6739i phone", Aastra SIP Administrator Guide 41-001343-01 R3.2.2 p. A-67;
//! which other colour models show it is unverified, and models without one ignore the key)
//! and `language N` (a language file URL, N = 1 to 4, research §1.3 (c)). Other branding
//! files have no key: the history says so.

use rcs_shared::BootOutcome;

use super::plan::Plan;
use super::url::line_safe;
use super::{mac_in_case, strip_prefix_ignore_case, Adapter, Kind, Rendered, Requested};
use crate::device::user_agent::{self, Malformed, Reported};
use crate::domain::{Mac, Vendor};

pub struct Aastra;

const TEXT: &str = "text/plain; charset=utf-8";
/// Language slots the phones have.
const LANGUAGE_SLOTS: usize = 4;

impl Adapter for Aastra {
    fn vendor(&self) -> Vendor {
        Vendor::Aastra
    }

    /// `Aastra6757i MAC:00-08-5D-1A-2B-3C V:3.2.2.1136-SIP`; newer units say `Mitel6930`,
    /// older ones drop the family digits (`Aastra57i` is a 6757i).
    fn user_agent(&self, ua: &str) -> Option<Result<Reported, Malformed>> {
        let mut tokens = ua.split_ascii_whitespace();
        let first = tokens.next()?;
        let model = strip_prefix_ignore_case(first, "Aastra")
            .or_else(|| strip_prefix_ignore_case(first, "Mitel"))?;
        Some((|| {
            let mut reported = Reported {
                model: Some(user_agent::normalise_model(model)?),
                ..Reported::default()
            };
            for token in tokens {
                if let Some(mac) = strip_prefix_ignore_case(token, "MAC:") {
                    reported.mac = Some(Mac::parse(mac).map_err(|_| {
                        Malformed("The User-Agent's MAC is not a valid MAC address.".into())
                    })?);
                } else if let Some(version) = strip_prefix_ignore_case(token, "V:") {
                    reported.firmware = Some(user_agent::firmware(version)?);
                }
            }
            Ok(reported)
        })())
    }

    fn classify(&self, file: &str) -> Option<Requested> {
        let lower = file.to_ascii_lowercase();
        let requested = |kind, starts_boot, model| Requested {
            file: file.to_string(),
            kind,
            starts_boot,
            model,
        };
        if lower == "aastra.cfg" || lower == "startup.cfg" {
            return Some(requested(Kind::Common, true, None));
        }
        if lower.ends_with(".tuz") {
            return Some(requested(Kind::Common, false, None));
        }
        if let Some(stem) = file.strip_suffix(".cfg") {
            if let Some(mac) = mac_in_case(stem, true) {
                return Some(requested(Kind::PerPhone(mac), false, None));
            }
            if is_model(stem) {
                let model = user_agent::normalise_model(stem).ok();
                return Some(requested(Kind::Common, false, model));
            }
            return None;
        }
        let stem = file.strip_suffix(".st")?;
        is_model(stem)
            .then(|| requested(Kind::Image, false, user_agent::normalise_model(stem).ok()))
    }

    fn model(&self, raw: &str) -> Result<String, Malformed> {
        user_agent::normalise_model(raw)
    }

    fn render(&self, requested: &Requested, plan: &Plan) -> Rendered {
        let lower = requested.file.to_ascii_lowercase();
        if lower.ends_with(".tuz") {
            return Rendered::missing(format!(
                "{}: not offered (rcs serves the plain .cfg files)",
                requested.file
            ));
        }
        match requested.kind {
            Kind::PerPhone(_) => phone_file(&requested.file, plan),
            _ => Rendered::text(
                TEXT,
                format!(
                    "# rcs: {} for Aastra/Mitel phones.\n\
                     # What this phone is told is in {}.cfg.\n",
                    requested.file, plan.mac
                ),
                format!("{}: sent (nothing phone-specific)", requested.file),
            ),
        }
    }
}

/// `<MAC>.cfg`: the branding keys, then the redirect (held back while firmware is due).
fn phone_file(file: &str, plan: &Plan) -> Rendered {
    let mut out = format!("# rcs: Aastra/Mitel configuration for {}\n", plan.mac);
    let mut said = vec![];
    let outcome = branding_lines(plan, &mut out, &mut said);
    if let Some((release, image)) = plan.image() {
        out.push_str(&format!(
            "# firmware {release} is due: the phone takes {} from this path and reboots;\n\
             # its configuration server follows once it runs {release}.\n",
            line_safe(&image.name)
        ));
    }
    redirect_lines(plan, &mut out);
    said.push(plan.steps_note());
    Rendered {
        body: Some(out),
        content_type: TEXT,
        said: format!("{file}: {}", said.join("; ")),
        outcome,
    }
}

/// The branding keys: the first picture as `background image`, `.txt` files as
/// `language 1..4`; the others are listed as not sent, in the file and the history.
fn branding_lines(plan: &Plan, out: &mut String, said: &mut Vec<String>) -> BootOutcome {
    let Some(branding) = &plan.branding else {
        return BootOutcome::Redirected;
    };
    out.push_str(&format!("# branding: {}\n", line_safe(&branding.name)));
    let mut picture = false;
    let mut languages = 0;
    let mut sent = vec![];
    let mut unsent = vec![];
    for f in &branding.files {
        let lower = f.name.to_ascii_lowercase();
        if !picture
            && [".png", ".jpg", ".jpeg", ".bmp"]
                .iter()
                .any(|e| lower.ends_with(e))
        {
            out.push_str(&format!("background image: {}\n", line_safe(&f.url)));
            picture = true;
            sent.push(f.name.as_str());
        } else if languages < LANGUAGE_SLOTS && lower.ends_with(".txt") {
            languages += 1;
            out.push_str(&format!("language {languages}: {}\n", line_safe(&f.url)));
            sent.push(f.name.as_str());
        } else {
            unsent.push(f.name.as_str());
        }
    }
    if !sent.is_empty() {
        said.push(format!(
            "branding {:?} ({})",
            branding.name,
            sent.join(", ")
        ));
    }
    if !unsent.is_empty() {
        out.push_str(&format!(
            "# not sent (no Aastra key for these files): {}\n",
            line_safe(&unsent.join(", "))
        ));
        said.push(format!(
            "warning: branding {:?} files with no Aastra key not sent: {}",
            branding.name,
            unsent.join(", ")
        ));
    }
    if sent.is_empty() {
        BootOutcome::Redirected
    } else {
        BootOutcome::BrandingSent
    }
}

/// The configuration server's `download protocol` and `<protocol> server|path|port|...`.
fn redirect_lines(plan: &Plan, out: &mut String) {
    match plan.redirect() {
        Some(server) => {
            let p = &server.parts;
            let key = p.scheme.as_str();
            out.push_str(&format!(
                "# configuration server: {}\n",
                line_safe(&server.name)
            ));
            out.push_str(&format!(
                "download protocol: {}\n",
                key.to_ascii_uppercase()
            ));
            out.push_str(&format!("{key} server: {}\n", p.host));
            out.push_str(&format!("{key} path: {}\n", p.path));
            if let Some(port) = p.port {
                out.push_str(&format!("{key} port: {port}\n"));
            }
            if let Some(user) = &p.user {
                out.push_str(&format!("{key} username: {user}\n"));
            }
            if let Some(password) = &p.password {
                out.push_str(&format!("{key} password: {password}\n"));
            }
        }
        None if plan.server.is_none() => {
            out.push_str("# no configuration server is assigned to this phone\n");
        }
        None => {}
    }
}

/// An Aastra model as file names carry it: 2 to 4 digits, an optional `i` and suffix
/// (`57i`, `6757iCT`, `6867i`, `6930`, `9480i`).
fn is_model(stem: &str) -> bool {
    let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
    (2..=4).contains(&digits)
        && stem.len() <= 10
        && stem[digits..].bytes().all(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::device::{DevicePhone, StoredFile};

    #[test]
    fn reads_the_phones_user_agents() {
        let r = Aastra
            .user_agent("Aastra6757i MAC:00-08-5D-1A-2B-3C V:3.2.2.1136-SIP")
            .unwrap()
            .unwrap();
        assert_eq!(r.model.as_deref(), Some("6757i"));
        assert_eq!(r.firmware.as_deref(), Some("3.2.2.1136"));
        assert_eq!(r.mac.unwrap().as_str(), "00085D1A2B3C");
        let r = Aastra
            .user_agent("Mitel6930 MAC:14-00-E9-1E-DB-52 V:6.4.0.140-SIP")
            .unwrap()
            .unwrap();
        assert_eq!(r.model.as_deref(), Some("6930"));
        let r = Aastra
            .user_agent("Aastra57i MAC:00-08-5D-1A-2B-3C V:2.5.3.26-SIP")
            .unwrap()
            .unwrap();
        assert_eq!(r.model.as_deref(), Some("6757i"));
        assert!(Aastra
            .user_agent("Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:cc")
            .is_none());
        assert!(Aastra
            .user_agent("Aastra6757i MAC:zz V:3.2.2")
            .unwrap()
            .is_err());
        assert!(Aastra.user_agent("Aastra6757i V:banana").unwrap().is_err());
    }

    #[test]
    fn knows_the_files_of_its_boot_sequence() {
        let c = |f| Aastra.classify(f);
        assert_eq!(c("aastra.cfg").unwrap().kind, Kind::Common);
        assert!(c("aastra.cfg").unwrap().starts_boot);
        assert!(c("startup.cfg").unwrap().starts_boot);
        assert_eq!(c("6757i.cfg").unwrap().model.as_deref(), Some("6757i"));
        assert_eq!(c("57i.cfg").unwrap().model.as_deref(), Some("6757i"));
        assert!(matches!(
            c("00085D1A2B3C.cfg").unwrap().kind,
            Kind::PerPhone(_)
        ));
        assert!(
            c("00085d1a2b3c.cfg").is_none(),
            "Aastra MACs are upper-case"
        );
        assert_eq!(c("6757i.st").unwrap().kind, Kind::Image);
        assert_eq!(c("57i.st").unwrap().model.as_deref(), Some("6757i"));
        assert_eq!(c("aastra.tuz").unwrap().kind, Kind::Common);
        for other in [
            "y000000000028.cfg",
            "000000000000.cfg",
            "cfg.xml",
            "snomD785.htm",
            "x.st",
            "evil/../a.cfg",
        ] {
            assert!(c(other).is_none(), "{other}");
        }
    }

    fn plan(firmware_due: bool) -> Plan {
        let phone = DevicePhone {
            account_id: 1,
            suspended: false,
            firmware: Some("4.2.0.181".into()),
            release_vendor: Some("aastra".into()),
            reported_firmware: None,
            server: Some(("Main".into(), "https://pbx.example.net:8443/cfg/".into())),
            branding: Some((
                "Acme".into(),
                vec![
                    StoredFile {
                        name: "logo.png".into(),
                        sha256: "a".into(),
                        size: 1,
                    },
                    StoredFile {
                        name: "lang_fr.txt".into(),
                        sha256: "b".into(),
                        size: 1,
                    },
                    StoredFile {
                        name: "notes.pdf".into(),
                        sha256: "c".into(),
                        size: 1,
                    },
                ],
            )),
            image: Some(StoredFile {
                name: "6757i.st".into(),
                sha256: "d".into(),
                size: 1,
            }),
        };
        let running = if firmware_due {
            "3.3.1.4322"
        } else {
            "4.2.0.181"
        };
        Plan::new(
            Mac::parse("00085D1A2B3C").unwrap(),
            Vendor::Aastra,
            &phone,
            Some("6757i".into()),
            Some(running.into()),
            "https://rcs.example.net",
        )
    }

    #[test]
    fn the_phone_file_brands_then_redirects_once_the_firmware_runs() {
        let req = Aastra.classify("00085D1A2B3C.cfg").unwrap();
        let due = Aastra.render(&req, &plan(true));
        let body = due.body.unwrap();
        assert!(
            body.contains(
                "background image: https://rcs.example.net/phone/00085D1A2B3C/branding/logo.png\n"
            ),
            "{body}"
        );
        assert!(body.contains(
            "language 1: https://rcs.example.net/phone/00085D1A2B3C/branding/lang_fr.txt\n"
        ));
        assert!(
            !body.contains("download protocol"),
            "held back while firmware is due: {body}"
        );
        assert_eq!(due.outcome, BootOutcome::BrandingSent);
        assert!(
            due.said.contains(
                "warning: branding \"Acme\" files with no Aastra key not sent: notes.pdf"
            ),
            "{}",
            due.said
        );

        let after = Aastra.render(&req, &plan(false)).body.unwrap();
        assert!(after.contains("download protocol: HTTPS\nhttps server: pbx.example.net\nhttps path: cfg/\nhttps port: 8443\n"), "{after}");
    }
}
