//! Accounts (service providers), created by the operator.

use sqlx::FromRow;

use super::{now, users, Db};
use crate::domain::{Email, PasswordHash};
use rcs_shared::Role;

#[derive(Debug, Clone, FromRow)]
pub struct AccountSummary {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub users: i64,
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    #[error("an account named {0:?} already exists")]
    NameTaken(String),
    #[error("the username {0} is already in use")]
    EmailTaken(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Creates an account and its first Super User in one transaction: both exist or neither.
#[tracing::instrument(skip(db, hash))]
pub async fn create_with_super_user(
    db: &Db,
    name: &str,
    email: &Email,
    hash: &PasswordHash,
) -> Result<(i64, i64), CreateAccountError> {
    let now = now();
    let mut tx = db.begin_write().await?;
    // Checked inside the transaction for a clear message; the UNIQUE constraints still
    // decide if two operators race.
    let name_taken: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
    if name_taken.is_some() {
        return Err(CreateAccountError::NameTaken(name.to_string()));
    }
    let email_taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    if email_taken.is_some() {
        return Err(CreateAccountError::EmailTaken(email.to_string()));
    }
    let account_id: i64 =
        sqlx::query_scalar("INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id")
            .bind(name)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
    let user_id = users::insert(
        &mut *tx,
        account_id,
        email.as_str(),
        Role::SuperUser,
        &hash.0,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((account_id, user_id))
}

#[tracing::instrument(skip(db))]
pub async fn list(db: &Db) -> sqlx::Result<Vec<AccountSummary>> {
    sqlx::query_as(
        "SELECT a.id, a.name, a.created_at, COUNT(u.id) AS users \
         FROM accounts a LEFT JOIN users u ON u.account_id = a.id \
         GROUP BY a.id, a.name, a.created_at ORDER BY a.name",
    )
    .fetch_all(&db.pool)
    .await
}

#[tracing::instrument(skip(db))]
pub async fn find_id_by_name(db: &Db, name: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM accounts WHERE name = $1")
        .bind(name)
        .fetch_optional(&db.pool)
        .await
}
