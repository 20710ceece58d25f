//! Poly / Polycom (SoundPoint IP, SoundStation IP, VVX, Trio): XML files whose settings are
//! attributes.
//!
//! At boot the phone fetches its master configuration file, `<mac>.cfg` (either case; rcs's
//! links use lower case, the convention), and only if that is missing `000000000000.cfg`.
//! The master is `<APPLICATION APP_FILE_PATH=".." CONFIG_FILES=".."/>`. Both halves of the
//! phone read it: the Updater (BootROM on older models) takes the image APP_FILE_PATH names
//! when "the copy on the boot server is different than the one stored in flash memory" (it
//! reads the image's header and drops the transfer when it already has it), then the
//! application reads it again and fetches CONFIG_FILES in order, the first occurrence of a
//! setting winning. It then asks for `<mac>-phone.cfg` (its overrides), the licence and
//! directory files, which rcs answers 404 as a server without them does. Sources:
//! docs/device-protocols-research.md §4.
//!
//! rcs serves a per-phone master: APP_FILE_PATH names the pinned image only while it is due,
//! else `sip.ld`, the stock name of Poly's own master, which rcs answers 404 so the phone
//! keeps the software in its flash. CONFIG_FILES names one file, `<mac>-rcs.cfg`, with the
//! branding and the redirect (the `device.prov.*` settings, held back while firmware is due).
//!
//! The User-Agent carries no MAC, and its version is the running application's only with
//! `Type/Application`: the Updater (`Type/Updater`) and older phones (no `Type/`) put their
//! own BootROM/Updater version in the same place (§4.1). Those requests report the model but
//! no firmware, so rcs never takes an Updater's version for the release the phone runs: it
//! goes by what the application last said (the route falls back to the phone's stored
//! reported firmware). Consequence: at a phone's very first boot the pinned image is offered
//! to the Updater, and the phone decides by comparing it with its flash (documented); the
//! redirect, in `<mac>-rcs.cfg`, is only ever fetched by the application, whose version is
//! trusted.
//!
//! Branding: `bg.color.bm.1.name` (a picture URL) with `bg.color.selection="2,1"` and
//! `bg.background.enabled="1"`, as Poly's own FAQ "How to Configure Custom Background Image
//! for the Display on Voice Devices" (https://info.lens.poly.com/docs/faq/custom-background-vvx)
//! gives them for colour VVX, CCX and Trio; the Poly community FAQ "Adding a modified
//! Background Image to a Phone" gives the same pair. The UC Software 4.1.6 VVX Expansion
//! Module addendum numbers the background types differently (`3,x` for pictures):
//! UNVERIFIED which older releases want that. Grey-scale models (VVX 300 series) use other
//! keys (UNVERIFIED) and ignore these. Other branding files have no Poly key: the history
//! says so.

use rcs_shared::BootOutcome;

use super::plan::Plan;
use super::url::{encode_segment, xml_comment, xml_escape};
use super::{mac_in_case, strip_prefix_ignore_case, Adapter, Kind, Rendered, Requested};
use crate::device::user_agent::{self, Malformed, Reported};
use crate::domain::{Mac, Vendor};

pub struct Polycom;

const XML: &str = "application/xml; charset=utf-8";
const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
/// The master file phones fetch when their own is missing.
const DEFAULT_MASTER: &str = "000000000000";
/// What APP_FILE_PATH holds while no image is due: the name Poly's own master uses, which
/// rcs never serves, so the phone finds no different copy and keeps its flash.
const KEEP_SOFTWARE: &str = "sip.ld";
/// APP_FILE_PATH's limit (SIP 3.1 Administrator's Guide, p. A-2).
const MAX_PATH: usize = 255;
/// The picture types the phones display (Poly's background FAQ, cited in the module docs).
const PICTURES: [&str; 6] = [".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".bmp"];
/// Longest model name.
const MAX_MODEL: usize = 24;

/// The files of the boot sequence, by what rcs answers in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum File {
    /// `<mac>.cfg` or `000000000000.cfg`.
    Master,
    /// `<mac>-rcs.cfg`, which rcs's master names in CONFIG_FILES.
    Settings,
    /// A file the phones ask for that rcs does not have (overrides, licences, directories).
    Absent,
}

impl Adapter for Polycom {
    fn vendor(&self) -> Vendor {
        Vendor::Polycom
    }

    /// `FileTransport PolycomVVX-VVX_400-UA/4.1.4.7430 Type/Application` (family, model,
    /// version; [WZ] common.py's `^FileTransport Polycom\w+-(\w*?)-UA/([\d.]+)`).
    fn user_agent(&self, ua: &str) -> Option<Result<Reported, Malformed>> {
        let mut tokens = ua.split_ascii_whitespace();
        if !tokens.next()?.eq_ignore_ascii_case("FileTransport") {
            return None;
        }
        let agent = strip_prefix_ignore_case(tokens.next()?, "Polycom")?;
        Some(read_user_agent(agent, tokens))
    }

    fn classify(&self, file: &str) -> Option<Requested> {
        let (kind, what) = file_kind(file)?;
        Some(Requested {
            file: file.to_string(),
            starts_boot: what == Some(File::Master) && matches!(kind, Kind::PerPhone(_)),
            kind,
            model: None,
        })
    }

    /// `VVX_400` (the User-Agent's spelling) and `VVX400` are both the catalog's `VVX400`.
    fn model(&self, raw: &str) -> Result<String, Malformed> {
        model_name(raw)
    }

    /// One power-on is one boot: the Updater's master request begins it, and the
    /// application's reading of the same master (right after) goes on with it. An untyped
    /// request (older phones) begins one too.
    fn starts_boot(&self, requested: &Requested, user_agent: Option<&str>) -> bool {
        let application = user_agent.is_some_and(|ua| {
            ua.split_ascii_whitespace()
                .any(|t| t.eq_ignore_ascii_case("Type/Application"))
        });
        requested.starts_boot && !application
    }

    fn render(&self, requested: &Requested, plan: &Plan) -> Rendered {
        match file_kind(&requested.file).and_then(|(_, what)| what) {
            Some(File::Master) => master(&requested.file, plan),
            Some(File::Settings) => settings(&requested.file, plan),
            Some(File::Absent) | None => Rendered::missing(format!(
                "{}: not offered (what rcs tells the phone is in {})",
                requested.file,
                settings_name(&plan.mac)
            )),
        }
    }
}

fn read_user_agent<'a>(
    agent: &str,
    mut tokens: impl Iterator<Item = &'a str>,
) -> Result<Reported, Malformed> {
    let malformed = || {
        Malformed(
            "The Poly User-Agent is not of the form FileTransport Polycom<family>-<model>-UA/<version>."
                .into(),
        )
    };
    let (head, version) = agent.split_once("-UA/").ok_or_else(malformed)?;
    let (family, model) = head.split_once('-').ok_or_else(malformed)?;
    let word = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !word(family) {
        return Err(malformed());
    }
    let model = model_name(model)?;
    let version = user_agent::firmware(version)?;
    let application = tokens.any(|t| t.eq_ignore_ascii_case("Type/Application"));
    Ok(Reported {
        model: Some(model),
        firmware: application.then_some(version),
        ..Reported::default()
    })
}

/// A Poly model as the catalog spells it: upper case, without the User-Agent's underscore.
fn model_name(raw: &str) -> Result<String, Malformed> {
    let name: String = raw.trim().chars().filter(|c| *c != '_').collect();
    if name.is_empty() || name.len() > MAX_MODEL || !name.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(Malformed(format!(
            "The Poly model must be 1 to {MAX_MODEL} letters and digits (VVX_400 or VVX400)."
        )));
    }
    Ok(name.to_ascii_uppercase())
}

/// What `file` is: its kind for the route, and for configuration files which answer it gets
/// (`None` for images, which the route streams).
fn file_kind(file: &str) -> Option<(Kind, Option<File>)> {
    if let Some(stem) = file.strip_suffix(".cfg") {
        return match stem {
            DEFAULT_MASTER => Some((Kind::Common, Some(File::Master))),
            "000000000000-license" => Some((Kind::Common, Some(File::Absent))),
            _ => {
                let (mac, what) = match stem.split_once('-') {
                    None => (stem, File::Master),
                    Some((mac, "rcs")) => (mac, File::Settings),
                    Some((mac, "phone" | "license")) => (mac, File::Absent),
                    Some(_) => return None,
                };
                Some((Kind::PerPhone(mac_either_case(mac)?), Some(what)))
            }
        };
    }
    if let Some(stem) = file.strip_suffix("-directory.xml") {
        return if stem == DEFAULT_MASTER {
            Some((Kind::Common, Some(File::Absent)))
        } else {
            Some((Kind::PerPhone(mac_either_case(stem)?), Some(File::Absent)))
        };
    }
    is_image(file).then_some((Kind::Image, None))
}

/// `sip.ld`, `bootrom.ld` and their per-part-number forms (`3111-46157-001.sip.ld`).
fn is_image(file: &str) -> bool {
    let Some(stem) = file
        .strip_suffix(".sip.ld")
        .or_else(|| file.strip_suffix(".bootrom.ld"))
    else {
        return file == "sip.ld" || file == "bootrom.ld";
    };
    let parts: Vec<&str> = stem.split('-').collect();
    parts.len() == 3
        && parts
            .iter()
            .zip([4, 5, 3])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A MAC in a file name: "For A-F hexadecimal digits, use upper or lower case" (SIP 3.1
/// guide, p. A-2), one case per name.
fn mac_either_case(name: &str) -> Option<Mac> {
    mac_in_case(name, false).or_else(|| mac_in_case(name, true))
}

fn settings_name(mac: &Mac) -> String {
    format!("{}-rcs.cfg", mac.as_str().to_ascii_lowercase())
}

/// The master: the image while it is due, and the settings file.
fn master(file: &str, plan: &Plan) -> Rendered {
    let settings = settings_name(&plan.mac);
    let (path, said) = match plan.image() {
        Some((release, image)) => {
            let why = match &plan.running {
                Some(running) => format!("firmware {running} -> {release}"),
                None => format!(
                    "firmware {release} is pinned and this request does not say which release \
                     runs: the phone takes the image only if it differs from its own"
                ),
            };
            // A full link where it fits; else the name, in this same path.
            let path = if image.url.len() <= MAX_PATH {
                image.url.clone()
            } else {
                encode_segment(&image.name)
            };
            (path, format!("APP_FILE_PATH {} ({why})", image.name))
        }
        None => (
            KEEP_SOFTWARE.to_string(),
            format!(
                "APP_FILE_PATH {KEEP_SOFTWARE} (no image offered: the phone keeps its software)"
            ),
        ),
    };
    let body = format!(
        "{XML_DECLARATION}<!-- {} -->\n<APPLICATION APP_FILE_PATH=\"{}\" CONFIG_FILES=\"{}\"/>\n",
        xml_comment(&format!("rcs: Poly master configuration for {}", plan.mac)),
        xml_escape(&path),
        xml_escape(&settings),
    );
    Rendered::text(
        XML,
        body,
        format!("{file}: {said}; CONFIG_FILES {settings}"),
    )
}

/// `<mac>-rcs.cfg`: the background picture, then the redirect (held back while firmware is
/// due).
fn settings(file: &str, plan: &Plan) -> Rendered {
    let mut out = format!(
        "{XML_DECLARATION}<!-- {} -->\n<polycomConfig>\n",
        xml_comment(&format!("rcs: Poly settings for {}", plan.mac))
    );
    let mut said = vec![];
    let mut outcome = BootOutcome::Redirected;
    if let Some(branding) = &plan.branding {
        out.push_str(&format!(
            "  <!-- {} -->\n",
            xml_comment(&format!("branding: {}", branding.name))
        ));
        let picture = branding.files.iter().find(|f| {
            let lower = f.name.to_ascii_lowercase();
            PICTURES.iter().any(|e| lower.ends_with(e))
        });
        if let Some(picture) = picture {
            out.push_str(&format!(
                "  <bg bg.background.enabled=\"1\" bg.color.selection=\"2,1\" bg.color.bm.1.name=\"{}\"/>\n",
                xml_escape(&picture.url)
            ));
            outcome = BootOutcome::BrandingSent;
            said.push(format!("branding {:?} ({})", branding.name, picture.name));
        }
        let unsent: Vec<&str> = branding
            .files
            .iter()
            .filter(|f| picture.is_none_or(|p| p.name != f.name))
            .map(|f| f.name.as_str())
            .collect();
        if !unsent.is_empty() {
            out.push_str(&format!(
                "  <!-- {} -->\n",
                xml_comment(&format!(
                    "not sent (no Poly key for these files): {}",
                    unsent.join(", ")
                ))
            ));
            said.push(format!(
                "warning: branding {:?} files with no Poly key not sent: {}",
                branding.name,
                unsent.join(", ")
            ));
        }
    }
    if let Some((release, image)) = plan.image() {
        out.push_str(&format!(
            "  <!-- {} -->\n",
            xml_comment(&format!(
                "firmware {release} is due ({}): the configuration server follows once the phone runs it",
                image.name
            ))
        ));
    }
    redirect_element(plan, &mut out);
    out.push_str("</polycomConfig>\n");
    said.push(plan.steps_note());
    Rendered {
        body: Some(out),
        content_type: XML,
        said: format!("{file}: {}", said.join("; ")),
        outcome,
    }
}

/// The configuration server as `device.prov.*` attributes (with their `.set` companions).
fn redirect_element(plan: &Plan, out: &mut String) {
    match plan.redirect() {
        Some(server) => {
            let p = &server.parts;
            out.push_str(&format!(
                "  <!-- {} -->\n",
                xml_comment(&format!("configuration server: {}", server.name))
            ));
            // Device settings apply only with `device.set` and their own `.set` (§4.3a);
            // `bootSrvUseOpt="Static"` keeps a DHCP option from pointing the phone back.
            let mut attributes = vec![
                ("device.set", "1".to_string()),
                ("device.prov.serverType.set", "1".to_string()),
                ("device.prov.serverType", p.scheme.to_ascii_uppercase()),
                ("device.prov.serverName.set", "1".to_string()),
                ("device.prov.serverName", p.host_and_path()),
            ];
            if let Some(user) = &p.user {
                attributes.push(("device.prov.user.set", "1".to_string()));
                attributes.push(("device.prov.user", user.clone()));
            }
            if let Some(password) = &p.password {
                attributes.push(("device.prov.password.set", "1".to_string()));
                attributes.push(("device.prov.password", password.clone()));
            }
            attributes.push(("device.dhcp.bootSrvUseOpt.set", "1".to_string()));
            attributes.push(("device.dhcp.bootSrvUseOpt", "Static".to_string()));
            out.push_str("  <device");
            for (name, value) in attributes {
                out.push_str(&format!("\n    {name}=\"{}\"", xml_escape(&value)));
            }
            out.push_str("/>\n");
        }
        None if plan.server.is_none() => {
            out.push_str("  <!-- no configuration server is assigned to this phone -->\n");
        }
        None => {}
    }
}

#[cfg(test)]
mod tests;
