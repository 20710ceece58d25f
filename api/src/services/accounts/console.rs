//! The operator's work on provider accounts (the console's `/api/v1/admin/accounts` and the
//! `rcs account` commands): create with a first Super User, rename, set the phone quota,
//! suspend and resume, delete. Each change is one transaction that also writes the operator
//! trail and the account's own trail ([`crate::db::operator_audit::record`]).
//!
//! Suspension is enforced where each caller is let in, not here: sessions and logins
//! (`auth::extractor`, `services::sessions`), API keys (`auth::api_key`) and phones
//! (`routes::device`) all read `accounts.suspended_at`.

use rcs_shared::{AdminAccount, Role};

use super::{name_taken, MAX_NAME_CHARS};
use crate::db::accounts::{self, ConsoleAccountRow};
use crate::db::operator_audit::OperatorEntry;
use crate::db::{now, rfc3339, sessions, users, Db};
use crate::domain::{Email, PasswordHash};
use crate::error::{Error, Result, ResultExt};
use crate::services::operators::OperatorActor;

/// The largest phone quota accepted: far above any one provider, low enough that no sum
/// overflows.
pub const MAX_PHONE_QUOTA: i64 = 100_000_000;
/// Longest suspension reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// A new account as the operator describes it, parsed.
#[derive(Debug)]
pub struct AccountDraft {
    pub name: String,
    pub super_user: Email,
    /// The first Super User's password: chosen at the CLI, or a random one nobody knows when
    /// an invitation mail lets them choose their own.
    pub password_hash: PasswordHash,
    pub phone_quota: Option<i64>,
}

/// What [`create`] made: the account and, when asked for, the token of the first Super
/// User's set-password link (the caller mails it; it is never shown).
#[derive(Debug)]
pub struct CreatedAccount {
    pub account: AdminAccount,
    pub super_user_id: i64,
    pub invitation: Option<String>,
}

/// A trimmed account name of 1 to 100 characters (422 `invalid_account_name`).
pub fn parse_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::unprocessable(
            "invalid_account_name",
            format!("The account name must be 1 to {MAX_NAME_CHARS} characters."),
        ));
    }
    Ok(name.to_string())
}

/// `None` (no limit) or 0 to [`MAX_PHONE_QUOTA`] (422 `invalid_quota`).
pub fn parse_quota(quota: Option<i64>) -> Result<Option<i64>> {
    match quota {
        Some(q) if !(0..=MAX_PHONE_QUOTA).contains(&q) => Err(Error::unprocessable(
            "invalid_quota",
            format!("The phone quota must be 0 to {MAX_PHONE_QUOTA}, or null for no limit."),
        )),
        q => Ok(q),
    }
}

/// The provider account `id`, read in the change's transaction (404 `account_not_found`).
async fn find(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
) -> Result<ConsoleAccountRow> {
    accounts::console_find(&mut **tx, id)
        .await?
        .ok_or_else(not_found)
}

/// Commits the change and answers the account as it now is.
async fn finish(mut tx: sqlx::Transaction<'static, sqlx::Any>, id: i64) -> Result<AdminAccount> {
    let row = find(&mut tx, id).await?;
    tx.commit().await?;
    Ok(to_dto(row))
}

/// The trail entry of `action` on the account `row`, named as it was before the change.
fn about<'a>(row: &'a ConsoleAccountRow, action: &'a str, detail: &'a str) -> OperatorEntry<'a> {
    OperatorEntry {
        action,
        account: Some((row.id, &row.name)),
        target: &row.name,
        detail,
    }
}

fn not_found() -> Error {
    Error::not_found("account_not_found", "There is no such account.")
}

fn quota_text(quota: Option<i64>) -> String {
    quota.map_or_else(|| "no limit".to_string(), |q| format!("{q} phones"))
}

pub fn to_dto(row: ConsoleAccountRow) -> AdminAccount {
    AdminAccount {
        id: row.id,
        name: row.name,
        created_at: rfc3339(row.created_at),
        suspended_at: row.suspended_at.map(rfc3339),
        phone_quota: row.phone_quota,
        phones: row.phones,
        users: row.users,
        last_contact: row.last_contact.map(rfc3339),
    }
}

/// Every provider account with its counts, by name.
pub async fn list(db: &Db) -> Result<Vec<AdminAccount>> {
    let rows = accounts::console_list(&db.pool).await?;
    Ok(rows.into_iter().map(to_dto).collect())
}

/// One provider account (404 `account_not_found`).
pub async fn get(db: &Db, id: i64) -> Result<AdminAccount> {
    let row = accounts::console_find(&db.pool, id)
        .await?
        .ok_or_else(not_found)?;
    Ok(to_dto(row))
}

/// Creates an account and its first Super User in one transaction, with the operator's trail
/// entry: all of it exists or none. With `invitation_ttl_secs`, a set-password link is stored
/// for the Super User and its token answered for the caller to mail.
#[tracing::instrument(skip(db, actor, draft), fields(name = %draft.name))]
pub async fn create(
    db: &Db,
    actor: &OperatorActor,
    draft: &AccountDraft,
    invitation_ttl_secs: Option<u64>,
) -> Result<CreatedAccount> {
    let name = parse_name(&draft.name)?;
    let quota = parse_quota(draft.phone_quota)?;
    let email = &draft.super_user;
    let email_taken = || {
        Error::conflict(
            "username_taken",
            format!("The username {email} is already in use."),
        )
    };
    let now = now();
    let mut tx = db.begin_write().await?;
    if accounts::id_by_name(&mut *tx, &name).await?.is_some() {
        return Err(name_taken(&name));
    }
    if users::id_by_email(&mut *tx, email.as_str())
        .await?
        .is_some()
    {
        return Err(email_taken());
    }
    let account_id = accounts::insert(&mut *tx, &name, now)
        .await
        .on_unique_violation(|| name_taken(&name))?;
    accounts::set_phone_quota(&mut *tx, account_id, quota).await?;
    let user_id = users::insert(
        &mut *tx,
        account_id,
        email.as_str(),
        Role::SuperUser,
        &draft.password_hash.0,
        now,
    )
    .await
    .on_unique_violation(email_taken)?;
    let invitation = match invitation_ttl_secs {
        Some(ttl) => Some(crate::services::users::store_invitation(&mut tx, user_id, ttl).await?),
        None => None,
    };
    let detail = format!(
        "first Super User {email}{}; quota: {}",
        if invitation.is_some() {
            ", invited by mail"
        } else {
            ""
        },
        quota_text(quota)
    );
    let entry = OperatorEntry {
        action: "account.create",
        account: Some((account_id, &name)),
        target: &name,
        detail: &detail,
    };
    actor.record(&mut tx, entry).await?;
    let row = find(&mut tx, account_id).await?;
    tx.commit().await?;
    Ok(CreatedAccount {
        account: to_dto(row),
        super_user_id: user_id,
        invitation,
    })
}

/// Renames an account (409 `account_name_taken` when another has the name).
#[tracing::instrument(skip(db, actor))]
pub async fn rename(db: &Db, actor: &OperatorActor, id: i64, name: &str) -> Result<AdminAccount> {
    let name = parse_name(name)?;
    let mut tx = db.begin_write().await?;
    let old = find(&mut tx, id).await?;
    if old.name != name {
        if accounts::id_by_name(&mut *tx, &name)
            .await?
            .is_some_and(|other| other != id)
        {
            return Err(name_taken(&name));
        }
        accounts::rename(&mut *tx, id, &name)
            .await
            .on_unique_violation(|| name_taken(&name))?;
        let detail = format!("{} → {name}", old.name);
        let entry = OperatorEntry {
            action: "account.rename",
            account: Some((id, &name)),
            target: &name,
            detail: &detail,
        };
        actor.record(&mut tx, entry).await?;
    }
    finish(tx, id).await
}

/// Sets or removes (`None`) the phone quota. A quota below what the account holds is
/// accepted: nothing is removed, and further additions are refused until it has room.
#[tracing::instrument(skip(db, actor))]
pub async fn set_quota(
    db: &Db,
    actor: &OperatorActor,
    id: i64,
    quota: Option<i64>,
) -> Result<AdminAccount> {
    let quota = parse_quota(quota)?;
    let mut tx = db.begin_write().await?;
    let old = find(&mut tx, id).await?;
    if old.phone_quota != quota {
        accounts::set_phone_quota(&mut *tx, id, quota).await?;
        let detail = format!(
            "{} → {} (holds {} phones)",
            quota_text(old.phone_quota),
            quota_text(quota),
            old.phones
        );
        let entry = about(&old, "account.quota", &detail);
        actor.record(&mut tx, entry).await?;
    }
    finish(tx, id).await
}

/// Suspends an account: its staff's sessions end in the same transaction, and from then on
/// logins, sessions and API keys are refused and its phones answered 403
/// `account_suspended`. Suspending a suspended account changes nothing.
#[tracing::instrument(skip(db, actor))]
pub async fn suspend(
    db: &Db,
    actor: &OperatorActor,
    id: i64,
    reason: &str,
) -> Result<AdminAccount> {
    let reason = reason.trim();
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(Error::unprocessable(
            "invalid_reason",
            format!("The reason must be at most {MAX_REASON_CHARS} characters."),
        ));
    }
    let mut tx = db.begin_write().await?;
    let old = find(&mut tx, id).await?;
    if old.suspended_at.is_none() {
        accounts::set_suspended_at(&mut *tx, id, Some(now())).await?;
        let ended = sessions::delete_for_account(&mut *tx, id).await?;
        let detail = match reason {
            "" => format!("{ended} sessions ended"),
            why => format!("{why} ({ended} sessions ended)"),
        };
        let entry = about(&old, "account.suspend", &detail);
        actor.record(&mut tx, entry).await?;
    }
    finish(tx, id).await
}

/// Ends a suspension: staff log in again, keys and phones work again. Resuming an active
/// account changes nothing.
#[tracing::instrument(skip(db, actor))]
pub async fn resume(db: &Db, actor: &OperatorActor, id: i64) -> Result<AdminAccount> {
    let mut tx = db.begin_write().await?;
    let old = find(&mut tx, id).await?;
    if old.suspended_at.is_some() {
        accounts::set_suspended_at(&mut *tx, id, None).await?;
        let entry = about(&old, "account.resume", "");
        actor.record(&mut tx, entry).await?;
    }
    finish(tx, id).await
}

/// Deletes an account with its users, keys, servers, brandings, webhooks, phones and their
/// history, all or nothing. While it holds phones it is refused (409 `account_has_phones`)
/// unless `force`: deleting a provider's phones is rarely what a click meant.
#[tracing::instrument(skip(db, actor))]
pub async fn delete(db: &Db, actor: &OperatorActor, id: i64, force: bool) -> Result<()> {
    let mut tx = db.begin_write().await?;
    // Locked before the phones are counted: an addition in flight commits first and is
    // counted, or waits and then finds the account gone (`accounts::lock_for_phones`).
    accounts::lock_for_phones(&mut *tx, id).await?;
    let old = find(&mut tx, id).await?;
    if old.phones > 0 && !force {
        return Err(Error::conflict(
            "account_has_phones",
            format!(
                "{} holds {} phones. Nothing was deleted: delete it with force to remove its \
                 phones too.",
                old.name, old.phones
            ),
        ));
    }
    let detail = format!("{} phones, {} users", old.phones, old.users);
    let entry = about(&old, "account.delete", &detail);
    actor.record(&mut tx, entry).await?;
    accounts::delete_everything(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}
