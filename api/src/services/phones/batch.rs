//! Screening a registration's list of MACs: every entry that cannot be registered (not a MAC,
//! listed twice, registered to another account) is found in one pass and answered at once,
//! with its position and in the list's spelling (`00:08:5D:1A:2B:3C`), so a user fixes a
//! batch in one round trip instead of one conflict per try.

use std::collections::{HashMap, HashSet};

use rcs_shared::mac::pretty;
use rcs_shared::PhoneProblem;
use sqlx::AnyConnection;

use super::MAX_MACS_PER_REQUEST;
use crate::db::phones;
use crate::domain::mac::Mac;
use crate::error::{Error, Result};

/// The entries of a list: the valid, distinct MACs with their positions, and the problems
/// found without the database.
#[derive(Debug, Default)]
pub(super) struct Entries {
    total: usize,
    macs: Vec<(usize, Mac)>,
    problems: Vec<PhoneProblem>,
}

fn problem(index: usize, mac: String, code: &str, message: String) -> PhoneProblem {
    PhoneProblem {
        index: index as u64,
        mac,
        code: code.to_string(),
        message,
    }
}

/// Reads every entry of `input` (1..=10,000 of them, else 422 `no_macs`/`too_many_macs`):
/// invalid MACs and repeats become problems, the first spelling of a MAC keeps its place.
pub(super) fn parse_entries(input: &[String]) -> Result<Entries> {
    if input.is_empty() {
        return Err(Error::unprocessable(
            "no_macs",
            "List at least one MAC address.",
        ));
    }
    if input.len() > MAX_MACS_PER_REQUEST {
        return Err(Error::unprocessable(
            "too_many_macs",
            format!("At most {MAX_MACS_PER_REQUEST} MAC addresses per request; use the CSV import for more."),
        ));
    }
    let mut entries = Entries {
        total: input.len(),
        ..Entries::default()
    };
    let mut first_at: HashMap<Mac, usize> = HashMap::new();
    for (index, raw) in input.iter().enumerate() {
        let mac = match Mac::parse(raw) {
            Ok(mac) => mac,
            Err(message) => {
                let p = problem(index, raw.trim().to_string(), "invalid_mac", message);
                entries.problems.push(p);
                continue;
            }
        };
        if let Some(first) = first_at.get(&mac) {
            let shown = pretty(mac.as_str());
            let message = format!("{shown} is listed twice (first at entry {first}).");
            entries
                .problems
                .push(problem(index, shown, "duplicate_mac", message));
            continue;
        }
        first_at.insert(mac.clone(), index);
        entries.macs.push((index, mac));
    }
    Ok(entries)
}

/// Adds the entries registered to another account to the problems (never naming it), then
/// answers the MACs to register and what is skipped: with problems and without
/// `skip_invalid`, 422 `invalid_phones` listing all of them, in request order.
pub(super) async fn screen(
    conn: &mut AnyConnection,
    account_id: i64,
    entries: Entries,
    skip_invalid: bool,
) -> Result<(Vec<Mac>, Vec<PhoneProblem>)> {
    let Entries {
        total,
        macs,
        mut problems,
    } = entries;
    let listed: Vec<&str> = macs.iter().map(|(_, m)| m.as_str()).collect();
    let foreign: HashSet<String> = phones::foreign_macs(conn, account_id, &listed)
        .await?
        .into_iter()
        .collect();
    let mut valid = Vec::with_capacity(macs.len());
    for (index, mac) in macs {
        if foreign.contains(mac.as_str()) {
            let shown = pretty(mac.as_str());
            let message = format!("The MAC address {shown} is registered to another account.");
            problems.push(problem(index, shown, "mac_owned_by_other_account", message));
        } else {
            valid.push(mac);
        }
    }
    problems.sort_by_key(|p| p.index);
    if problems.is_empty() || skip_invalid {
        return Ok((valid, problems));
    }
    let message = format!(
        "{} of the {total} listed MAC addresses cannot be added; nothing was added. Correct or \
         remove them, or send skip_invalid: true to add the others.",
        problems.len()
    );
    Err(Error::InvalidPhones(message, problems))
}
