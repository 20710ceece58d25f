//! MAC addresses as the server accepts them (`api/src/domain/mac.rs`), checked in the
//! browser so the Add Phones dialog can answer while the user types. The server checks
//! again; this copy only saves a round trip and must never accept more than it does.

/// What the Enter field of Add Phones holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MacCheck {
    Empty,
    /// Could still become a valid MAC with more typing (hex digits and separators only).
    Incomplete,
    /// A valid MAC, canonical (`00085D1A2B3C`).
    Valid(String),
    /// Cannot be a phone's MAC; the message says why, in the original's wording.
    Invalid(String),
}

/// The original product's message for a bad entry.
pub const REENTER: &str = "Reenter a valid MAC address for the phone you want to add to the RCS.";

/// Checks one entry in any usual spelling: `00085D1A2B3C`, `00:08:5d:1a:2b:3c`,
/// `00-08-5D-1A-2B-3C`, `0008.5d1a.2b3c`.
pub fn check(input: &str) -> MacCheck {
    let s = input.trim();
    if s.is_empty() {
        return MacCheck::Empty;
    }
    match canonical(s) {
        Some(hex) if hex == "000000000000" => MacCheck::Invalid(format!(
            "{REENTER} 00:00:00:00:00:00 is not a phone's address."
        )),
        Some(hex) if u8::from_str_radix(&hex[..2], 16).map_or(true, |b| b & 1 == 1) => {
            MacCheck::Invalid(format!(
                "{REENTER} Multicast and broadcast addresses are not a phone's address."
            ))
        }
        Some(hex) => MacCheck::Valid(hex),
        None if could_grow(s) => MacCheck::Incomplete,
        None => MacCheck::Invalid(format!(
            "{REENTER} Use 12 hex digits such as 00:08:5D:1A:2B:3C."
        )),
    }
}

/// True when `s` is a prefix of some valid spelling's shape: only hex digits and one kind of
/// separator, and shorter than that spelling.
fn could_grow(s: &str) -> bool {
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

/// The 12 upper-case hex digits of a well-formed spelling (one separator style), or `None`.
fn canonical(s: &str) -> Option<String> {
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

/// `00085D1A2B3C` as `00:08:5D:1A:2B:3C`, the spelling on phone labels.
pub fn pretty(mac: &str) -> String {
    if mac.len() != 12 || !mac.is_ascii() {
        return mac.to_string();
    }
    (0..6)
        .map(|i| &mac[i * 2..i * 2 + 2])
        .collect::<Vec<_>>()
        .join(":")
}
