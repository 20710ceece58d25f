//! Accounts (service providers): created and listed by the platform operator.
//!
//! Accounts are platform-wide, above any one account's staff, so these functions take no
//! [`super::Actor`]: only the operator reaches them, through the CLI (and the tests, which
//! create accounts the same way).

use rcs_shared::Role;

use crate::db::accounts::{self, AccountSummary};
use crate::db::{now, users, Db};
use crate::domain::{Email, PasswordHash};
use crate::error::{Error, Result, ResultExt};

/// Longest account name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

fn name_taken(name: &str) -> Error {
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
/// name or username is a 409.
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

/// Every account with its number of users, by name.
pub async fn list(db: &Db) -> Result<Vec<AccountSummary>> {
    Ok(accounts::list(db).await?)
}

/// The id of the account named `name` (trimmed); 404 `account_not_found` when there is none.
pub async fn id_by_name(db: &Db, name: &str) -> Result<i64> {
    accounts::id_by_name(&db.pool, name.trim())
        .await?
        .ok_or_else(|| Error::not_found("account_not_found", format!("no account named {name:?}")))
}
