//! Accounts (service providers): created and listed by the platform operator, and an
//! account's own settings (the second-factor requirement), read by its users and changed by
//! its Super Users.
//!
//! Creating and listing are platform-wide, above any one account's staff, so those functions
//! take no [`super::Actor`]: only the operator reaches them, through the CLI (and the tests,
//! which create accounts the same way).

pub mod console;

use rcs_shared::{Account, AccountPatch, Role};

use super::Actor;
use crate::config::Settings;
use crate::db::accounts::{self, AccountRow};
use crate::db::audit::{self, AuditEntry};
use crate::db::{now, sessions, users, Db};
use crate::domain::{Email, PasswordHash};
use crate::error::{Error, Result, ResultExt};

/// Longest account name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

pub(crate) fn name_taken(name: &str) -> Error {
    Error::conflict(
        "account_name_taken",
        format!("an account named {name:?} already exists"),
    )
}

fn email_taken(email: &Email) -> Error {
    Error::conflict(
        "username_taken",
        format!("the username {email} is already in use"),
    )
}

/// Creates an account and its first Super User in one transaction: both exist or neither.
/// Returns the ids of the account and of the user.
///
/// The name is trimmed and must be 1 to 100 characters (422 `invalid_account_name`); a taken
/// name or username is a 409. Nothing is written to the operator trail: this is the bare
/// fixture the tests build accounts with; the CLI and the console call [`console::create`].
#[tracing::instrument(skip(db, hash))]
pub async fn create_with_super_user(
    db: &Db,
    name: &str,
    email: &Email,
    hash: &PasswordHash,
) -> Result<(i64, i64)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::unprocessable(
            "invalid_account_name",
            format!("the account name must be 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    let now = now();
    let mut tx = db.begin_write().await?;
    // Checked inside the transaction for a clear message; the UNIQUE constraints still
    // decide if two operators race.
    if accounts::id_by_name(&mut *tx, name).await?.is_some() {
        return Err(name_taken(name));
    }
    if users::id_by_email(&mut *tx, email.as_str())
        .await?
        .is_some()
    {
        return Err(email_taken(email));
    }
    let account_id = accounts::insert(&mut *tx, name, now)
        .await
        .on_unique_violation(|| name_taken(name))?;
    let user_id = users::insert(
        &mut *tx,
        account_id,
        email.as_str(),
        Role::SuperUser,
        &hash.0,
        now,
    )
    .await
    .on_unique_violation(|| email_taken(email))?;
    tx.commit().await?;
    Ok((account_id, user_id))
}

/// The id of the account named `name` (trimmed); 404 `account_not_found` when there is none.
pub async fn id_by_name(db: &Db, name: &str) -> Result<i64> {
    accounts::id_by_name(&db.pool, name.trim())
        .await?
        .ok_or_else(|| Error::not_found("account_not_found", format!("no account named {name:?}")))
}

fn to_dto(row: &AccountRow, settings: &Settings) -> Account {
    Account {
        id: row.id,
        name: row.name.clone(),
        require_second_factor: row.require_second_factor != 0,
        platform_requires_second_factor: settings.require_second_factor,
    }
}

/// The actor's account and its settings (any user).
pub async fn get(db: &Db, settings: &Settings, actor: &Actor) -> Result<Account> {
    let row = accounts::find(&db.pool, actor.account_id)
        .await?
        .ok_or_else(Error::invalid_token)?;
    Ok(to_dto(&row, settings))
}

/// Changes the actor's account settings (Super User only).
///
/// Requiring a second factor needs one of the Super User's own first (409 `enrol_first`): no
/// one requires of others what they do not have. It ends the sessions of the account's users
/// without one, who set it up at their next login, in the transaction that records it.
#[tracing::instrument(skip_all, fields(account_id = actor.account_id))]
pub async fn update(
    db: &Db,
    settings: &Settings,
    actor: &Actor,
    patch: &AccountPatch,
) -> Result<Account> {
    actor.require_super_user()?;
    let mut tx = db.begin_write().await?;
    let old = accounts::find(&mut *tx, actor.account_id)
        .await?
        .ok_or_else(Error::invalid_token)?;
    let was = old.require_second_factor != 0;
    match patch.require_second_factor {
        Some(true) if !was => {
            if let Some(user_id) = actor.user_id {
                let own = users::find_in(&mut *tx, actor.account_id, user_id).await?;
                if own.is_none_or(|u| u.second_factor == 0) {
                    return Err(Error::conflict(
                        "enrol_first",
                        "Set up two-factor login for yourself (Preferences) before requiring it.",
                    ));
                }
            }
            accounts::set_require_second_factor(&mut *tx, actor.account_id, true).await?;
            let keep = actor.session_id.as_deref().unwrap_or_default();
            let ended =
                sessions::delete_without_second_factor(&mut *tx, actor.account_id, keep).await?;
            let detail = format!("{ended} sessions of users without a second factor ended");
            let entry = AuditEntry::one("account.second_factor_required", &old.name, &detail);
            audit::record(&mut *tx, actor.author(), entry).await?;
        }
        Some(false) if was => {
            accounts::set_require_second_factor(&mut *tx, actor.account_id, false).await?;
            let entry = AuditEntry::one("account.second_factor_optional", &old.name, "");
            audit::record(&mut *tx, actor.author(), entry).await?;
        }
        _ => {}
    }
    let row = accounts::find(&mut *tx, actor.account_id)
        .await?
        .ok_or_else(Error::invalid_token)?;
    tx.commit().await?;
    Ok(to_dto(&row, settings))
}

/// Refuses (409 `phone_quota_exceeded`) adding `adding` new phones to `account_id` when that
/// would take it over its phone quota, and (401) when the account is gone. Every write path
/// that creates phones (add, import, an operator's assignment) calls it, or
/// [`has_phone_room`], in its own transaction before writing; the account row stays locked
/// until that transaction ends, so concurrent additions take turns (the writes lock it first
/// already, `phones::check_refs`, and this lock is then the one they hold).
pub async fn check_phone_quota(
    conn: &mut sqlx::AnyConnection,
    account_id: i64,
    adding: i64,
) -> Result<()> {
    match over_quota(conn, account_id, adding).await? {
        Some((quota, held)) => Err(Error::conflict(
            "phone_quota_exceeded",
            format!(
                "This account may hold {quota} phones; it holds {held}, so {adding} more would \
                 exceed its quota. Nothing was added. Ask your platform operator to raise it."
            ),
        )),
        None => Ok(()),
    }
}

/// [`check_phone_quota`] as a question: false where it would refuse over the quota.
pub async fn has_phone_room(
    conn: &mut sqlx::AnyConnection,
    account_id: i64,
    adding: i64,
) -> Result<bool> {
    Ok(over_quota(conn, account_id, adding).await?.is_none())
}

/// Locks the account row against its deletion until the transaction ends, before phones
/// are written in it or its servers and brandings deleted (`db::accounts::lock_for_phones`
/// says why); 401 when the account is gone.
pub async fn lock_for_phones(conn: &mut sqlx::AnyConnection, account_id: i64) -> Result<()> {
    match accounts::lock_for_phones(&mut *conn, account_id).await? {
        true => Ok(()),
        false => Err(Error::invalid_token()),
    }
}

/// The account's quota and the phones it holds, when adding `adding` would exceed it.
async fn over_quota(
    conn: &mut sqlx::AnyConnection,
    account_id: i64,
    adding: i64,
) -> Result<Option<(i64, i64)>> {
    lock_for_phones(conn, account_id).await?;
    if adding <= 0 {
        return Ok(None);
    }
    let (quota, held) = accounts::phone_room(conn, account_id).await?;
    Ok(quota.filter(|q| held + adding > *q).map(|q| (q, held)))
}
