//! What a booting phone is told: the original boot process as ordered actions.
//!
//! 1. branding: the phone's branding (or the account's default), so the phone shows the
//!    provider's brand from its first boot;
//! 2. firmware: only when a release is pinned and the phone runs another one, up or down,
//!    because the phone reboots into it and asks again (a phone already on the pinned release
//!    must not loop);
//! 3. redirect: the configuration server.

use std::cmp::Ordering;

use rcs_shared::{BootOutcome, DeviceAction, DeviceAnswer, DeviceFile};

use crate::db::device::DevicePhone;
use crate::device::user_agent::Reported;
use crate::domain::firmware;
use crate::domain::Mac;

/// The answer, how the contact is recorded, and what the history should say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub answer: DeviceAnswer,
    pub outcome: BootOutcome,
    pub detail: String,
}

/// Decides what `phone` is told, in the order of the guide's boot process: branding, then
/// firmware, then the configuration server. `base` is the URL phones reach rcs at (no
/// trailing slash).
pub fn decide(mac: &Mac, phone: &DevicePhone, reported: &Reported, base: &str) -> Decision {
    let mut actions = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    branding_step(mac, phone, base, &mut actions, &mut notes);
    firmware_step(mac, phone, reported, base, &mut actions, &mut notes);
    match &phone.server {
        Some((name, url)) => {
            actions.push(DeviceAction::Redirect {
                server: name.clone(),
                url: url.clone(),
            });
            notes.push(format!("redirect to {name:?}"));
        }
        None => notes.push("no configuration server assigned".to_string()),
    }
    let sends = |kind: fn(&DeviceAction) -> bool| actions.iter().any(kind);
    let outcome = if sends(|a| matches!(a, DeviceAction::Firmware { .. })) {
        BootOutcome::FirmwareSent
    } else if sends(|a| matches!(a, DeviceAction::Branding { .. })) {
        BootOutcome::BrandingSent
    } else {
        BootOutcome::Redirected
    };
    Decision {
        answer: DeviceAnswer {
            mac: mac.to_string(),
            actions,
        },
        outcome,
        detail: notes.join("; "),
    }
}

/// Step 1: the files of the phone's branding (its own or the account's default), if any.
fn branding_step(
    mac: &Mac,
    phone: &DevicePhone,
    base: &str,
    actions: &mut Vec<DeviceAction>,
    notes: &mut Vec<String>,
) {
    let Some((name, files)) = &phone.branding else {
        return;
    };
    if files.is_empty() {
        return;
    }
    actions.push(DeviceAction::Branding {
        name: name.clone(),
        files: files
            .iter()
            .map(|f| DeviceFile {
                url: format!("{base}/phone/{mac}/branding/{}", encode_segment(&f.name)),
                name: f.name.clone(),
                size: f.size,
                sha256: f.sha256.clone(),
            })
            .collect(),
    });
    notes.push(format!("branding {name:?} ({} files)", files.len()));
}

/// Step 2: the pinned release's image for the phone's model, only when the phone runs
/// another release (up- or downgrade); otherwise a note says why nothing is sent.
fn firmware_step(
    mac: &Mac,
    phone: &DevicePhone,
    reported: &Reported,
    base: &str,
    actions: &mut Vec<DeviceAction>,
    notes: &mut Vec<String>,
) {
    let Some(release) = &phone.firmware else {
        return;
    };
    let differs = reported
        .firmware
        .as_deref()
        .is_none_or(|running| firmware::compare(running, release) != Ordering::Equal);
    match (&reported.model, &phone.image) {
        _ if !differs => notes.push(format!("firmware {release} already running")),
        (None, _) => notes.push(format!(
            "warning: firmware {release} is pinned but the phone did not report its model"
        )),
        (Some(model), None) => notes.push(format!(
            "warning: firmware {release} has no image for model {model}"
        )),
        (Some(model), Some(image)) => {
            actions.push(DeviceAction::Firmware {
                release: release.clone(),
                model: model.clone(),
                url: format!("{base}/phone/{mac}/firmware"),
                size: image.size,
                sha256: image.sha256.clone(),
            });
            notes.push(format!(
                "firmware {} -> {release}",
                reported.firmware.as_deref().unwrap_or("unknown")
            ));
        }
    }
}

/// The redirect in the phones' own configuration syntax (`key: value` lines), derived from
/// the server URL: `https://host:8443/cfg/` becomes `download protocol: HTTPS`,
/// `https server: "host"`, `https path: "cfg/"`, `https port: 8443`. A phone without a
/// server gets a file with comments only, which changes nothing on the phone.
pub fn config_text(mac: &Mac, phone: &DevicePhone) -> String {
    let mut out = format!("# rcs: configuration server for {mac}\n");
    let Some((name, url)) = &phone.server else {
        out.push_str("# no configuration server is assigned to this phone\n");
        return out;
    };
    let parts = UrlParts::of(url);
    let key = parts.scheme.as_str();
    out.push_str(&format!("# server: {}\n", quote_free(name)));
    out.push_str(&format!(
        "download protocol: {}\n",
        parts.scheme.to_ascii_uppercase()
    ));
    out.push_str(&format!("{key} server: \"{}\"\n", parts.host));
    out.push_str(&format!("{key} path: \"{}\"\n", parts.path));
    if let Some(port) = parts.port {
        out.push_str(&format!("{key} port: {port}\n"));
    }
    if let Some((user, password)) = parts.credentials() {
        out.push_str(&format!("{key} username: \"{user}\"\n"));
        if let Some(password) = password {
            out.push_str(&format!("{key} password: \"{password}\"\n"));
        }
    }
    out
}

/// The pieces of a stored server URL (already validated by `ServerUrl`).
#[derive(Debug, PartialEq, Eq)]
struct UrlParts {
    scheme: String,
    userinfo: Option<String>,
    host: String,
    port: Option<u16>,
    /// Without the leading slash, as the phones expect; the query, if any, stays on it.
    path: String,
}

impl UrlParts {
    fn of(url: &str) -> UrlParts {
        let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u.to_string()), h),
            None => (None, authority),
        };
        // An IPv6 literal keeps its brackets; a port follows the last colon outside them.
        let (host, port) = match hostport.rfind(':') {
            Some(i) if !hostport[i..].contains(']') => {
                (&hostport[..i], hostport[i + 1..].parse::<u16>().ok())
            }
            _ => (hostport, None),
        };
        UrlParts {
            scheme: scheme.to_ascii_lowercase(),
            userinfo,
            host: quote_free(host),
            port,
            path: quote_free(path.strip_prefix('/').unwrap_or(path)),
        }
    }

    fn credentials(&self) -> Option<(String, Option<String>)> {
        let info = self.userinfo.as_deref()?;
        Some(match info.split_once(':') {
            Some((u, p)) => (quote_free(u), Some(quote_free(p))),
            None => (quote_free(info), None),
        })
    }
}

/// Values are written in double quotes; a quote or line break inside could end the value and
/// start a new key, so they are dropped (validated URLs never contain them anyway).
fn quote_free(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '"' | '\n' | '\r'))
        .collect()
}

/// Percent-encodes a branding file name for use as one URL path segment.
fn encode_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::device::StoredFile;

    fn mac() -> Mac {
        Mac::parse("00085D1A2B3C").unwrap()
    }

    fn phone() -> DevicePhone {
        DevicePhone {
            account_id: 1,
            firmware: None,
            server: Some((
                "Main".into(),
                "https://pbx.example.net:8443/cfg/a?x=1".into(),
            )),
            branding: None,
            image: None,
        }
    }

    fn reported(model: Option<&str>, firmware: Option<&str>) -> Reported {
        Reported {
            model: model.map(str::to_string),
            firmware: firmware.map(str::to_string),
            mac: None,
        }
    }

    const BASE: &str = "https://rcs.example.net";

    #[test]
    fn firmware_is_sent_up_and_down_but_not_when_running() {
        let mut p = phone();
        p.firmware = Some("4.2.0.181".into());
        p.image = Some(StoredFile {
            name: "6757i".into(),
            sha256: "ab".into(),
            size: 3,
        });
        for (running, sent) in [
            ("3.3.1.4322", true),
            ("5.0.0.1", true),
            ("4.2.0.181", false),
        ] {
            let d = decide(&mac(), &p, &reported(Some("6757i"), Some(running)), BASE);
            let has = d
                .answer
                .actions
                .iter()
                .any(|a| matches!(a, DeviceAction::Firmware { .. }));
            assert_eq!(has, sent, "{running}");
            assert_eq!(
                d.outcome,
                if sent {
                    BootOutcome::FirmwareSent
                } else {
                    BootOutcome::Redirected
                }
            );
        }
    }

    #[test]
    fn order_is_branding_firmware_redirect() {
        let mut p = phone();
        p.firmware = Some("4.2.0.181".into());
        p.image = Some(StoredFile {
            name: "6757i".into(),
            sha256: "ab".into(),
            size: 3,
        });
        p.branding = Some((
            "Acme".into(),
            vec![StoredFile {
                name: "logo 1.png".into(),
                sha256: "cd".into(),
                size: 9,
            }],
        ));
        let d = decide(
            &mac(),
            &p,
            &reported(Some("6757i"), Some("3.3.1.4322")),
            BASE,
        );
        let kinds: Vec<&str> = d
            .answer
            .actions
            .iter()
            .map(|a| match a {
                DeviceAction::Branding { files, .. } => {
                    assert_eq!(
                        files[0].url,
                        "https://rcs.example.net/phone/00085D1A2B3C/branding/logo%201.png"
                    );
                    "branding"
                }
                DeviceAction::Firmware { .. } => "firmware",
                DeviceAction::Redirect { .. } => "redirect",
            })
            .collect();
        assert_eq!(kinds, ["branding", "firmware", "redirect"]);
    }

    #[test]
    fn model_without_image_is_a_warning() {
        let mut p = phone();
        p.firmware = Some("4.2.0.181".into());
        let d = decide(
            &mac(),
            &p,
            &reported(Some("6731i"), Some("3.3.1.4322")),
            BASE,
        );
        assert!(d
            .detail
            .contains("warning: firmware 4.2.0.181 has no image for model 6731i"));
        assert_eq!(d.answer.actions.len(), 1);
    }

    #[test]
    fn nothing_to_do_is_an_empty_list() {
        let mut p = phone();
        p.server = None;
        let d = decide(&mac(), &p, &Reported::default(), BASE);
        assert!(d.answer.actions.is_empty());
    }

    #[test]
    fn config_text_follows_the_phones_syntax() {
        let text = config_text(&mac(), &phone());
        assert!(text.contains("download protocol: HTTPS\n"), "{text}");
        assert!(text.contains("https server: \"pbx.example.net\"\n"));
        assert!(text.contains("https path: \"cfg/a?x=1\"\n"));
        assert!(text.contains("https port: 8443\n"));

        let mut p = phone();
        p.server = Some(("F".into(), "ftp://bob:secret@[2001:db8::1]/prov".into()));
        let text = config_text(&mac(), &p);
        assert!(text.contains("download protocol: FTP\n"), "{text}");
        assert!(text.contains("ftp server: \"[2001:db8::1]\"\n"), "{text}");
        assert!(text.contains("ftp path: \"prov\"\n"));
        assert!(text.contains("ftp username: \"bob\"\nftp password: \"secret\"\n"));
        assert!(!text.contains("ftp port"));

        let mut p = phone();
        p.server = None;
        assert!(!config_text(&mac(), &p).contains("download protocol"));
    }
}
