//! What the Enter field of Add Phones says while the user types a MAC address.
//!
//! The rules (accepted spellings, canonical form, which addresses a phone cannot have) are
//! [`rcs_shared::mac`], the same code the server runs, so the dialog never accepts what the
//! server refuses. This module only turns them into the dialog's states and wording. It uses
//! nothing from the browser, so its tests run natively (`cargo test -p rcs-web`).

use rcs_shared::mac::{self, Rejection};

pub use rcs_shared::mac::pretty;

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
    match mac::canonical(s) {
        Ok(hex) => MacCheck::Valid(hex),
        Err(Rejection::Zero) => MacCheck::Invalid(format!(
            "{REENTER} 00:00:00:00:00:00 is not a phone's address."
        )),
        Err(Rejection::Group) => MacCheck::Invalid(format!(
            "{REENTER} Multicast and broadcast addresses are not a phone's address."
        )),
        Err(Rejection::Malformed) if mac::could_become_one(s) => MacCheck::Incomplete,
        Err(Rejection::Malformed) => MacCheck::Invalid(format!(
            "{REENTER} Use 12 hex digits such as 00:08:5D:1A:2B:3C."
        )),
    }
}

/// The MAC List after Add to List, and what stays in the Enter field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// The list with the new MACs appended (canonical, each once).
    pub list: Vec<String>,
    /// The entries that were not added, for the user to correct ("" when all were).
    pub left: String,
    /// Why some were not added.
    pub error: Option<String>,
}

/// Add to List: one MAC, or several pasted at once (separated by white space, commas or
/// semicolons). Valid ones join `list` unless already there; the rest stay in the field with
/// a message. `Err` (the message) when the field holds nothing to add.
pub fn add_to_list(list: &[String], entry: &str) -> Result<Added, String> {
    let mut next = list.to_vec();
    let mut rejected = Vec::new();
    for part in entry.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
        match check(part) {
            MacCheck::Empty => {}
            MacCheck::Valid(m) => {
                if !next.contains(&m) {
                    next.push(m);
                }
            }
            MacCheck::Incomplete | MacCheck::Invalid(_) => rejected.push(part),
        }
    }
    if rejected.is_empty() && next.len() == list.len() && entry.trim().is_empty() {
        return Err(REENTER.to_string());
    }
    let left = rejected.join(" ");
    let error = (!rejected.is_empty()).then(|| format!("{REENTER} Not added: {left}"));
    Ok(Added {
        list: next,
        left,
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(input: &str) -> String {
        match check(input) {
            MacCheck::Invalid(message) => message,
            other => panic!("{input:?} gave {other:?}"),
        }
    }

    #[test]
    fn every_spelling_the_server_accepts_is_valid_and_canonical() {
        for spelling in [
            "00085d1a2b3c",
            "00:08:5D:1A:2B:3C",
            "00-08-5d-1a-2b-3c",
            " 0008.5D1A.2B3C ",
        ] {
            assert_eq!(
                check(spelling),
                MacCheck::Valid("00085D1A2B3C".into()),
                "{spelling:?}"
            );
        }
    }

    #[test]
    fn an_unfinished_spelling_is_incomplete_not_wrong() {
        assert_eq!(check("   "), MacCheck::Empty);
        for partial in ["0", "00:08:5d", "0008.5d1a", "00-08-5D-1A-2B-3"] {
            assert_eq!(check(partial), MacCheck::Incomplete, "{partial:?}");
        }
    }

    #[test]
    fn wrong_entries_say_why_in_the_original_wording() {
        assert!(invalid("00085D1A2B3G").starts_with(REENTER));
        assert!(invalid("00085D1A2B3G").ends_with("Use 12 hex digits such as 00:08:5D:1A:2B:3C."));
        assert!(invalid("00:08-5D").contains("Use 12 hex digits"));
        assert!(
            invalid("00:00:00:00:00:00").contains("00:00:00:00:00:00 is not a phone's address.")
        );
        assert!(invalid("01:00:5E:00:00:01").contains("Multicast and broadcast"));
        assert!(invalid("FF-FF-FF-FF-FF-FF").contains("Multicast and broadcast"));
    }

    #[test]
    fn the_browser_never_accepts_what_the_server_refuses() {
        // Spellings around every edge of the rules: the dialog's Valid is the server's Ok.
        for input in [
            "00085D1A2B3C",
            "00085D1A2B3",
            "00085D1A2B3C0",
            "0008:5D1A:2B3C",
            "0008-5d1a-2b3c",
            "00.08.5D.1A.2B.3C",
            "000000000000",
            "010000000000",
            "020000000000",
            "+0085D1A2B3C",
            "０0085D1A2B3C",
            "00 08 5D 1A 2B 3C",
        ] {
            let browser = match check(input) {
                MacCheck::Valid(hex) => Some(hex),
                _ => None,
            };
            assert_eq!(browser, mac::canonical(input).ok(), "{input:?}");
        }
    }

    #[test]
    fn add_to_list_takes_every_pasted_mac_once_and_keeps_the_rest() {
        let list = vec!["00085D1A2B3C".to_string()];
        let added = add_to_list(
            &list,
            "00:08:5d:1a:2b:3c, 0008.5d1a.2b3d;zz\n00-08-5D-1A-2B-3E 0008",
        )
        .unwrap();
        assert_eq!(added.list, ["00085D1A2B3C", "00085D1A2B3D", "00085D1A2B3E"]);
        assert_eq!(added.left, "zz 0008");
        assert_eq!(added.error, Some(format!("{REENTER} Not added: zz 0008")));

        let all_good = add_to_list(&[], " 00085D1A2B3C ").unwrap();
        assert_eq!((all_good.left.as_str(), all_good.error), ("", None));
        // Only a MAC already listed: nothing new, the field empties, no complaint.
        assert_eq!(add_to_list(&list, "00085d1a2b3c").unwrap().list, list);
    }

    #[test]
    fn add_to_list_with_an_empty_field_asks_for_a_mac() {
        assert_eq!(add_to_list(&[], "   "), Err(REENTER.to_string()));
        // Separators alone add nothing, but are not an empty field either.
        assert_eq!(add_to_list(&[], ",;").unwrap().error, None);
    }

    #[test]
    fn pretty_is_the_label_spelling() {
        assert_eq!(pretty("00085D1A2B3C"), "00:08:5D:1A:2B:3C");
    }
}
