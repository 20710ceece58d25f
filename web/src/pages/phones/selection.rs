//! What the phone dialogs act on: the MACs ticked in the list, or every phone matching the
//! list's filter (however many: one request, with the count the user saw, so the server
//! refuses with `selection_changed` rather than act on phones nobody saw).

use rcs_shared::{BulkEdit, MacList, PhoneChanges, PhoneFilter};

use super::filters::Filters;
use crate::components::options::Choices;
use crate::mac::pretty;
use crate::number::thousands;

/// The phones a dialog acts on.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    Macs(Vec<String>),
    Matching {
        filter: PhoneFilter,
        count: u64,
        /// The filter in words ("without a server, MAC containing 5d1a").
        words: String,
    },
}

impl Selection {
    pub fn count(&self) -> u64 {
        match self {
            Selection::Macs(m) => m.len() as u64,
            Selection::Matching { count, .. } => *count,
        }
    }

    /// "3 phones", "1 phone (00:08:5D:1A:2B:3C)", "all 10,000 phones matching ...".
    pub fn describe(&self) -> String {
        match self {
            Selection::Macs(m) if m.len() == 1 => format!("1 phone ({})", pretty(&m[0])),
            Selection::Macs(m) => format!("{} phones", thousands(m.len() as i64)),
            Selection::Matching { count, words, .. } => {
                format!(
                    "all {} {} matching {words}",
                    thousands(*count as i64),
                    phones(*count)
                )
            }
        }
    }

    /// The PATCH body that applies `set` to this selection.
    pub fn edit(&self, set: PhoneChanges) -> BulkEdit {
        match self {
            Selection::Macs(m) => BulkEdit {
                macs: Some(m.clone()),
                set,
                ..BulkEdit::default()
            },
            Selection::Matching { filter, count, .. } => BulkEdit {
                filter: Some(filter.clone()),
                expected_count: Some(*count),
                set,
                ..BulkEdit::default()
            },
        }
    }

    /// The delete body for this selection.
    pub fn delete(&self) -> MacList {
        match self {
            Selection::Macs(m) => MacList {
                macs: Some(m.clone()),
                ..MacList::default()
            },
            Selection::Matching { filter, count, .. } => MacList {
                filter: Some(filter.clone()),
                expected_count: Some(*count),
                ..MacList::default()
            },
        }
    }
}

/// "phone" or "phones".
pub fn phones(n: u64) -> &'static str {
    if n == 1 {
        "phone"
    } else {
        "phones"
    }
}

/// The list's total: "10,005 phones", or "More than 1,000 phones" while a large list's
/// exact count is on its way.
pub fn total_line(total: u64, exact: bool) -> String {
    if exact {
        format!("{} {}", thousands(total as i64), phones(total))
    } else {
        format!("More than {} phones", thousands(total as i64))
    }
}

/// The list's filters in words, naming servers and brandings: "this filter: without a
/// server, never seen", or "no filter (every phone of the account)".
pub fn in_words(f: &Filters, choices: &Choices) -> String {
    let mut parts = Vec::new();
    match f.server.as_str() {
        "" => {}
        "none" => parts.push("without a server".to_string()),
        "any" => parts.push("with any server".to_string()),
        id => {
            let name = choices.servers.iter().find(|s| s.id.to_string() == id);
            parts.push(format!(
                "server {}",
                name.map(|s| s.name.clone())
                    .unwrap_or_else(|| format!("#{id}"))
            ));
        }
    }
    match f.own_branding() {
        Some(true) => parts.push("a branding of their own".to_string()),
        Some(false) => parts.push("no branding of their own".to_string()),
        None => {}
    }
    if !f.branding.is_empty() && f.own_branding().is_none() {
        let name = choices
            .brandings
            .iter()
            .find(|b| b.id.to_string() == f.branding);
        parts.push(format!(
            "branding {}",
            name.map(|b| b.name.clone())
                .unwrap_or_else(|| format!("#{}", f.branding))
        ));
    }
    match f.firmware_pinned() {
        Some(true) => parts.push("a firmware release pinned".to_string()),
        Some(false) => parts.push("no firmware release pinned".to_string()),
        None if !f.firmware.is_empty() => parts.push(format!("firmware {}", f.firmware)),
        None => {}
    }
    match f.seen.as_str() {
        "true" => parts.push("seen".to_string()),
        "false" => parts.push("never seen".to_string()),
        _ => {}
    }
    if !f.q.trim().is_empty() {
        parts.push(format!("MAC containing \"{}\"", f.q.trim()));
    }
    if parts.is_empty() {
        "no filter (every phone of the account)".to_string()
    } else {
        format!("this filter: {}", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_total_past_the_count_limit_says_more_than() {
        assert_eq!(total_line(1, true), "1 phone");
        assert_eq!(total_line(10_005, true), "10,005 phones");
        assert_eq!(total_line(10_000, false), "More than 10,000 phones");
    }

    #[test]
    fn dialogs_say_what_they_act_on() {
        let macs = Selection::Macs(vec!["00085D1A2B3C".into(), "00085D1A2B3D".into()]);
        assert_eq!(macs.describe(), "2 phones");
        assert_eq!(
            macs.edit(PhoneChanges::default()).macs.map(|m| m.len()),
            Some(2)
        );
        let f = Filters {
            server: "none".into(),
            seen: "false".into(),
            q: "5d1a".into(),
            ..Filters::default()
        };
        let words = in_words(&f, &Choices::default());
        assert_eq!(
            words,
            "this filter: without a server, never seen, MAC containing \"5d1a\""
        );
        let all = Selection::Matching {
            filter: f.to_query().filter(),
            count: 10_000,
            words,
        };
        assert!(all
            .describe()
            .starts_with("all 10,000 phones matching this filter"));
        let body = all.delete();
        assert_eq!((body.macs, body.expected_count), (None, Some(10_000)));
        assert_eq!(body.filter.and_then(|f| f.unaffiliated), Some(true));
    }
}
