//! Grandstream (GXP, GRP, GXV, HT, WP): `<gs_provision>` XML files of P-values.
//!
//! At boot a GXP21xx fetches `cfg<mac>.xml` (MAC lower-case, no separators), then the legacy
//! binary `cfg<mac>`; only if the XML file was missing, the model's `cfg<model>.xml`
//! (`cfggxp2170.xml`) and then the generic `cfg.xml`. Other families fetch the binary first
//! (HT801, and the newer GXP21xx guide); rcs serves only the XML file and answers the binary
//! (`cfg<mac>`, newer guides: `cfg<mac>.bin`) 404, as Wazo does. The phone then checks its
//! firmware server path (P192) for `<model>fw.bin` (`gxp2170fw.bin`) and takes an image of
//! another version, rebooting into it. Sources: docs/device-protocols-research.md §5.
//!
//! `cfg<mac>.xml` begins a boot's history entry: it is the first file of the GXP21xx
//! sequence, and every boot fetches it (a rebooted phone starts again with it). The binary
//! and the model and generic files that may follow join its entry, as does the image the
//! boot then fetches. A family that fetches the binary first records it with the previous
//! boot if that was under 90 s ago (else as an entry of its own): only the detail splits.
//!
//! P-values (meanings from [PV] `endpoint/grandstream/gxphd/cfg$mac`, research doc §5.3):
//! P212 "Firmware Upgrade Via" 0 TFTP, 1 HTTP, 2 HTTPS (older firmware: the one protocol for
//! firmware and configuration; newer firmware has a separate firmware protocol, UNVERIFIED);
//! P237 configuration server path (`host[:port]/path`); P1360/P1361 HTTP/HTTPS user and
//! password; P145 whether DHCP options 43/66 may override the server (0: no); P192 firmware
//! server path; P232/P233 firmware file prefix/postfix (only files with those affixes are
//! taken); P238 when to check for firmware: 0 always, 1 only when the prefix or postfix
//! changed, 2 never.
//!
//! Branding: no Grandstream key is verified (the wallpaper keys seen in public templates,
//! P2916/P2917, have no citable source): branding files are listed as not sent.

use super::plan::Plan;
use super::url::{xml_comment, xml_escape, UrlParts};
use super::{mac_in_case, Adapter, Kind, Rendered, Requested};
use crate::device::user_agent::{self, Malformed, Reported};
use crate::domain::{Mac, Vendor};

pub struct Grandstream;

const XML: &str = "application/xml; charset=utf-8";
/// Longest model name.
const MAX_MODEL: usize = 24;

/// The files of the boot sequence, by what rcs answers in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum File {
    /// `cfg<mac>.xml`: the phone's settings.
    Settings,
    /// The binary `cfg<mac>` / `cfg<mac>.bin`, `cfg<model>.xml` and `cfg.xml`: not offered.
    Absent,
    /// `<model>fw.bin`.
    Image,
}

impl Adapter for Grandstream {
    fn vendor(&self) -> Vendor {
        Vendor::Grandstream
    }

    /// `Grandstream Model HW GXP2170 SW 1.0.11.85 DevId 000b82123456`, with an optional
    /// hardware revision (`HW GXV3350  V1.3A`); older units
    /// `Grandstream GXP2000 (gxp2000e.bin:1.2.5.3/boot55e.bin:1.1.6.9) DevId 000b822726c8`
    /// ([WZ] common.py's two patterns, research doc §5.1).
    fn user_agent(&self, ua: &str) -> Option<Result<Reported, Malformed>> {
        let mut tokens = ua.split_ascii_whitespace();
        if !tokens.next()?.eq_ignore_ascii_case("Grandstream") {
            return None;
        }
        Some(read_user_agent(&tokens.collect::<Vec<_>>()))
    }

    fn classify(&self, file: &str) -> Option<Requested> {
        let (kind, what, model) = file_kind(file)?;
        Some(Requested {
            file: file.to_string(),
            starts_boot: what == File::Settings,
            kind,
            model,
        })
    }

    /// `GXP2170`, whatever the case (file names carry it in lower case).
    fn model(&self, raw: &str) -> Result<String, Malformed> {
        model_name(raw)
    }

    fn render(&self, requested: &Requested, plan: &Plan) -> Rendered {
        match file_kind(&requested.file).map(|(_, what, _)| what) {
            Some(File::Settings) => settings(&requested.file, plan),
            _ => Rendered::missing(format!(
                "{}: not offered (rcs answers the phone's cfg{}.xml)",
                requested.file,
                plan.mac.as_str().to_ascii_lowercase()
            )),
        }
    }
}

fn read_user_agent(tokens: &[&str]) -> Result<Reported, Malformed> {
    let malformed = || {
        Malformed("The Grandstream User-Agent is not of the form Grandstream Model HW <model> SW <version> DevId <mac>.".into())
    };
    let after = |name: &str| -> Result<Option<&str>, Malformed> {
        match tokens.iter().position(|t| *t == name) {
            Some(i) => tokens.get(i + 1).copied().map(Some).ok_or_else(malformed),
            None => Ok(None),
        }
    };
    let (model, version) = if tokens.first() == Some(&"Model") {
        (after("HW")?.ok_or_else(malformed)?, after("SW")?)
    } else {
        // `GXP2000 (gxp2000e.bin:1.2.5.3/boot55e.bin:1.1.6.9)`: the application image's version.
        let model = tokens.first().copied().ok_or_else(malformed)?;
        let version = match tokens.get(1).filter(|t| t.starts_with('(')) {
            Some(images) => Some(
                images
                    .split_once(':')
                    .map(|(_, v)| v.split(['/', ')']).next().unwrap_or(""))
                    .ok_or_else(malformed)?,
            ),
            None => None,
        };
        (model, version)
    };
    let mac =
        match after("DevId")? {
            Some(id) => Some(Mac::parse(id).map_err(|_| {
                Malformed("The User-Agent's DevId is not a valid MAC address.".into())
            })?),
            None => None,
        };
    Ok(Reported {
        model: Some(model_name(model)?),
        firmware: version.map(user_agent::firmware).transpose()?,
        mac,
        ..Reported::default()
    })
}

/// A Grandstream model as the catalog spells it: upper case (`GXP2170`).
fn model_name(raw: &str) -> Result<String, Malformed> {
    let name = raw.trim();
    if name.is_empty() || name.len() > MAX_MODEL || !name.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(Malformed(format!(
            "The Grandstream model must be 1 to {MAX_MODEL} letters and digits (GXP2170)."
        )));
    }
    Ok(name.to_ascii_uppercase())
}

/// What `file` is: its kind, its answer, and the model its name implies. Names are
/// lower-case ("The configuration file name should be in lower case letters").
fn file_kind(file: &str) -> Option<(Kind, File, Option<String>)> {
    if let Some(rest) = file.strip_prefix("cfg") {
        if rest == ".xml" {
            return Some((Kind::Common, File::Absent, None));
        }
        if let Some(stem) = rest.strip_suffix(".xml") {
            if let Some(mac) = mac_in_case(stem, false) {
                return Some((Kind::PerPhone(mac), File::Settings, None));
            }
            return is_model(stem).then(|| (Kind::Common, File::Absent, model_name(stem).ok()));
        }
        let binary = rest.strip_suffix(".bin").unwrap_or(rest);
        return mac_in_case(binary, false).map(|mac| (Kind::PerPhone(mac), File::Absent, None));
    }
    let stem = file.strip_suffix("fw.bin")?;
    is_model(stem).then(|| (Kind::Image, File::Image, model_name(stem).ok()))
}

/// A model as file names carry it: 2 to 4 letters, 3 or 4 digits, up to 2 letters
/// (`gxp2170`, `grp2612w`, `ht801`, `wp820`).
fn is_model(stem: &str) -> bool {
    let letters = stem.bytes().take_while(u8::is_ascii_lowercase).count();
    let digits = stem[letters..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    let tail = &stem[letters + digits..];
    (2..=4).contains(&letters)
        && (3..=4).contains(&digits)
        && tail.len() <= 2
        && tail.bytes().all(|b| b.is_ascii_lowercase())
}

/// The image name a phone of `model` fetches with empty prefix and postfix.
fn image_name(model: &str) -> String {
    format!("{}fw.bin", model.to_ascii_lowercase())
}

/// `cfg<mac>.xml`: the firmware path while an image is due, else the redirect.
fn settings(file: &str, plan: &Plan) -> Rendered {
    let mut p: Vec<(u32, String)> = vec![];
    let mut notes = vec![];
    let mut said = vec![];
    if let Some(branding) = &plan.branding {
        let names: Vec<&str> = branding.files.iter().map(|f| f.name.as_str()).collect();
        notes.push(format!(
            "branding {}: no Grandstream key; not sent: {}",
            branding.name,
            names.join(", ")
        ));
        said.push(format!(
            "warning: branding {:?} files with no Grandstream key not sent: {}",
            branding.name,
            names.join(", ")
        ));
    }
    if let Some((release, image)) = plan.image() {
        let files = UrlParts::of(&plan.files_url);
        notes.push(format!(
            "firmware {release} is due: the phone takes {} from rcs and reboots; its \
             configuration server follows once it runs {release}",
            image.name
        ));
        // HTTPS (rcs's only protocol), rcs's /phone path, no affixes so the file is exactly
        // `<model>fw.bin`, and P238=0 so this boot checks whatever the affixes were before
        // (1 would skip the check when they did not change; 2 always skips).
        p.push((212, "2".into()));
        p.push((192, files.host_and_path()));
        p.push((232, String::new()));
        p.push((233, String::new()));
        p.push((238, "0".into()));
        let expected = plan.model.as_deref().map(image_name);
        if expected
            .as_deref()
            .is_some_and(|e| !image.name.eq_ignore_ascii_case(e))
        {
            said.push(format!(
                "warning: the image {} is not named {}: the phone will not fetch it",
                image.name,
                expected.unwrap_or_default()
            ));
        }
    }
    redirect_values(plan, &mut p, &mut notes, &mut said);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- {} -->\n<gs_provision version=\"1\">\n  <mac>{}</mac>\n  <config version=\"1\">\n",
        xml_comment(&format!("rcs: Grandstream configuration for {}", plan.mac)),
        plan.mac.as_str().to_ascii_lowercase()
    );
    for note in notes {
        out.push_str(&format!("    <!-- {} -->\n", xml_comment(&note)));
    }
    for (n, value) in p {
        out.push_str(&format!("    <P{n}>{}</P{n}>\n", xml_escape(&value)));
    }
    out.push_str("  </config>\n</gs_provision>\n");
    said.push(plan.steps_note());
    Rendered::text(XML, out, format!("{file}: {}", said.join("; ")))
}

/// The configuration server as P212 (protocol), P237 (server path) and P1360/P1361
/// (credentials), with P145=0 so DHCP options cannot send the phone elsewhere.
fn redirect_values(
    plan: &Plan,
    p: &mut Vec<(u32, String)>,
    notes: &mut Vec<String>,
    said: &mut Vec<String>,
) {
    match plan.redirect() {
        Some(server) => match protocol(&server.parts.scheme) {
            Some(code) => {
                let parts = &server.parts;
                notes.push(format!("configuration server: {}", server.name));
                p.push((212, code.into()));
                p.push((237, parts.host_and_path()));
                if let Some(user) = &parts.user {
                    p.push((1360, user.clone()));
                }
                if let Some(password) = &parts.password {
                    p.push((1361, password.clone()));
                }
                p.push((145, "0".into()));
            }
            None => said.push(format!(
                "warning: Grandstream has no verified P212 value for {}:// servers: redirect to {:?} not sent",
                server.parts.scheme, server.name
            )),
        },
        None if plan.server.is_none() => {
            notes.push("no configuration server is assigned to this phone".into());
        }
        None => {}
    }
}

/// P212's value for a server's scheme; FTP has none verified.
fn protocol(scheme: &str) -> Option<&'static str> {
    match scheme {
        "tftp" => Some("0"),
        "http" => Some("1"),
        "https" => Some("2"),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
