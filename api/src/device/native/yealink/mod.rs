//! Yealink (SIP-T2x/T4x/T5x, CP, W-series DECT bases): `#!version:1.0.0.1` and `key = value`.
//!
//! Modern firmware begins its boot with `<mac>.boot` (lower-case hex); on a 404 it tries the
//! common boot file `y000000000000.boot`, and on a 404 again fetches its model's common file
//! `y0000000000NN.cfg`, then `<mac>.cfg`, later values overriding earlier ones. Older
//! firmware, without boot files, fetches that pair directly. Sources:
//! docs/device-protocols-research.md §2.2.
//!
//! rcs answers both boot files 404 and serves the pair. The pair is what every firmware
//! generation fetches, so one answer serves them all; a boot file would only list the same
//! two files in `include:config` lines, a second syntax whose firmware floor no source states.
//! The boot starts with `<mac>.boot`: firmware too old to fetch it has its boots told apart
//! by the pause between them only (see `session::GAP`).
//!
//! What the phone is told is in `<mac>.cfg`: branding (`wallpaper_upload.url` with
//! `phone_setting.backgrounds = Config:<name>` for a picture, `lcd_logo.url` for a `.dob`
//! logo, `gui_lang.url` for a `.lang` file), `static.firmware.url` while a release is due
//! (otherwise `%NULL%`, so no link to an image outlives its boot), and the redirect
//! (`static.auto_provision.server.url`, with `.username`/`.password` when the server's URL
//! carries credentials). The phone keeps these settings until a later file changes them.
//! Keys: research §2.3 ([WZ] `v87/templates/base.tpl`, `T54W.tpl`); the `Config:<name>`
//! value of `phone_setting.backgrounds`: Yealink SIP-T4X Auto Provisioning Guide, p. 14.

use rcs_shared::BootOutcome;

use super::plan::Plan;
use super::url::line_safe;
use super::{mac_in_case, strip_prefix_ignore_case, Adapter, Kind, Rendered, Requested};
use crate::device::user_agent::{self, Malformed, Reported};
use crate::domain::{Mac, Vendor};

pub struct Yealink;

const TEXT: &str = "text/plain; charset=utf-8";
/// The first line of every Yealink configuration file: "not a comment", it cannot be left
/// out (research §2.5).
const HEADER: &str = "#!version:1.0.0.1";
/// The common boot file's name (without `.boot`).
const COMMON_BOOT: &str = "y000000000000";
/// Longest model name read (`T21P_E2`, `W90DM`, `CP925`).
const MAX_MODEL: usize = 24;
/// Longest image name a phone asks for.
const MAX_IMAGE_NAME: usize = 100;
/// Models that announce themselves without the word Yealink (`W52P 25.30.0.2 00:15:65:..`),
/// research §2.1.
const BARE_MODELS: &[&str] = &["VP530", "VP530P", "W60B", "W52P"];
/// Common files that belong to one model, from the research's common-file table (§2.2); the
/// files that several models share are left out, since they cannot say which model asks.
const COMMON_FILES: &[(u32, &str)] = &[
    (0, "T28P"),
    (4, "T26P"),
    (5, "T22P"),
    (7, "T20P"),
    (25, "W52P"),
    (28, "T46G"),
    (29, "T42G"),
    (35, "T48G"),
    (36, "T41P"),
    (37, "CP860"),
    (45, "T27P"),
    (46, "T29G"),
    (51, "T49G"),
    (54, "T40P"),
    (65, "T48S"),
    (66, "T46S"),
    (67, "T42S"),
    (68, "T41S"),
    (69, "T27G"),
    (73, "CP960"),
    (76, "T40G"),
    (77, "W60B"),
    (78, "CP920"),
    (96, "T54W"),
    (97, "T57W"),
    (103, "W80B"),
    (146, "W70B"),
    (148, "CP925"),
    (150, "T58W"),
];
/// Picture formats the phones take as wallpaper (research §2.3 (c)).
const PICTURES: &[&str] = &[".jpg", ".jpeg", ".png", ".bmp"];

impl Adapter for Yealink {
    fn vendor(&self) -> Vendor {
        Vendor::Yealink
    }

    /// `Yealink SIP-T46S 66.86.0.15 00:15:65:4a:a9:37`; also `yealink` in lower case, several
    /// spaces, `Yealink SIP VP-T49G ...`, DECT bases without `SIP-` (`Yealink W90DM ...`),
    /// some without the word Yealink (`W52P ...`), and, with the MAC turned off,
    /// `Yealink-T46G 28.71.0.81 28.1.0.128.0.0.0` (the last number is a hardware version).
    fn user_agent(&self, ua: &str) -> Option<Result<Reported, Malformed>> {
        let mut tokens = ua.split_ascii_whitespace();
        let first = tokens.next()?;
        let (model, with_mac) = if first.eq_ignore_ascii_case("yealink") {
            let model = match tokens.next() {
                Some(t) if t.eq_ignore_ascii_case("SIP") => {
                    match tokens
                        .next()
                        .and_then(|t| strip_prefix_ignore_case(t, "VP-"))
                    {
                        Some(model) => model,
                        None => return Some(Err(no_model())),
                    }
                }
                Some(t) => strip_prefix_ignore_case(t, "SIP-").unwrap_or(t),
                None => return Some(Err(no_model())),
            };
            (model, true)
        } else if let Some(model) = strip_prefix_ignore_case(first, "yealink-") {
            (model, false)
        } else if BARE_MODELS.contains(&first) {
            (first, true)
        } else {
            return None;
        };
        Some((|| {
            let mut reported = Reported {
                model: Some(parse_model(model)?),
                ..Reported::default()
            };
            if let Some(version) = tokens.next() {
                reported.firmware = Some(user_agent::firmware(version)?);
            }
            if let Some(mac) = tokens.next().filter(|_| with_mac) {
                reported.mac = Some(Mac::parse(mac).map_err(|_| {
                    Malformed("The User-Agent's MAC is not a valid MAC address.".into())
                })?);
            }
            Ok(reported)
        })())
    }

    fn classify(&self, file: &str) -> Option<Requested> {
        let requested = |kind, starts_boot, model: Option<&str>| Requested {
            file: file.to_string(),
            kind,
            starts_boot,
            model: model.map(str::to_string),
        };
        if let Some(stem) = file.strip_suffix(".boot") {
            if stem == COMMON_BOOT {
                return Some(requested(Kind::Common, false, None));
            }
            let mac = mac_in_case(stem, false)?;
            return Some(requested(Kind::PerPhone(mac), true, None));
        }
        if let Some(stem) = file.strip_suffix(".cfg") {
            if let Some(number) = common_number(stem) {
                let model = COMMON_FILES
                    .iter()
                    .find(|(n, _)| *n == number)
                    .map(|(_, m)| *m);
                return Some(requested(Kind::Common, false, model));
            }
            let mac = mac_in_case(stem, false)?;
            return Some(requested(Kind::PerPhone(mac), false, None));
        }
        is_image(file).then(|| requested(Kind::Image, false, None))
    }

    fn model(&self, raw: &str) -> Result<String, Malformed> {
        let raw = raw.trim();
        let model = strip_prefix_ignore_case(raw, "SIP-")
            .or_else(|| strip_prefix_ignore_case(raw, "SIP VP-"))
            .unwrap_or(raw);
        parse_model(model)
    }

    fn render(&self, requested: &Requested, plan: &Plan) -> Rendered {
        let file = requested.file.as_str();
        if file.ends_with(".boot") {
            return Rendered::missing(format!(
                "{file}: not offered (rcs serves the common and MAC .cfg files instead)"
            ));
        }
        match requested.kind {
            Kind::PerPhone(_) => phone_file(file, plan),
            Kind::Common => Rendered::text(
                TEXT,
                format!(
                    "{HEADER}\n# rcs: {file} for Yealink phones.\n\
                     # What this phone is told is in {}.cfg.\n",
                    plan.mac.as_str().to_ascii_lowercase()
                ),
                format!("{file}: sent (nothing phone-specific)"),
            ),
            Kind::Image => Rendered::missing(format!("{file}: images are streamed, not rendered")),
        }
    }
}

/// `<mac>.cfg`: branding keys, the firmware link while due, then the redirect (held back
/// while firmware is due).
fn phone_file(file: &str, plan: &Plan) -> Rendered {
    let mac = plan.mac.as_str().to_ascii_lowercase();
    let mut out = format!("{HEADER}\n# rcs: Yealink configuration for {mac}\n");
    let mut said = vec![];
    let outcome = branding(plan, &mut out, &mut said);
    match plan.image() {
        Some((release, image)) => out.push_str(&format!(
            "# firmware {release} is due: the phone takes this image and reboots;\n\
             # its configuration server follows once it runs {release}.\n\
             static.firmware.url = {}\n",
            line_safe(&image.url)
        )),
        None => out.push_str("static.firmware.url = %NULL%\n"),
    }
    redirect(plan, &mut out);
    said.push(plan.steps_note());
    Rendered {
        body: Some(out),
        content_type: TEXT,
        // The history joins a boot's files with " | ".
        said: format!("{file}: {}", said.join("; ")).replace(" | ", " / "),
        outcome,
    }
}

/// The branding keys (the first file of each kind that has one), and a comment and a warning
/// for the files without: BrandingSent when a key was written.
fn branding(plan: &Plan, out: &mut String, said: &mut Vec<String>) -> BootOutcome {
    let Some(branding) = &plan.branding else {
        return BootOutcome::Redirected;
    };
    out.push_str(&format!("# branding: {}\n", line_safe(&branding.name)));
    let (mut picture, mut logo, mut language) = (false, false, false);
    let mut sent = vec![];
    let mut unsent = vec![];
    for f in &branding.files {
        let lower = f.name.to_ascii_lowercase();
        let url = line_safe(&f.url);
        if !picture && PICTURES.iter().any(|e| lower.ends_with(e)) {
            out.push_str(&format!("wallpaper_upload.url = {url}\n"));
            out.push_str(&format!(
                "phone_setting.backgrounds = Config:{}\n",
                line_safe(&f.name)
            ));
            picture = true;
        } else if !logo && lower.ends_with(".dob") {
            out.push_str(&format!("lcd_logo.url = {url}\n"));
            logo = true;
        } else if !language && lower.ends_with(".lang") {
            out.push_str(&format!("gui_lang.url = {url}\n"));
            language = true;
        } else {
            unsent.push(f.name.as_str());
            continue;
        }
        sent.push(f.name.as_str());
    }
    if !unsent.is_empty() {
        out.push_str(&format!(
            "# not sent (no Yealink key for these files): {}\n",
            line_safe(&unsent.join(", "))
        ));
    }
    if !sent.is_empty() {
        said.push(format!(
            "branding {:?} ({})",
            branding.name,
            sent.join(", ")
        ));
    }
    if !unsent.is_empty() {
        said.push(format!(
            "warning: branding {:?} files with no Yealink key not sent: {}",
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

/// The provisioning server the phone is sent on to (none while firmware is due).
fn redirect(plan: &Plan, out: &mut String) {
    match plan.redirect() {
        Some(server) => {
            let p = &server.parts;
            let port = p.port.map(|port| format!(":{port}")).unwrap_or_default();
            out.push_str(&format!(
                "# configuration server: {}\n",
                line_safe(&server.name)
            ));
            out.push_str(&format!(
                "static.auto_provision.server.url = {}://{}{port}/{}\n",
                p.scheme, p.host, p.path
            ));
            if let Some(user) = &p.user {
                out.push_str(&format!("static.auto_provision.server.username = {user}\n"));
            }
            if let Some(password) = &p.password {
                out.push_str(&format!(
                    "static.auto_provision.server.password = {password}\n"
                ));
            }
        }
        None if plan.server.is_none() => {
            out.push_str("# no configuration server is assigned to this phone\n");
        }
        None => {}
    }
}

/// The number of a common file `y` + 12 digits (`y000000000066` is 66).
fn common_number(stem: &str) -> Option<u32> {
    let digits = stem.strip_prefix('y')?;
    (digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// A firmware image as Yealink names them: `T46S(T48S,T42S,T41S)-66.86.0.15.rom`,
/// `2.73.0.50.rom`, `T46U(...)-108.86.0.45(20211130).rom`.
fn is_image(file: &str) -> bool {
    let Some(stem) = file.get(..file.len().saturating_sub(4)) else {
        return false;
    };
    file.len() <= MAX_IMAGE_NAME
        && file[stem.len()..].eq_ignore_ascii_case(".rom")
        && !stem.is_empty()
        && !stem.starts_with('.')
        && stem
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"()-_.,".contains(&b))
}

/// A model as Yealink spells it (`T46S`, `T21P_E2`, `W90DM`), in capitals as the catalog
/// does.
fn parse_model(model: &str) -> Result<String, Malformed> {
    let ok = !model.is_empty()
        && model.len() <= MAX_MODEL
        && model
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !ok {
        return Err(Malformed(format!(
            "The Yealink model must be 1 to {MAX_MODEL} letters, digits and underscores."
        )));
    }
    Ok(model.to_ascii_uppercase())
}

fn no_model() -> Malformed {
    Malformed("The Yealink User-Agent names no model.".into())
}

#[cfg(test)]
mod tests;
