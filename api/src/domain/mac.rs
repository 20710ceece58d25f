//! MAC addresses, the identity of a phone.
//!
//! Staff paste MACs from labels, spreadsheets and switch tables, so every usual spelling is
//! accepted; storage and the API use one canonical form (12 upper-case hex digits) so that a
//! MAC is one primary-key value however it was typed. Addresses a phone cannot have (all
//! zero, broadcast, multicast) are rejected with the original product's wording.
//!
//! The rules themselves are [`rcs_shared::mac`], shared with the web app so the browser
//! accepts exactly what the server accepts; this newtype makes a checked MAC a type the
//! server's code can ask for.

use std::fmt;

use rcs_shared::mac;

/// A unicast, non-zero MAC address in canonical form (`00085D1A2B3C`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mac(String);

impl Mac {
    /// Accepts `00085D1A2B3C`, `00:08:5d:1a:2b:3c`, `00-08-5D-1A-2B-3C` and `0008.5d1a.2b3c`
    /// (any case, surrounding spaces ignored); one separator style per address. The error is
    /// the API's `invalid_mac` message.
    pub fn parse(input: &str) -> Result<Mac, String> {
        mac::canonical(input)
            .map(Mac)
            .map_err(|_| mac::invalid_message(input))
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
        mac::fragment(input)
    }
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
