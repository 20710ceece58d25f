//! Users of accounts: lookups, and the changes a Super User or the user themselves makes.
//!
//! Changes run in one transaction with their audit entry and with the ending of sessions
//! they imply. Role changes and deletions first lock the account row, so two Super Users
//! demoting each other at once cannot leave the account without one.

use rcs_shared::{Role, User};
use sqlx::{Any, Executor, FromRow};

use super::audit::{self, AuditEntry};
use super::{now, password_resets, rfc3339, sessions, Db};
use crate::auth::AuthUser;
use crate::domain::{Address, Email, PasswordHash, PersonName, PhoneNumber};
use crate::error::{Error, Result, ResultExt};

/// A user row joined with its account's name.
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub email: String,
    pub role: String,
    pub name: String,
    pub address: String,
    pub phone1: String,
    pub phone2: String,
    pub password_hash: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl UserRow {
    pub fn role(&self) -> Role {
        // The CHECK constraint admits only the two spellings; anything else is treated as the
        // lesser role rather than trusted.
        Role::parse(&self.role).unwrap_or(Role::User)
    }

    /// The API view (no password hash).
    pub fn to_dto(&self) -> User {
        User {
            id: self.id,
            email: self.email.clone(),
            role: self.role(),
            name: self.name.clone(),
            address: self.address.clone(),
            phone1: self.phone1.clone(),
            phone2: self.phone2.clone(),
            account_id: self.account_id,
            account_name: self.account_name.clone(),
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
        }
    }
}

const SELECT_USER: &str = "SELECT u.id, u.account_id, a.name AS account_name, u.email, u.role, \
     u.name, u.address, u.phone1, u.phone2, u.password_hash, u.created_at, u.updated_at \
     FROM users u JOIN accounts a ON a.id = u.account_id";

#[tracing::instrument(skip_all)]
pub async fn find_by_email(db: &Db, email: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("{SELECT_USER} WHERE u.email = $1"))
        .bind(email)
        .fetch_optional(&db.pool)
        .await
}

/// A user of `account_id`; users of other accounts are invisible.
#[tracing::instrument(skip(db))]
pub async fn find_in_account(db: &Db, account_id: i64, id: i64) -> sqlx::Result<Option<UserRow>> {
    find_in(&db.pool, account_id, id).await
}

/// [`find_in_account`] on any executor (a transaction).
pub async fn find_in<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!(
        "{SELECT_USER} WHERE u.account_id = $1 AND u.id = $2"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(exec)
    .await
}

#[tracing::instrument(skip(db))]
pub async fn list_in_account(db: &Db, account_id: i64) -> sqlx::Result<Vec<UserRow>> {
    sqlx::query_as(&format!(
        "{SELECT_USER} WHERE u.account_id = $1 ORDER BY u.email"
    ))
    .bind(account_id)
    .fetch_all(&db.pool)
    .await
}

/// Inserts a user and returns its id. A taken email is a unique violation for the caller to map.
pub async fn insert<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    email: &str,
    role: Role,
    password_hash: &str,
    now: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO users (account_id, email, role, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(account_id)
    .bind(email)
    .bind(role.as_str())
    .bind(password_hash)
    .bind(now)
    .fetch_one(exec)
    .await
}

pub fn user_not_found() -> Error {
    Error::not_found("user_not_found", "No such user.")
}

fn last_super_user() -> Error {
    Error::conflict(
        "last_super_user",
        "This is the account's last Super User. Make someone else a Super User first.",
    )
}

/// Serialises role changes and deletions within an account (a row lock on PostgreSQL, the
/// write lock on SQLite), so the "last Super User" check cannot race.
async fn lock_account<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET name = name WHERE id = $1")
        .bind(account_id)
        .execute(exec)
        .await?;
    Ok(())
}

/// How many Super Users the account has besides `except`.
async fn other_super_users<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    except: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE account_id = $1 AND role = 'super_user' AND id <> $2",
    )
    .bind(account_id)
    .bind(except)
    .fetch_one(exec)
    .await
}

/// Adds a user to the actor's account. Usernames are unique platform-wide: a taken one is a
/// 409 decided by the UNIQUE constraint.
#[tracing::instrument(skip(db, actor, hash))]
pub async fn create(
    db: &Db,
    actor: &AuthUser,
    email: &Email,
    role: Role,
    name: &PersonName,
    hash: &PasswordHash,
) -> Result<UserRow> {
    let now = now();
    let mut tx = db.begin_write().await?;
    let id = insert(
        &mut *tx,
        actor.account_id,
        email.as_str(),
        role,
        &hash.0,
        now,
    )
    .await
    .on_unique_violation(|| {
        Error::conflict(
            "username_taken",
            format!("The username {email} is already in use."),
        )
    })?;
    sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
        .bind(name.as_str())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let entry = AuditEntry::one("user.create", email.as_str(), role.label());
    audit::record(&mut *tx, actor.author(), entry).await?;
    let row = find_in(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(user_not_found)?;
    tx.commit().await?;
    Ok(row)
}

/// What a Super User may change about a user. `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct UserChanges {
    pub role: Option<Role>,
    pub name: Option<PersonName>,
    pub password_hash: Option<PasswordHash>,
}

/// Changes a user of the actor's account. A new role or password ends the user's sessions
/// (except the actor's own, when they change themselves); demoting the last Super User is a
/// 409.
#[tracing::instrument(skip(db, actor, changes))]
pub async fn update(db: &Db, actor: &AuthUser, id: i64, changes: UserChanges) -> Result<UserRow> {
    let mut tx = db.begin_write().await?;
    lock_account(&mut *tx, actor.account_id).await?;
    let old = find_in(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(user_not_found)?;
    let role = changes.role.unwrap_or(old.role());
    if old.role() == Role::SuperUser
        && role != Role::SuperUser
        && other_super_users(&mut *tx, actor.account_id, id).await? == 0
    {
        return Err(last_super_user());
    }
    let name = changes
        .name
        .as_ref()
        .map_or(old.name.as_str(), PersonName::as_str);
    let hash = changes
        .password_hash
        .as_ref()
        .map_or(old.password_hash.as_str(), |h| h.0.as_str());
    sqlx::query(
        "UPDATE users SET role = $1, name = $2, password_hash = $3, updated_at = $4 \
         WHERE account_id = $5 AND id = $6",
    )
    .bind(role.as_str())
    .bind(name)
    .bind(hash)
    .bind(now())
    .bind(actor.account_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let mut detail = Vec::new();
    if role != old.role() {
        detail.push(format!("role: {} -> {}", old.role().label(), role.label()));
    }
    if name != old.name {
        detail.push(format!("name: {:?} -> {:?}", old.name, name));
    }
    if changes.password_hash.is_some() {
        detail.push("password changed".to_string());
    }
    if role != old.role() || changes.password_hash.is_some() {
        sessions::delete_for_user_except(&mut *tx, id, &actor.session_id).await?;
    }
    if changes.password_hash.is_some() {
        // A pending reset link must not undo the password just set.
        password_resets::delete_for_user(&mut *tx, id).await?;
    }
    let detail = detail.join("; ");
    let entry = AuditEntry::one("user.update", &old.email, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    let row = find_in(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(user_not_found)?;
    tx.commit().await?;
    Ok(row)
}

/// Deletes a user of the actor's account and ends their sessions. Nobody deletes themselves
/// (409 `cannot_delete_self`), and the last Super User stays (409 `last_super_user`).
#[tracing::instrument(skip(db, actor))]
pub async fn delete(db: &Db, actor: &AuthUser, id: i64) -> Result<()> {
    let mut tx = db.begin_write().await?;
    lock_account(&mut *tx, actor.account_id).await?;
    let user = find_in(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(user_not_found)?;
    if user.id == actor.user_id {
        return Err(Error::conflict(
            "cannot_delete_self",
            "You cannot delete yourself. Ask another Super User.",
        ));
    }
    if user.role() == Role::SuperUser
        && other_super_users(&mut *tx, actor.account_id, id).await? == 0
    {
        return Err(last_super_user());
    }
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM users WHERE account_id = $1 AND id = $2")
        .bind(actor.account_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let entry = AuditEntry::one("user.delete", &user.email, user.role().label());
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    Ok(())
}

/// The signed-in user's preferences. `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct ProfileChanges {
    pub name: Option<PersonName>,
    pub address: Option<Address>,
    pub phone1: Option<PhoneNumber>,
    pub phone2: Option<PhoneNumber>,
}

/// Changes the actor's own preferences.
#[tracing::instrument(skip(db, actor, changes))]
pub async fn update_profile(db: &Db, actor: &AuthUser, changes: ProfileChanges) -> Result<UserRow> {
    let mut tx = db.begin_write().await?;
    let old = find_in(&mut *tx, actor.account_id, actor.user_id)
        .await?
        .ok_or_else(Error::invalid_token)?;
    let name = changes
        .name
        .as_ref()
        .map_or(old.name.as_str(), PersonName::as_str);
    let address = changes
        .address
        .as_ref()
        .map_or(old.address.as_str(), Address::as_str);
    let phone1 = changes
        .phone1
        .as_ref()
        .map_or(old.phone1.as_str(), PhoneNumber::as_str);
    let phone2 = changes
        .phone2
        .as_ref()
        .map_or(old.phone2.as_str(), PhoneNumber::as_str);
    sqlx::query(
        "UPDATE users SET name = $1, address = $2, phone1 = $3, phone2 = $4, updated_at = $5 \
         WHERE account_id = $6 AND id = $7",
    )
    .bind(name)
    .bind(address)
    .bind(phone1)
    .bind(phone2)
    .bind(now())
    .bind(actor.account_id)
    .bind(actor.user_id)
    .execute(&mut *tx)
    .await?;
    let changed: Vec<&str> = [
        ("name", old.name.as_str(), name),
        ("address", old.address.as_str(), address),
        ("phone1", old.phone1.as_str(), phone1),
        ("phone2", old.phone2.as_str(), phone2),
    ]
    .into_iter()
    .filter(|(_, before, after)| before != after)
    .map(|(field, _, _)| field)
    .collect();
    let detail = changed.join(", ");
    let entry = AuditEntry::one("me.update", &old.email, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    let row = find_in(&mut *tx, actor.account_id, actor.user_id)
        .await?
        .ok_or_else(Error::invalid_token)?;
    tx.commit().await?;
    Ok(row)
}

/// Stores the actor's new password and ends their other sessions; the one that made the
/// change stays open.
#[tracing::instrument(skip(db, actor, hash))]
pub async fn set_own_password(db: &Db, actor: &AuthUser, hash: &PasswordHash) -> Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE users SET password_hash = $1, updated_at = $2 WHERE account_id = $3 AND id = $4",
    )
    .bind(&hash.0)
    .bind(now())
    .bind(actor.account_id)
    .bind(actor.user_id)
    .execute(&mut *tx)
    .await?;
    let ended =
        sessions::delete_for_user_except(&mut *tx, actor.user_id, &actor.session_id).await?;
    password_resets::delete_for_user(&mut *tx, actor.user_id).await?;
    let detail = format!("{ended} other sessions ended");
    let entry = AuditEntry::one("me.password", &actor.email, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    Ok(())
}
