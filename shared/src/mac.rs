//! MAC addresses, the identity of a phone: the one set of rules the server and the browser
//! both apply.
//!
//! Staff paste MACs from labels, spreadsheets and switch tables, so every usual spelling is
//! accepted; storage and the API use one canonical form (12 upper-case hex digits) so that a
//! MAC is one primary-key value however it was typed. Addresses a phone cannot have (all
//! zero, broadcast, multicast) are refused. The rules live here, in the contract crate, so
//! the Add Phones dialog accepts exactly what the API accepts: two copies could drift, and
//! the browser would then promise an address the server refuses.

/// Why a text is not a phone's MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Not one of the accepted spellings (wrong length, a character that is not a hex digit,
    /// mixed separators, ...).
    Malformed,
    /// `00:00:00:00:00:00`.
    Zero,
    /// A multicast address (the lowest bit of the first byte set); broadcast
    /// (`FF:FF:FF:FF:FF:FF`) is one of them.
    Group,
}

/// The 12 upper-case hex digits of `input` (`00085D1A2B3C`) if it is a unicast, non-zero MAC.
///
/// Accepts `00085D1A2B3C`, `00:08:5d:1a:2b:3c`, `00-08-5D-1A-2B-3C` and `0008.5d1a.2b3c` (any
/// case, surrounding white space ignored); one separator style per address.
pub fn canonical(input: &str) -> Result<String, Rejection> {
    let hex = digits(input.trim()).ok_or(Rejection::Malformed)?;
    if hex == "000000000000" {
        return Err(Rejection::Zero);
    }
    // `digits` returned 12 hex digits, so the first two always parse.
    let first = u8::from_str_radix(&hex[..2], 16).map_err(|_| Rejection::Malformed)?;
    if first & 1 == 1 {
        return Err(Rejection::Group);
    }
    Ok(hex)
}

/// The API's `invalid_mac` message for `input`, in the original product's wording (the same
/// for every [`Rejection`]). At most 40 characters of the input are echoed back.
pub fn invalid_message(input: &str) -> String {
    let shown: String = input.trim().chars().take(40).collect();
    format!(
        "{shown:?} is not a valid MAC address. Reenter a valid MAC address \
         (12 hex digits such as 00:08:5D:1A:2B:3C)."
    )
}

/// The 12 upper-case hex digits of a well-formed spelling (one separator style), or `None`.
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

/// True when more typing could still turn `s` (already trimmed) into an accepted spelling:
/// only hex digits and one kind of separator, and shorter than that spelling. Lets a form
/// tell "not finished yet" from "wrong" while the user types.
pub fn could_become_one(s: &str) -> bool {
    let separators: Vec<u8> = s.bytes().filter(|b| b":-.".contains(b)).collect();
    let one_kind = separators.windows(2).all(|w| w[0] == w[1]);
    let max = match separators.first() {
        None => 12,
        Some(b'.') => 14,
        Some(_) => 17,
    };
    let chars_ok = s
        .bytes()
        .all(|b| b.is_ascii_hexdigit() || b":-.".contains(&b));
    chars_ok && one_kind && s.len() < max
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

/// A canonical MAC (`00085D1A2B3C`) as `00:08:5D:1A:2B:3C`, the spelling on phone labels.
/// Anything else is returned unchanged.
pub fn pretty(mac: &str) -> String {
    if mac.len() != 12 || !mac.is_ascii() {
        return mac.to_string();
    }
    (0..6)
        .map(|i| &mac[i * 2..i * 2 + 2])
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_usual_spelling_gives_the_same_canonical_mac() {
        for spelling in [
            "00085D1A2B3C",
            "00085d1a2b3c",
            "00:08:5d:1a:2b:3c",
            "00-08-5D-1A-2B-3C",
            "0008.5d1a.2b3c",
            "  00:08:5D:1A:2B:3C \t",
        ] {
            assert_eq!(
                canonical(spelling).as_deref(),
                Ok("00085D1A2B3C"),
                "{spelling:?}"
            );
        }
    }

    #[test]
    fn malformed_spellings_are_malformed() {
        for bad in [
            "",
            "00085D1A2B3",
            "00085D1A2B3G",
            "00:08-5D:1A-2B:3C",
            "00.08.5D.1A.2B.3C",
            "0008:5D1A:2B3C",
            "00 08 5D 1A 2B 3C",
            "+0085D1A2B3C",
            "０0085D1A2B3C",
        ] {
            assert_eq!(canonical(bad), Err(Rejection::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn zero_broadcast_and_multicast_say_which() {
        assert_eq!(canonical("00:00:00:00:00:00"), Err(Rejection::Zero));
        assert_eq!(canonical("ff:ff:ff:ff:ff:ff"), Err(Rejection::Group));
        assert_eq!(canonical("01:00:5E:00:00:01"), Err(Rejection::Group));
        assert_eq!(canonical("0108.5d1a.2b3c"), Err(Rejection::Group));
        // Locally administered unicast (second-lowest bit) is a valid phone address.
        assert_eq!(
            canonical("02:00:00:00:00:01").as_deref(),
            Ok("020000000001")
        );
    }

    #[test]
    fn the_api_message_keeps_the_original_wording_and_cuts_long_input() {
        assert_eq!(
            invalid_message(" mac "),
            "\"mac\" is not a valid MAC address. Reenter a valid MAC address \
             (12 hex digits such as 00:08:5D:1A:2B:3C)."
        );
        let long = "x".repeat(100);
        assert!(invalid_message(&long).starts_with(&format!("{:?} is", "x".repeat(40))));
    }

    #[test]
    fn prefixes_of_a_spelling_could_become_one() {
        for prefix in [
            "0",
            "00:08:5D",
            "00-08-5d-1a-2b-3",
            "0008.5d1a",
            "00085D1A2B3",
        ] {
            assert!(could_become_one(prefix), "{prefix:?}");
        }
        for wrong in ["00085D1A2B3C", "00:08-5D", "0008.5d1a.2b3c", "xyz", "00 08"] {
            assert!(!could_become_one(wrong), "{wrong:?}");
        }
    }

    #[test]
    fn search_fragments_accept_any_partial_spelling() {
        assert_eq!(fragment("5d:1a").as_deref(), Some("5D1A"));
        assert_eq!(fragment("1a-2b.3c").as_deref(), Some("1A2B3C"));
        assert_eq!(fragment("xyz"), None);
        assert_eq!(fragment("0008.5d1a.2ba2b3c"), None);
    }

    #[test]
    fn pretty_puts_colons_between_the_bytes_of_a_canonical_mac_only() {
        assert_eq!(pretty("00085D1A2B3C"), "00:08:5D:1A:2B:3C");
        assert_eq!(pretty("00085D"), "00085D");
        assert_eq!(pretty("ÄÖ00085D1A"), "ÄÖ00085D1A");
    }
}
