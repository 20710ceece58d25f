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
                url: format!(
                    "{base}/phone/{mac}/branding/{}",
                    super::native::url::encode_segment(&f.name)
                ),
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
            suspended: false,
            firmware: None,
            release_vendor: None,
            reported_firmware: None,
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
            vendor: None,
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
            name: "6757i.st".into(),
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
            name: "6757i.st".into(),
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
}
