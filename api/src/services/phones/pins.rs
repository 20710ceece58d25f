//! Which firmware a phone may be pinned to: a release of the catalog, of the phone's own
//! vendor. A Yealink image on an Aastra phone would be fetched at every boot and never run.
//!
//! A phone's vendor is the one the device route detected at its boots (`phones.vendor`), else
//! the vendor its MAC's maker prefix (OUI) belongs to; a phone of neither may take any
//! release. Every check reads what it needs in one query per batch, whatever its size.

use std::collections::HashMap;

use sqlx::AnyConnection;

use super::unknown_firmware;
use crate::db::firmware;
use crate::domain::mac::Mac;
use crate::domain::Vendor;
use crate::error::{Error, Result};

/// The catalog's releases by version, each with its vendor (`None` only for a stored name
/// rcs no longer knows, which then pins like a phone of unknown make).
pub(super) async fn release_vendors(
    conn: &mut AnyConnection,
) -> Result<HashMap<String, Option<Vendor>>> {
    Ok(firmware::versions(conn)
        .await?
        .into_iter()
        .map(|(version, vendor)| (version, Vendor::parse(&vendor).ok()))
        .collect())
}

/// 422 `unknown_firmware` unless `firmware` (when given) names a release in the catalog;
/// otherwise the release's vendor, for [`check_vendors`].
pub(super) async fn check_firmware(
    conn: &mut AnyConnection,
    firmware: Option<&str>,
) -> Result<Option<Vendor>> {
    let Some(version) = firmware else {
        return Ok(None);
    };
    match release_vendors(conn).await?.remove(version) {
        Some(vendor) => Ok(vendor),
        None => Err(unknown_firmware(version)),
    }
}

/// [`check_firmware`], then [`check_vendors`] for every phone of `macs`: what a registration
/// or an edit that sets `firmware` must pass.
pub(super) async fn check_pin(
    conn: &mut AnyConnection,
    account_id: i64,
    firmware: Option<&str>,
    macs: &[&str],
) -> Result<()> {
    let vendor = check_firmware(conn, firmware).await?;
    match (firmware, vendor) {
        (Some(release), Some(vendor)) => {
            check_vendors(conn, account_id, release, vendor, macs).await
        }
        _ => Ok(()),
    }
}

/// How rcs knows a phone's vendor, for the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    /// The device route detected it at a boot (`phones.vendor`).
    Detected,
    /// The maker prefix of its MAC.
    Oui,
}

/// A phone's vendor for pinning: the one its boots were detected as, else its MAC's maker
/// prefix. `None` when neither says (an unlisted OUI on a phone that never booted): such a
/// phone may be pinned to any vendor's release, because refusing would lock out every maker
/// prefix the vendor list does not have yet, and the phone's first boot will tell.
fn phone_vendor(mac: &str, detected: &HashMap<String, String>) -> Option<(Vendor, Known)> {
    if let Some(vendor) = detected.get(mac).and_then(|v| Vendor::parse(v).ok()) {
        return Some((vendor, Known::Detected));
    }
    let mac = Mac::parse(mac).ok()?;
    Vendor::of_mac(&mac).map(|v| (v, Known::Oui))
}

/// Why a release of `vendor` cannot be pinned to `mac`, when it cannot (a phone of one vendor
/// cannot run another's image, and would fetch it on every boot): `the phone … is …`.
pub(super) fn vendor_mismatch(
    mac: &str,
    vendor: Vendor,
    detected: &HashMap<String, String>,
) -> Option<String> {
    let (phone, known) = phone_vendor(mac, detected)?;
    if phone == vendor {
        return None;
    }
    let how = match known {
        Known::Detected => "as detected at its boots",
        Known::Oui => "by its MAC's maker prefix",
    };
    Some(format!("the phone {mac} is {} ({how})", phone.label()))
}

/// The start of every vendor refusal: whose release it is.
pub(super) fn release_of(release: &str, vendor: Vendor) -> String {
    format!("Firmware {release} is for {} phones", vendor.label())
}

/// 422 `firmware_vendor_mismatch` unless every phone of `macs` may run `release` (of
/// `vendor`): the message names the first phone that may not, its vendor and the release's,
/// and counts the others. One query for the whole batch reads the detected vendors.
async fn check_vendors(
    conn: &mut AnyConnection,
    account_id: i64,
    release: &str,
    vendor: Vendor,
    macs: &[&str],
) -> Result<()> {
    let detected = firmware::detected_vendors(conn, account_id, macs).await?;
    let mut refused = macs
        .iter()
        .filter_map(|mac| vendor_mismatch(mac, vendor, &detected));
    let Some(first) = refused.next() else {
        return Ok(());
    };
    let more = match refused.count() {
        0 => String::new(),
        1 => "; 1 more listed phone is of another vendor too".to_string(),
        n => format!("; {n} more listed phones are of other vendors too"),
    };
    Err(Error::unprocessable(
        "firmware_vendor_mismatch",
        format!(
            "{}; {first}{more}. Nothing was changed.",
            release_of(release, vendor)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_detected_vendor_outranks_the_prefix_and_an_unknown_phone_takes_anything() {
        let detected: HashMap<String, String> = [
            ("02AA00000001".to_string(), "yealink".to_string()),
            ("00085D000009".to_string(), "yealink".to_string()),
        ]
        .into();
        let refused = |mac: &str, vendor| vendor_mismatch(mac, vendor, &detected);
        // By prefix.
        assert_eq!(refused("00085D000001", Vendor::Aastra), None);
        let why = refused("00085D000001", Vendor::Yealink).unwrap();
        assert_eq!(
            why,
            "the phone 00085D000001 is Aastra/Mitel (by its MAC's maker prefix)"
        );
        // Detected, whatever the prefix says.
        assert_eq!(refused("00085D000009", Vendor::Yealink), None);
        let why = refused("02AA00000001", Vendor::Aastra).unwrap();
        assert!(why.contains("is Yealink (as detected"), "{why}");
        // Neither: any vendor.
        for vendor in Vendor::ALL {
            assert_eq!(refused("02AA00000002", vendor), None);
        }
    }
}
