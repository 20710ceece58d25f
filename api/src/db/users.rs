//! Users of accounts: the statements that read and write the `users` table.
//!
//! Who may change what, the audit entries and the sessions a change ends are decided by
//! `services::users`; every write here takes the caller's executor, so the service runs them
//! in its one transaction.

use rcs_shared::{Role, User};
use sqlx::{Any, Executor, FromRow};

use super::{rfc3339, Db};

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
    /// 1 when the user has a confirmed second factor.
    pub second_factor: i64,
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
            second_factor: self.second_factor > 0,
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
        }
    }
}

/// The role as the service sees it: a user of the platform account is an operator, whatever
/// its stored role (the column's CHECK admits staff roles only).
pub const EFFECTIVE_ROLE: &str = "CASE WHEN a.kind = 'platform' THEN 'operator' ELSE u.role END";

const SELECT_USER: &str = "SELECT u.id, u.account_id, a.name AS account_name, u.email, \
     CASE WHEN a.kind = 'platform' THEN 'operator' ELSE u.role END AS role, \
     u.name, u.address, u.phone1, u.phone2, u.password_hash, \
     (SELECT COUNT(*) FROM second_factors f \
      WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL) AS second_factor, \
     u.created_at, u.updated_at \
     FROM users u JOIN accounts a ON a.id = u.account_id";

#[tracing::instrument(skip_all)]
pub async fn find_by_email(db: &Db, email: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("{SELECT_USER} WHERE u.email = $1"))
        .bind(email)
        .fetch_optional(&db.pool)
        .await
}

/// A user by id in any account: for the steps of a login, which know the user but not yet an
/// account to scope by.
pub async fn find_by_id(db: &Db, id: i64) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("{SELECT_USER} WHERE u.id = $1"))
        .bind(id)
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

/// Sets a user's display name (a new user starts with an empty one).
pub async fn set_name<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: i64,
    name: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(id)
        .execute(exec)
        .await?;
    Ok(())
}

/// The id of the user named `email`, in any account (usernames are unique platform-wide).
pub async fn id_by_email<'e>(
    exec: impl Executor<'e, Database = Any>,
    email: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(exec)
        .await
}

/// Serialises role changes and deletions within an account (a row lock on PostgreSQL, the
/// write lock on SQLite), so the "last Super User" check cannot race.
pub async fn lock_account<'e>(
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
pub async fn other_super_users<'e>(
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

/// What a Super User sets on a user: every field, the unchanged ones as they were.
pub struct Fields<'a> {
    pub role: Role,
    pub name: &'a str,
    pub password_hash: &'a str,
}

/// Writes a user's role, name and password hash.
pub async fn update<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
    user: &Fields<'_>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET role = $1, name = $2, password_hash = $3, updated_at = $4 \
         WHERE account_id = $5 AND id = $6",
    )
    .bind(user.role.as_str())
    .bind(user.name)
    .bind(user.password_hash)
    .bind(now)
    .bind(account_id)
    .bind(id)
    .execute(exec)
    .await?;
    Ok(())
}

/// A user's preferences: every field, the unchanged ones as they were.
pub struct Profile<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub phone1: &'a str,
    pub phone2: &'a str,
}

/// Writes a user's preferences.
pub async fn update_profile<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
    profile: &Profile<'_>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET name = $1, address = $2, phone1 = $3, phone2 = $4, updated_at = $5 \
         WHERE account_id = $6 AND id = $7",
    )
    .bind(profile.name)
    .bind(profile.address)
    .bind(profile.phone1)
    .bind(profile.phone2)
    .bind(now)
    .bind(account_id)
    .bind(id)
    .execute(exec)
    .await?;
    Ok(())
}

/// Stores a new password hash for a user of `account_id`.
pub async fn set_password<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
    password_hash: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, updated_at = $2 WHERE account_id = $3 AND id = $4",
    )
    .bind(password_hash)
    .bind(now)
    .bind(account_id)
    .bind(id)
    .execute(exec)
    .await?;
    Ok(())
}

/// Stores a new password hash for the user `id` whatever their account, and returns that
/// account; `None` when the user is gone.
pub async fn set_password_by_id<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: i64,
    password_hash: &str,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3 RETURNING account_id",
    )
    .bind(password_hash)
    .bind(now)
    .bind(id)
    .fetch_optional(exec)
    .await
}

/// Deletes a user of `account_id` (their sessions are the caller's to end first).
pub async fn delete<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM users WHERE account_id = $1 AND id = $2")
        .bind(account_id)
        .bind(id)
        .execute(exec)
        .await?;
    Ok(())
}
