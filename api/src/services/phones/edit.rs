//! Registering, editing and deleting phones listed by MAC (the JSON requests).

use rcs_shared::webhooks::WebhookEventType;
use rcs_shared::{AddPhones, AddPhonesResult, Phone, PhoneChanges};
use sqlx::AnyConnection;

use super::batch::{parse_entries, screen};
use super::hooks;
use super::pins::check_pin;
use super::{after_bulk_write, as_strs, check_refs, list, owned_elsewhere, parse_firmware, target};
use crate::db::audit::{self, AuditEntry};
use crate::db::phones::{self, NewPhone};
use crate::db::{now, Db, LockFor};
use crate::domain::mac::Mac;
use crate::error::{Error, Result};
use crate::services::accounts::check_phone_quota;
use crate::services::Actor;
use crate::webhooks::Outbox;

/// Counts, upserts and audits `rows` (distinct MACs already checked against other accounts);
/// answers the counts and the MACs created (not those updated).
async fn write(
    conn: &mut AnyConnection,
    actor: &Actor,
    rows: &[NewPhone],
    action: &str,
) -> Result<(AddPhonesResult, Vec<String>)> {
    let macs: Vec<&str> = rows.iter().map(|r| r.mac.as_str()).collect();
    let own = phones::own_macs(conn, actor.account_id, &macs).await?;
    let created: Vec<String> = macs
        .iter()
        .filter(|m| !own.contains(**m))
        .map(|m| m.to_string())
        .collect();
    let updated = own.len() as u64;
    check_phone_quota(conn, actor.account_id, created.len() as i64).await?;
    let written = phones::upsert(conn, actor.account_id, rows, now()).await?;
    if written < rows.len() as u64 {
        // Phones left as they were, or another account claimed one of these MACs after the
        // check: then roll everything back.
        let foreign = phones::foreign_macs(conn, actor.account_id, &macs).await?;
        if let Some(mac) = foreign.first() {
            return Err(owned_elsewhere(mac));
        }
    }
    let added = rows.len() as u64 - updated;
    let detail = format!("added {added}, updated {updated}");
    let target = target(&macs);
    let entry = AuditEntry {
        action,
        target: &target,
        count: rows.len() as i64,
        detail: &detail,
    };
    audit::record(&mut *conn, actor.author(), entry).await?;
    let result = AddPhonesResult {
        added,
        updated,
        skipped: Vec::new(),
    };
    Ok((result, created))
}

/// POST /phones: registers (or re-registers) MACs with the given properties. Entries that
/// cannot be registered refuse the whole list, all of them named at once, unless the request
/// asks to skip them (`skip_invalid`): then the others are registered and the skipped ones
/// answered. The phones created are one `phones.added` event per 1,000, queued with them.
pub async fn register(
    db: &Db,
    outbox: &Outbox,
    actor: &Actor,
    req: AddPhones,
) -> Result<AddPhonesResult> {
    let mut tx = db.begin_write().await?;
    let (result, queued) = register_in(&mut tx, outbox, actor, req).await?;
    tx.commit().await?;
    hooks::committed(outbox, queued);
    after_bulk_write(db, result.added + result.updated);
    Ok(result)
}

/// [`register`] in the caller's transaction, which it leaves open (an operator's assignment
/// adds its own trail entry before committing). Answers the result and how many webhook
/// deliveries it queued, for [`hooks::committed`] once the caller commits.
pub(crate) async fn register_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    outbox: &Outbox,
    actor: &Actor,
    req: AddPhones,
) -> Result<(AddPhonesResult, usize)> {
    let entries = parse_entries(&req.macs)?;
    let firmware = parse_firmware(req.firmware.as_deref())?;
    check_refs(tx, actor.account_id, req.server_id, req.branding_id).await?;
    let (macs, skipped) = screen(tx, actor.account_id, entries, req.skip_invalid).await?;
    if macs.is_empty() {
        let result = AddPhonesResult {
            added: 0,
            updated: 0,
            skipped,
        };
        return Ok((result, 0));
    }
    let listed = as_strs(&macs);
    check_pin(tx, actor.account_id, firmware.as_deref(), &listed).await?;
    let rows: Vec<NewPhone> = macs
        .into_iter()
        .map(|mac| NewPhone {
            mac: mac.into_string(),
            server_id: req.server_id,
            branding_id: req.branding_id,
            firmware: firmware.clone(),
        })
        .collect();
    let (mut result, created) = write(tx, actor, &rows, "phone.add").await?;
    let added = WebhookEventType::PhonesAdded;
    let subscribers = hooks::subscribers(tx, outbox, actor.account_id, &[added]).await?;
    let created = as_strs_of(&created);
    let queued = hooks::phones_changed(tx, outbox, &subscribers, actor, added, &created).await?;
    result.skipped = skipped;
    Ok((result, queued))
}

/// 404 naming the first MAC of `macs` the account does not have (and how many more);
/// otherwise the phones stay locked for `purpose` until the transaction ends.
async fn ensure_own(
    conn: &mut AnyConnection,
    account_id: i64,
    macs: &[&str],
    purpose: LockFor,
) -> Result<()> {
    let own = phones::lock_own(conn, account_id, macs, purpose).await?;
    let missing: Vec<&&str> = macs.iter().filter(|m| !own.contains(**m)).collect();
    match missing.first() {
        None => Ok(()),
        Some(first) => {
            let more = match missing.len() - 1 {
                0 => String::new(),
                n => format!(" (and {n} more)"),
            };
            Err(Error::not_found(
                "phone_not_found",
                format!("There is no phone {first} in your account{more}; nothing was changed."),
            ))
        }
    }
}

/// 422 `no_changes` when `changes` sets nothing; otherwise `changes` with its firmware
/// release in canonical form (422 `invalid_firmware` when it is none).
pub(super) fn check_changes(mut changes: PhoneChanges) -> Result<PhoneChanges> {
    if changes.is_empty() {
        return Err(Error::unprocessable(
            "no_changes",
            "Say what to change: server_id, branding_id or firmware.",
        ));
    }
    if let Some(firmware) = &changes.firmware {
        changes.firmware = Some(parse_firmware(firmware.as_deref())?);
    }
    Ok(changes)
}

/// PATCH /phones: the same changes for every listed phone, or none.
pub async fn edit(db: &Db, actor: &Actor, macs: &[Mac], changes: PhoneChanges) -> Result<u64> {
    let changes = check_changes(changes)?;
    let macs = as_strs(macs);
    let mut tx = db.begin_write().await?;
    check_refs(
        &mut tx,
        actor.account_id,
        changes.server_id.flatten(),
        changes.branding_id.flatten(),
    )
    .await?;
    let firmware = changes.firmware.clone().flatten();
    check_pin(&mut tx, actor.account_id, firmware.as_deref(), &macs).await?;
    ensure_own(&mut tx, actor.account_id, &macs, LockFor::Update).await?;
    let count = phones::update(&mut tx, actor.account_id, &macs, &changes, now()).await?;
    let detail = describe(&changes);
    let target = target(&macs);
    let entry = AuditEntry {
        action: "phone.update",
        target: &target,
        count: count as i64,
        detail: &detail,
    };
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    after_bulk_write(db, count);
    Ok(count)
}

/// PATCH /phones/{mac}: [`edit`] of one phone, answered with the phone as it now is.
pub async fn update(db: &Db, actor: &Actor, mac: &Mac, changes: PhoneChanges) -> Result<Phone> {
    edit(db, actor, std::slice::from_ref(mac), changes).await?;
    list::get(db, actor, mac).await
}

/// The audit detail of an edit: which properties were set to what.
pub(super) fn describe(changes: &PhoneChanges) -> String {
    fn show<T: ToString>(v: &Option<T>) -> String {
        v.as_ref().map_or_else(|| "none".to_string(), T::to_string)
    }
    let mut parts = Vec::new();
    if let Some(v) = &changes.server_id {
        parts.push(format!("server_id={}", show(v)));
    }
    if let Some(v) = &changes.branding_id {
        parts.push(format!("branding_id={}", show(v)));
    }
    if let Some(v) = &changes.firmware {
        parts.push(format!("firmware={}", show(v)));
    }
    parts.join(", ")
}

/// DELETE /phones/{mac} and POST /phones/delete: removes every listed phone, or none, with
/// their `phones.removed` events.
pub async fn remove(db: &Db, outbox: &Outbox, actor: &Actor, macs: &[Mac]) -> Result<u64> {
    let macs = as_strs(macs);
    let mut tx = db.begin_write().await?;
    ensure_own(&mut tx, actor.account_id, &macs, LockFor::Delete).await?;
    let count = phones::delete(&mut tx, actor.account_id, &macs).await?;
    let removed = WebhookEventType::PhonesRemoved;
    let subscribers = hooks::subscribers(&mut tx, outbox, actor.account_id, &[removed]).await?;
    let queued =
        hooks::phones_changed(&mut tx, outbox, &subscribers, actor, removed, &macs).await?;
    let target = target(&macs);
    let entry = AuditEntry {
        action: "phone.delete",
        target: &target,
        count: count as i64,
        detail: "",
    };
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    hooks::committed(outbox, queued);
    Ok(count)
}

/// `strings` borrowed as `&str`.
fn as_strs_of(strings: &[String]) -> Vec<&str> {
    strings.iter().map(String::as_str).collect()
}
