//! Bulk edits and deletes of a selection: the listed MACs, or every phone of the account that
//! matches the list's filter, however many (a provider's "select all 52,000").
//!
//! A filtered selection is applied where the phones are, by one `UPDATE`/`DELETE ... WHERE
//! account_id = ? AND <filter>` in one transaction with its audit entry, so memory stays flat
//! and nothing is half done. The matching rows are counted (and locked, on PostgreSQL) first:
//! when the client says how many phones it showed (`expected_count`) and the count differs,
//! the request is refused with the current count, so nobody acts on phones they did not see.

use std::collections::HashMap;

use rcs_shared::webhooks::WebhookEventType;
use rcs_shared::{PhoneChanges, PhoneFilter};
use sqlx::AnyConnection;

use super::edit::{check_changes, describe};
use super::hooks;
use super::pins::{check_firmware, release_of, vendor_mismatch};
use super::{after_bulk_write, check_refs, edit, parse_macs, remove};
use crate::db::audit::{self, AuditEntry};
use crate::db::mac_search::{self, MacSearch};
use crate::db::phone_list::Filter;
use crate::db::{now, phone_selection, Db, LockFor};
use crate::domain::mac::Mac;
use crate::error::{Error, Result};
use crate::services::Actor;
use crate::webhooks::Outbox;

/// Which phones a bulk request acts on.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Listed by MAC (1..=10,000, parsed, duplicates dropped).
    Macs(Vec<Mac>),
    /// Every phone of the account matching the filter, when there are `expected` of them
    /// (if given).
    Matching {
        filter: PhoneFilter,
        expected: Option<u64>,
    },
}

impl Selection {
    /// The selection of a request body: `macs` or `filter`, never both nor neither (400).
    /// With `macs`, `expected_count` is compared with the number of distinct MACs.
    pub fn parse(
        macs: Option<Vec<String>>,
        filter: Option<PhoneFilter>,
        expected: Option<u64>,
    ) -> Result<Selection> {
        match (macs, filter) {
            (Some(_), Some(_)) => Err(Error::bad_request(
                "ambiguous_selection",
                "Send either macs (a list of phones) or filter (the list's filters), not both.",
            )),
            (None, None) => Err(Error::bad_request(
                "missing_selection",
                "Say which phones: macs (a list of phones) or filter (the list's filters).",
            )),
            (Some(macs), None) => {
                let macs = parse_macs(&macs)?;
                check_expected(expected, macs.len() as u64)?;
                Ok(Selection::Macs(macs))
            }
            (None, Some(filter)) => Ok(Selection::Matching { filter, expected }),
        }
    }
}

/// The list's filter as the statements take it; `None` when its MAC search cannot match any
/// MAC (so nothing matches).
pub fn db_filter(filter: &PhoneFilter) -> Option<Filter> {
    let mac_fragment = match filter.q.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(text) => Some(Mac::fragment(text)?),
        None => None,
    };
    Some(Filter {
        unaffiliated: filter.unaffiliated,
        server_id: filter.server_id,
        branding_id: filter.branding_id,
        firmware: filter.firmware.clone(),
        mac_fragment,
        // Planned against the data where the statements run (`mac_search::planned`).
        mac_search: MacSearch::Scan,
        seen: filter.seen,
        firmware_pinned: filter.firmware_pinned,
        own_branding: filter.own_branding,
        macs: None,
    })
}

/// [`db_filter`], its MAC search planned against the data ([`mac_search::planned`]). Planned
/// before the write transaction, on a reader: the plan decides how fast, never which phones.
async fn planned(db: &Db, account_id: i64, filter: &PhoneFilter) -> Result<Option<Filter>> {
    match db_filter(filter) {
        Some(filter) => Ok(Some(mac_search::planned(db, account_id, filter).await?)),
        None => Ok(None),
    }
}

/// A write transaction whose statements on `matching`'s phones use the plan it was given
/// ([`mac_search::plan_from_trigrams`]).
async fn begin_write(
    db: &Db,
    matching: Option<&Filter>,
) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
    let mut tx = db.begin_write().await?;
    if let Some(matching) = matching {
        mac_search::plan_from_trigrams(&mut tx, matching).await?;
    }
    Ok(tx)
}

/// 409 `selection_changed` when the client expected another number of phones than `actual`.
fn check_expected(expected: Option<u64>, actual: u64) -> Result<()> {
    match expected {
        Some(expected) if expected != actual => Err(Error::conflict(
            "selection_changed",
            format!(
                "The selection now has {actual} phone(s), not the {expected} you saw; nothing \
                 was changed. Reload the list and try again."
            ),
        )),
        _ => Ok(()),
    }
}

/// PATCH /phones: the same changes for every selected phone, or none.
pub async fn edit_selected(
    db: &Db,
    actor: &Actor,
    selection: Selection,
    changes: PhoneChanges,
) -> Result<u64> {
    match selection {
        Selection::Macs(macs) => edit(db, actor, &macs, changes).await,
        Selection::Matching { filter, expected } => {
            edit_matching(db, actor, &filter, expected, changes).await
        }
    }
}

/// POST /phones/delete: deletes every selected phone, or none, with their `phones.removed`
/// events.
pub async fn remove_selected(
    db: &Db,
    outbox: &Outbox,
    actor: &Actor,
    selection: Selection,
) -> Result<u64> {
    match selection {
        Selection::Macs(macs) => remove(db, outbox, actor, &macs).await,
        Selection::Matching { filter, expected } => {
            remove_matching(db, outbox, actor, &filter, expected).await
        }
    }
}

/// How many phones match (locked until the transaction ends), refused when the client
/// expected another count.
async fn lock_matching(
    conn: &mut AnyConnection,
    account_id: i64,
    filter: Option<&Filter>,
    expected: Option<u64>,
    purpose: LockFor,
) -> Result<u64> {
    let count = match filter {
        Some(f) => phone_selection::lock_count(conn, account_id, f, purpose).await?,
        None => 0,
    };
    check_expected(expected, count)?;
    Ok(count)
}

async fn edit_matching(
    db: &Db,
    actor: &Actor,
    filter: &PhoneFilter,
    expected: Option<u64>,
    changes: PhoneChanges,
) -> Result<u64> {
    let changes = check_changes(changes)?;
    let matching = planned(db, actor.account_id, filter).await?;
    let mut tx = begin_write(db, matching.as_ref()).await?;
    let (server, branding) = (changes.server_id.flatten(), changes.branding_id.flatten());
    check_refs(&mut tx, actor.account_id, server, branding).await?;
    let count = lock_matching(
        &mut tx,
        actor.account_id,
        matching.as_ref(),
        expected,
        LockFor::Update,
    )
    .await?;
    let firmware = changes.firmware.clone().flatten();
    let Some(matching) = matching else {
        // Nothing matches; the release must still be one of the catalog's.
        check_firmware(&mut tx, firmware.as_deref()).await?;
        return Ok(0);
    };
    check_pin_matching(&mut tx, actor.account_id, firmware.as_deref(), &matching).await?;
    let changed =
        phone_selection::update(&mut tx, actor.account_id, &matching, &changes, now()).await?;
    // Rows that came to match since the count (PostgreSQL's read committed): refuse too.
    check_expected(Some(count), changed)?;
    let detail = format!(
        "{}; selected by filter: {}",
        describe(&changes),
        show(filter)
    );
    let target = format!("{changed} phones");
    let entry = AuditEntry {
        action: "phone.update",
        target: &target,
        count: changed as i64,
        detail: &detail,
    };
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    after_bulk_write(db, changed);
    Ok(changed)
}

async fn remove_matching(
    db: &Db,
    outbox: &Outbox,
    actor: &Actor,
    filter: &PhoneFilter,
    expected: Option<u64>,
) -> Result<u64> {
    let matching = planned(db, actor.account_id, filter).await?;
    let mut tx = begin_write(db, matching.as_ref()).await?;
    let count = lock_matching(
        &mut tx,
        actor.account_id,
        matching.as_ref(),
        expected,
        LockFor::Delete,
    )
    .await?;
    let Some(matching) = matching else {
        return Ok(0);
    };
    let removed = WebhookEventType::PhonesRemoved;
    let subscribers = hooks::subscribers(&mut tx, outbox, actor.account_id, &[removed]).await?;
    let macs = if subscribers.is_empty() {
        Vec::new()
    } else {
        matching_macs(&mut tx, actor.account_id, &matching).await?
    };
    let deleted = phone_selection::delete(&mut tx, actor.account_id, &matching).await?;
    check_expected(Some(count), deleted)?;
    let macs: Vec<&str> = macs.iter().map(String::as_str).collect();
    let queued =
        hooks::phones_changed(&mut tx, outbox, &subscribers, actor, removed, &macs).await?;
    let detail = format!("selected by filter: {}", show(filter));
    let target = format!("{deleted} phones");
    let entry = AuditEntry {
        action: "phone.delete",
        target: &target,
        count: deleted as i64,
        detail: &detail,
    };
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    hooks::committed(outbox, queued);
    Ok(deleted)
}

/// The MACs of the phones matching `filter` (locked by [`lock_matching`]), read a page at a
/// time: what `phones.removed` names, collected only when a webhook takes it.
async fn matching_macs(
    conn: &mut AnyConnection,
    account_id: i64,
    filter: &Filter,
) -> Result<Vec<String>> {
    let mut macs: Vec<String> = Vec::new();
    loop {
        let after = macs.last().cloned();
        let page = phone_selection::vendors_page(
            conn,
            account_id,
            filter,
            after.as_deref(),
            PIN_CHECK_PAGE,
        )
        .await?;
        let last_page = page.len() < PIN_CHECK_PAGE as usize;
        macs.extend(page.into_iter().map(|(mac, _)| mac));
        if last_page {
            return Ok(macs);
        }
    }
}

/// Phones per page of [`check_pin_matching`]'s walk.
const PIN_CHECK_PAGE: u32 = 10_000;

/// What [`super::pins::check_pin`] is for a list, for every phone matching `filter`: the
/// release is in the catalog and of each phone's vendor. The phones are read a page at a time
/// (MAC and detected vendor), so memory stays flat whatever the selection's size.
async fn check_pin_matching(
    conn: &mut AnyConnection,
    account_id: i64,
    firmware: Option<&str>,
    filter: &Filter,
) -> Result<()> {
    let (Some(release), Some(vendor)) = (firmware, check_firmware(conn, firmware).await?) else {
        return Ok(());
    };
    let (mut first, mut more, mut after) = (None, 0u64, None::<String>);
    loop {
        let page = phone_selection::vendors_page(
            conn,
            account_id,
            filter,
            after.as_deref(),
            PIN_CHECK_PAGE,
        )
        .await?;
        let detected: HashMap<String, String> = page
            .iter()
            .filter_map(|(mac, v)| Some((mac.clone(), v.clone()?)))
            .collect();
        for (mac, _) in &page {
            if let Some(why) = vendor_mismatch(mac, vendor, &detected) {
                match first {
                    None => first = Some(why),
                    Some(_) => more += 1,
                }
            }
        }
        if page.len() < PIN_CHECK_PAGE as usize {
            break;
        }
        after = page.last().map(|(mac, _)| mac.clone());
    }
    let Some(first) = first else {
        return Ok(());
    };
    let more = match more {
        0 => String::new(),
        1 => "; 1 more selected phone is of another vendor too".to_string(),
        n => format!("; {n} more selected phones are of other vendors too"),
    };
    Err(Error::unprocessable(
        "firmware_vendor_mismatch",
        format!(
            "{}; {first}{more}. Nothing was changed.",
            release_of(release, vendor)
        ),
    ))
}

/// The audit trail's account of a filter: `unaffiliated=true, q=5d1a`, or `every phone`.
fn show(filter: &PhoneFilter) -> String {
    let mut parts = Vec::new();
    if let Some(v) = filter.unaffiliated {
        parts.push(format!("unaffiliated={v}"));
    }
    if let Some(v) = filter.server_id {
        parts.push(format!("server_id={v}"));
    }
    if let Some(v) = filter.branding_id {
        parts.push(format!("branding_id={v}"));
    }
    if let Some(v) = &filter.firmware {
        parts.push(format!("firmware={v}"));
    }
    if let Some(v) = &filter.q {
        parts.push(format!("q={v:?}"));
    }
    if let Some(v) = filter.seen {
        parts.push(format!("seen={v}"));
    }
    if let Some(v) = filter.firmware_pinned {
        parts.push(format!("firmware_pinned={v}"));
    }
    if let Some(v) = filter.own_branding {
        parts.push(format!("own_branding={v}"));
    }
    if parts.is_empty() {
        "every phone".to_string()
    } else {
        parts.join(", ")
    }
}
