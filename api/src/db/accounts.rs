//! Accounts (service providers): the statements over the `accounts` table. Creating one with
//! its first Super User is `services::accounts`.

use sqlx::{Any, Executor, FromRow};

use super::Db;

#[derive(Debug, Clone, FromRow)]
pub struct AccountSummary {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub users: i64,
}

/// Inserts an account and returns its id. A taken name is a unique violation for the caller
/// to map.
pub async fn insert<'e>(
    exec: impl Executor<'e, Database = Any>,
    name: &str,
    now: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar("INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(now)
        .fetch_one(exec)
        .await
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

/// The id of the account named `name`.
pub async fn id_by_name<'e>(
    exec: impl Executor<'e, Database = Any>,
    name: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM accounts WHERE name = $1")
        .bind(name)
        .fetch_optional(exec)
        .await
}

/// An account's own settings.
#[derive(Debug, Clone, FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub name: String,
    /// 1 when a Super User requires a second factor of every user.
    pub require_second_factor: i64,
}

pub async fn find<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: i64,
) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as("SELECT id, name, require_second_factor FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(exec)
        .await
}

pub async fn set_require_second_factor<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: i64,
    required: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET require_second_factor = $2 WHERE id = $1")
        .bind(id)
        .bind(i64::from(required))
        .execute(exec)
        .await?;
    Ok(())
}
