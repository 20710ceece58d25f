//! MAC addresses, the identity of a phone.
//!
//! Staff paste MACs from labels, spreadsheets and switch tables, so every usual spelling is
//! accepted; storage and the API use one canonical form (12 upper-case hex digits) so that a
//! MAC is one primary-key value however it was typed. Addresses a phone cannot have (all
//! zero, broadcast, multicast) are rejected with the original product's wording.

use std::fmt;

/// A unicast, non-zero MAC address in canonical form (`00085D1A2B3C`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mac(String);

impl Mac {
    /// Accepts `00085D1A2B3C`, `00:08:5d:1a:2b:3c`, `00-08-5D-1A-2B-3C` and `0008.5d1a.2b3c`
    /// (any case, surrounding spaces ignored); one separator style per address.
    pub fn parse(input: &str) -> Result<Mac, String> {
        let s = input.trim();
        let hex = Self::digits(s).ok_or_else(|| invalid(input))?;
        let first = u8::from_str_radix(&hex[..2], 16).map_err(|_| invalid(input))?;
        if hex == "000000000000" || first & 1 == 1 {
            // Broadcast (FF...) has the multicast bit set too.
            return Err(invalid(input));
        }
        Ok(Mac(hex))
    }

    /// The 12 upper-case hex digits of a well-formed spelling, or `None`.
    fn digits(s: &str) -> Option<String> {
        let groups: Vec<&str> = match s.len() {
            12 => vec![s],
            17 if s.contains(':') => s.split(':').collect(),
            17 => s.split('-').collect(),
            14 => s.split('.').collect(),
            _ => return None,
        };
        let width = match groups.len() {
            1 => 12,
            3 => 4,
            6 => 2,
            _ => return None,
        };
        let well_formed = groups
            .iter()
            .all(|g| g.len() == width && g.bytes().all(|b| b.is_ascii_hexdigit()));
        (well_formed && groups.len() * width == 12).then(|| groups.concat().to_ascii_uppercase())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// A search fragment from any partial spelling (`5d:1a` → `5D1A`): separators dropped,
    /// upper-cased. `None` when it holds something no MAC contains (a character that is not a
    /// hex digit, or more than 12 digits), so it matches nothing.
    pub fn fragment(input: &str) -> Option<String> {
        let s: String = input
            .chars()
            .filter(|c| !matches!(c, ':' | '-' | '.' | ' '))
            .collect::<String>()
            .to_ascii_uppercase();
        (s.len() <= 12 && s.bytes().all(|b| b.is_ascii_hexdigit())).then_some(s)
    }
}

fn invalid(input: &str) -> String {
    let shown: String = input.trim().chars().take(40).collect();
    format!(
        "{shown:?} is not a valid MAC address. Reenter a valid MAC address \
         (12 hex digits such as 00:08:5D:1A:2B:3C)."
    )
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Mac;

    #[test]
    fn every_usual_spelling_gives_the_same_canonical_mac() {
        for spelling in [
            "00085D1A2B3C",
            "00085d1a2b3c",
            "00:08:5d:1a:2b:3c",
            "00:08:5D:1A:2B:3C",
            "00-08-5D-1A-2B-3C",
            "00-08-5d-1a-2b-3c",
            "0008.5d1a.2b3c",
            "0008.5D1A.2B3C",
            "  00:08:5D:1A:2B:3C \t",
        ] {
            assert_eq!(
                Mac::parse(spelling).unwrap().as_str(),
                "00085D1A2B3C",
                "{spelling:?}"
            );
        }
    }

    #[test]
    fn malformed_spellings_are_rejected_with_the_original_wording() {
        for bad in [
            "",
            "mac",
            "00085D1A2B3",
            "00085D1A2B3C0",
            "00085D1A2B3G",
            "00:08:5D:1A:2B",
            "00:08:5D:1A:2B:3C:4D",
            "00:08-5D:1A-2B:3C",
            "0:08:5D:1A:2B:3C0",
            "00.08.5D.1A.2B.3C",
            "0008:5D1A:2B3C",
            "0008-5d1a-2b3c",
            "000.85d1a.2b3c",
            "00 08 5D 1A 2B 3C",
            "+0085D1A2B3C",
            "０0085D1A2B3C",
        ] {
            let err = Mac::parse(bad).expect_err(bad);
            assert!(err.contains("Reenter a valid MAC address"), "{err}");
        }
    }

    #[test]
    fn zero_broadcast_and_multicast_addresses_are_not_phones() {
        for bad in [
            "000000000000",
            "00:00:00:00:00:00",
            "FFFFFFFFFFFF",
            "ff:ff:ff:ff:ff:ff",
            "01:00:5E:00:00:01",
            "33:33:00:00:00:01",
            "0108.5d1a.2b3c",
        ] {
            assert!(Mac::parse(bad).is_err(), "{bad:?} accepted");
        }
        // Locally administered unicast (second-lowest bit) is a valid phone address.
        assert_eq!(
            Mac::parse("02:00:00:00:00:01").unwrap().as_str(),
            "020000000001"
        );
    }

    #[test]
    fn search_fragments_accept_any_partial_spelling() {
        assert_eq!(Mac::fragment("5d:1a").as_deref(), Some("5D1A"));
        assert_eq!(Mac::fragment("1a-2b.3c").as_deref(), Some("1A2B3C"));
        assert_eq!(Mac::fragment("xyz"), None);
        // Found by the `mac` fuzz target: 15 hex digits are no part of any MAC.
        assert_eq!(Mac::fragment("0008.5d1a.2ba2b3c"), None);
        assert_eq!(
            Mac::fragment("00:08:5d:1a:2b:3c").as_deref(),
            Some("00085D1A2B3C")
        );
    }
}
