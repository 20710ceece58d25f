//! What a phone is to be told, whatever its syntax: the guide's three steps worked out once
//! per request, which each vendor's module then writes in its own files.
//!
//! The order matters more natively than in rcs's JSON answer. A phone applies a redirect as
//! soon as it reads it and fetches everything after it, its firmware image included, from
//! the new server. So while the pinned release is due the redirect is held back: the phone
//! fetches the image from rcs, reboots into it, boots against rcs again, and only that boot
//! (running the pinned release, so with no firmware step) is sent on to its configuration
//! server. That is the guide's "it reboots and asks again".

use std::cmp::Ordering;

use crate::db::device::{DevicePhone, StoredFile};
use crate::domain::{firmware, Mac, Vendor};

use super::url::{encode_segment, UrlParts};

/// One booting phone's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub mac: Mac,
    pub vendor: Vendor,
    /// The model as the catalog spells it, when known.
    pub model: Option<String>,
    /// The release the phone says it runs.
    pub running: Option<String>,
    /// Where the phone fetches rcs's files: `https://host:port/phone` (no trailing slash).
    pub files_url: String,
    /// The phone's branding (its own or the account's default), with download links.
    pub branding: Option<Branding>,
    pub firmware: FirmwareStep,
    /// The configuration server, if one is assigned.
    pub server: Option<Server>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branding {
    pub name: String,
    pub files: Vec<Link>,
}

/// A file the phone downloads from rcs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub name: String,
    pub url: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub name: String,
    pub url: String,
    pub parts: UrlParts,
}

/// The firmware step, and why there is none when there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirmwareStep {
    /// No release is pinned: the phone keeps what it runs.
    NotPinned,
    /// The phone already runs the pinned release.
    Running { release: String },
    /// The phone must switch (up or down) to `release`: `image` under its native name.
    Due { release: String, image: Link },
    /// Pinned, but the catalog has no image for the phone's model (or it did not say which).
    NoImage {
        release: String,
        model: Option<String>,
    },
    /// Pinned to another vendor's release (pinned before the phone's vendor was known).
    OtherVendor { release: String, vendor: String },
}

impl Plan {
    /// Works out the steps for `phone`, which said it is a `model` running `running`.
    pub fn new(
        mac: Mac,
        vendor: Vendor,
        phone: &DevicePhone,
        model: Option<String>,
        running: Option<String>,
        base: &str,
    ) -> Plan {
        let files_url = format!("{base}/phone");
        let branding = phone.branding.as_ref().and_then(|(name, files)| {
            (!files.is_empty()).then(|| Branding {
                name: name.clone(),
                files: files
                    .iter()
                    .map(|f| {
                        link(
                            f,
                            format!("{files_url}/{mac}/branding/{}", encode_segment(&f.name)),
                        )
                    })
                    .collect(),
            })
        });
        let firmware = firmware_step(
            vendor,
            phone,
            model.as_deref(),
            running.as_deref(),
            &files_url,
        );
        let server = phone.server.as_ref().map(|(name, url)| Server {
            name: name.clone(),
            url: url.clone(),
            parts: UrlParts::of(url),
        });
        Plan {
            mac,
            vendor,
            model,
            running,
            files_url,
            branding,
            firmware,
            server,
        }
    }

    /// The redirect to send now: none while a firmware switch is due (see the module docs).
    pub fn redirect(&self) -> Option<&Server> {
        match self.firmware {
            FirmwareStep::Due { .. } => None,
            _ => self.server.as_ref(),
        }
    }

    /// The image due, if any.
    pub fn image(&self) -> Option<(&str, &Link)> {
        match &self.firmware {
            FirmwareStep::Due { release, image } => Some((release, image)),
            _ => None,
        }
    }

    /// What the plan's firmware and redirect steps are, for the history: the branding part is
    /// the vendor's to tell (which files its syntax can carry).
    pub fn steps_note(&self) -> String {
        let firmware = match &self.firmware {
            FirmwareStep::NotPinned => None,
            FirmwareStep::Running { release } => {
                Some(format!("firmware {release} already running"))
            }
            FirmwareStep::Due { release, image } => Some(format!(
                "firmware {} -> {release} ({})",
                self.running.as_deref().unwrap_or("unknown"),
                image.name
            )),
            FirmwareStep::NoImage {
                release,
                model: Some(model),
            } => Some(format!(
                "warning: firmware {release} has no image for model {model}"
            )),
            FirmwareStep::NoImage {
                release,
                model: None,
            } => Some(format!(
                "warning: firmware {release} is pinned but the phone did not say its model"
            )),
            FirmwareStep::OtherVendor { release, vendor } => Some(format!(
                "warning: firmware {release} is a {vendor} release, not for this {} phone",
                self.vendor.as_str()
            )),
        };
        let redirect = match (&self.server, self.redirect()) {
            (None, _) => "no configuration server assigned".to_string(),
            (Some(s), Some(_)) => format!("redirect to {:?}", s.name),
            (Some(s), None) => format!(
                "redirect to {:?} held back until the phone runs the pinned release",
                s.name
            ),
        };
        match firmware {
            Some(f) => format!("{f}; {redirect}"),
            None => redirect,
        }
    }
}

fn link(file: &StoredFile, url: String) -> Link {
    Link {
        name: file.name.clone(),
        url,
        size: file.size,
        sha256: file.sha256.clone(),
    }
}

fn firmware_step(
    vendor: Vendor,
    phone: &DevicePhone,
    model: Option<&str>,
    running: Option<&str>,
    files_url: &str,
) -> FirmwareStep {
    let Some(release) = phone.firmware.clone() else {
        return FirmwareStep::NotPinned;
    };
    if let Some(other) = phone
        .release_vendor
        .as_deref()
        .filter(|v| *v != vendor.as_str())
    {
        return FirmwareStep::OtherVendor {
            release,
            vendor: other.to_string(),
        };
    }
    if running.is_some_and(|r| firmware::compare(r, &release) == Ordering::Equal) {
        return FirmwareStep::Running { release };
    }
    match &phone.image {
        Some(image) if model.is_some() => FirmwareStep::Due {
            image: link(
                image,
                format!("{files_url}/{}", encode_segment(&image.name)),
            ),
            release,
        },
        _ => FirmwareStep::NoImage {
            release,
            model: model.map(str::to_string),
        },
    }
}

/// The outcome rank of a boot: a boot that sent firmware is a firmware boot even if it also
/// redirected, as in rcs's JSON answer.
pub fn rank(outcome: rcs_shared::BootOutcome) -> u8 {
    use rcs_shared::BootOutcome::*;
    match outcome {
        FirmwareSent => 4,
        BrandingSent => 3,
        Redirected => 2,
        Unknown => 1,
        Refused => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone() -> DevicePhone {
        DevicePhone {
            account_id: 1,
            suspended: false,
            firmware: Some("4.2.0.181".into()),
            release_vendor: Some("aastra".into()),
            reported_firmware: None,
            server: Some(("Main".into(), "https://pbx.example.net/cfg/".into())),
            branding: None,
            image: Some(StoredFile {
                name: "6757i.st".into(),
                sha256: "ab".into(),
                size: 3,
            }),
        }
    }

    fn plan(phone: &DevicePhone, running: &str) -> Plan {
        Plan::new(
            Mac::parse("00085D1A2B3C").unwrap(),
            Vendor::Aastra,
            phone,
            Some("6757i".into()),
            Some(running.into()),
            "https://rcs.example.net",
        )
    }

    #[test]
    fn the_redirect_waits_for_the_pinned_release() {
        let p = phone();
        let up = plan(&p, "3.3.1.4322");
        let (release, image) = up.image().unwrap();
        assert_eq!(release, "4.2.0.181");
        assert_eq!(image.url, "https://rcs.example.net/phone/6757i.st");
        assert!(up.redirect().is_none());
        assert!(up.steps_note().contains("held back"), "{}", up.steps_note());

        let down = plan(&p, "5.0.0.1");
        assert!(down.image().is_some(), "downgrades are sent too");

        let after = plan(&p, "4.2.0.181");
        assert!(after.image().is_none());
        assert_eq!(after.redirect().unwrap().name, "Main");
    }

    #[test]
    fn another_vendors_release_is_never_sent() {
        let mut p = phone();
        p.release_vendor = Some("yealink".into());
        let plan = plan(&p, "3.3.1.4322");
        assert!(plan.image().is_none());
        assert!(plan.redirect().is_some());
        assert!(plan
            .steps_note()
            .contains("warning: firmware 4.2.0.181 is a yealink release"));
    }
}
