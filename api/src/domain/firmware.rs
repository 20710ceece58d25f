//! Firmware release names (`4.2.0.181`) and their order.
//!
//! A release name is both the catalog's key and what a phone is pinned to, so it has one
//! shape everywhere. Releases are ordered numerically part by part (`4.10` is newer than
//! `4.9`), as phones compare them, never as text.

use std::cmp::Ordering;

/// The oldest release the catalog accepts: the original product's floor, below which phones
/// cannot be redirected reliably.
pub const MIN_RELEASE: &str = "2.4.0";

/// A firmware release name such as `4.2.0.181`: 2 to 5 dot-separated numbers, at most 32
/// characters, each number at most 18 digits (so it compares as a u64). On a phone it must
/// also name a catalog release (checked by `services::phones`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FirmwareRelease(String);

impl FirmwareRelease {
    pub fn parse(input: &str) -> Result<FirmwareRelease, String> {
        let s = input.trim();
        let parts: Vec<&str> = s.split('.').collect();
        let ok = s.len() <= 32
            && (2..=5).contains(&parts.len())
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 18 && p.bytes().all(|b| b.is_ascii_digit()));
        if ok {
            Ok(FirmwareRelease(s.to_string()))
        } else {
            let shown: String = s.chars().take(40).collect();
            Err(format!(
                "{shown:?} is not a firmware release (expected numbers and dots, such as 4.2.0.181)."
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// True when this release is at least [`MIN_RELEASE`].
    pub fn is_supported(&self) -> bool {
        compare(&self.0, MIN_RELEASE) != Ordering::Less
    }
}

/// Compares two release names numerically part by part; missing parts count as 0, so
/// `2.4` equals `2.4.0`. Parts that are not numbers (never stored) count as 0 too.
pub fn compare(a: &str, b: &str) -> Ordering {
    let nums = |s: &str| -> Vec<u64> { s.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    let (a, b) = (nums(a), nums(b));
    (0..a.len().max(b.len()))
        .map(|i| {
            let x = a.get(i).copied().unwrap_or(0);
            let y = b.get(i).copied().unwrap_or(0);
            x.cmp(&y)
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firmware_releases_are_numbers_and_dots() {
        for good in ["4.2.0.181", "3.3", "1.2.3.4.5"] {
            assert!(FirmwareRelease::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "4",
            "4.2.0.181.1.2",
            "4..2",
            "4.2a",
            "v4.2",
            &"1.".repeat(20),
        ] {
            assert!(FirmwareRelease::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn releases_compare_numerically_part_by_part() {
        assert_eq!(compare("4.10.0", "4.9.9"), Ordering::Greater);
        assert_eq!(compare("2.4", "2.4.0"), Ordering::Equal);
        assert_eq!(compare("3.3.1.4322", "4.2.0.181"), Ordering::Less);
        let supported = |v: &str| FirmwareRelease::parse(v).unwrap().is_supported();
        assert!(supported("2.4.0"));
        assert!(supported("2.4.0.1"));
        assert!(supported("10.0"));
        assert!(!supported("2.3.9.999"));
        assert!(!supported("1.2"));
    }
}
