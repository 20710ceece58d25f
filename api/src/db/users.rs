//! Users of accounts.

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
    sqlx::query_as(&format!(
        "{SELECT_USER} WHERE u.account_id = $1 AND u.id = $2"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(&db.pool)
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
