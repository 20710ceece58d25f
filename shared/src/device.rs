//! Contract of the device side: what a booting phone is told, and its boot history.
//!
//! `GET /phone/{mac}` answers a [`DeviceAnswer`]: the ordered actions of the original boot
//! process (branding, then firmware, then redirect). Every contact is kept as a
//! [`BootEvent`], listed to account users by `GET /api/v1/phones/{mac}/events`.

use serde::{Deserialize, Serialize};

/// Response body of `GET /phone/{mac}` (JSON form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "mac": "00085D1A2B3C",
        "actions": [
            {"type": "branding", "name": "Acme", "files": [{"name": "logo.png",
             "url": "https://rcs.example.net/phone/00085D1A2B3C/branding/logo.png",
             "size": 5120, "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}]},
            {"type": "firmware", "release": "4.2.0.181", "model": "6757i",
             "url": "https://rcs.example.net/phone/00085D1A2B3C/firmware",
             "size": 480, "sha256": "3fc5fd09cc8ae6c0cd99365c3e514c5ef4ee1b9242d26c79213fc0ace36d5d3c"},
            {"type": "redirect", "server": "Main PBX", "url": "https://pbx.example.net:8443/cfg/"}
        ]
    }))
)]
pub struct DeviceAnswer {
    /// Canonical MAC of the phone.
    pub mac: String,
    /// What to do, in order. Empty: nothing to do (unaffiliated, nothing pinned).
    pub actions: Vec<DeviceAction>,
}

/// One step of the boot process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "type": "redirect", "server": "Main PBX", "url": "https://pbx.example.net:8443/cfg/"
    }))
)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeviceAction {
    /// Load these branding files (the phone's branding, or the account's default).
    Branding {
        /// The branding's name.
        name: String,
        files: Vec<DeviceFile>,
    },
    /// Switch to this firmware image (up- or downgrade), reboot, and ask again.
    Firmware {
        /// The pinned release.
        release: String,
        /// The model the image is for.
        model: String,
        url: String,
        size: u64,
        /// Lower-case hex; also the download's ETag.
        sha256: String,
    },
    /// Fetch the configuration from this server.
    Redirect {
        /// The configuration server's name.
        server: String,
        url: String,
    },
}

/// A file the phone downloads from rcs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "name": "logo.png", "url": "https://rcs.example.net/phone/00085D1A2B3C/branding/logo.png",
        "size": 5120, "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    }))
)]
pub struct DeviceFile {
    pub name: String,
    pub url: String,
    pub size: u64,
    /// Lower-case hex; also the download's ETag.
    pub sha256: String,
}

/// What came of a phone's contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!("firmware_sent"))
)]
#[serde(rename_all = "snake_case")]
pub enum BootOutcome {
    /// Answered with (at most) a configuration server: nothing to download first.
    Redirected,
    /// Told to switch firmware, or the firmware image was downloaded.
    FirmwareSent,
    /// Told to load branding, or a branding file was downloaded.
    BrandingSent,
    /// The MAC is not registered with any account.
    Unknown,
    /// The phone was refused (certificate missing, untrusted, expired, or of another MAC).
    Refused,
}

impl BootOutcome {
    /// The stored (and serialised) name.
    pub fn as_str(self) -> &'static str {
        match self {
            BootOutcome::Redirected => "redirected",
            BootOutcome::FirmwareSent => "firmware_sent",
            BootOutcome::BrandingSent => "branding_sent",
            BootOutcome::Unknown => "unknown",
            BootOutcome::Refused => "refused",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<BootOutcome> {
        Some(match s {
            "redirected" => BootOutcome::Redirected,
            "firmware_sent" => BootOutcome::FirmwareSent,
            "branding_sent" => BootOutcome::BrandingSent,
            "unknown" => BootOutcome::Unknown,
            "refused" => BootOutcome::Refused,
            _ => return None,
        })
    }
}

/// One contact of a phone with rcs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "id": 42, "mac": "00085D1A2B3C", "at": "2026-11-21T09:30:00Z", "addr": "198.51.100.7",
        "user_agent": "Aastra6757i MAC:00-08-5D-1A-2B-3C V:3.2.2.1136-SIP",
        "model": "6757i", "firmware": "3.2.2.1136", "outcome": "firmware_sent",
        "detail": "firmware 3.2.2.1136 -> 4.2.0.181"
    }))
)]
pub struct BootEvent {
    pub id: i64,
    pub mac: String,
    /// RFC 3339.
    pub at: String,
    /// The client's address as rcs saw it.
    pub addr: Option<String>,
    pub user_agent: Option<String>,
    /// Model the phone reported (normalised, e.g. `6757i`).
    pub model: Option<String>,
    /// Firmware version the phone reported running.
    pub firmware: Option<String>,
    pub outcome: BootOutcome,
    /// What rcs answered or why it refused; warnings (a release without an image for the
    /// model, say) are here too. For a native boot (one entry however many files the phone
    /// fetched), each file with what it said, in order.
    pub detail: String,
    /// The vendor whose native files the phone fetched (`aastra`, `yealink`, `snom`,
    /// `polycom`, `grandstream`); absent for rcs's own JSON protocol and for refusals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
}

/// Response body of `GET /api/v1/phones/{mac}/events`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "items": [
            {
                "id": 47, "mac": "00085D1A2B3C", "at": "2026-11-21T09:32:10Z", "addr": "198.51.100.7",
                "user_agent": "Aastra6757i MAC:00-08-5D-1A-2B-3C V:4.2.0.181-SIP",
                "model": "6757i", "firmware": "4.2.0.181", "outcome": "branding_sent",
                "detail": "branding \"Acme\" (1 files); firmware 4.2.0.181 already running; redirect to \"Main PBX\""
            },
            {
                "id": 45, "mac": "00085D1A2B3C", "at": "2026-11-21T09:30:03Z", "addr": "198.51.100.7",
                "user_agent": "Aastra6757i MAC:00-08-5D-1A-2B-3C V:3.2.2.1136-SIP",
                "model": "6757i", "firmware": "3.2.2.1136", "outcome": "firmware_sent",
                "detail": "firmware 4.2.0.181 image for 6757i downloaded"
            },
            {
                "id": 42, "mac": "00085D1A2B3C", "at": "2026-11-21T09:30:00Z", "addr": "198.51.100.7",
                "user_agent": "Aastra6757i MAC:00-08-5D-1A-2B-3C V:3.2.2.1136-SIP",
                "model": "6757i", "firmware": "3.2.2.1136", "outcome": "firmware_sent",
                "detail": "firmware 3.2.2.1136 -> 4.2.0.181"
            }
        ],
        "next_cursor": "42"
    }))
)]
pub struct BootEventPage {
    pub items: Vec<BootEvent>,
    /// Pass as `cursor` to get the next (older) page; `null` on the last page.
    pub next_cursor: Option<String>,
}
