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
         WHERE a.kind = 'provider' \
         GROUP BY a.id, a.name, a.created_at ORDER BY a.name",
    )
    .fetch_all(&db.pool)
    .await
}

/// The id of the provider account named `name` (the platform's own account is never named).
pub async fn id_by_name<'e>(
    exec: impl Executor<'e, Database = Any>,
    name: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM accounts WHERE name = $1 AND kind = 'provider'")
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

/// The name of the account that holds the operators. Never listed; a provider cannot take it
/// (the name is unique).
pub const PLATFORM_ACCOUNT_NAME: &str = "rcs platform operators";

/// The id of the platform's own account (its users are the operators), created on first use.
pub async fn platform_account(tx: &mut sqlx::Transaction<'_, Any>, now: i64) -> sqlx::Result<i64> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM accounts WHERE kind = 'platform' ORDER BY id LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
    if let Some(id) = found {
        return Ok(id);
    }
    sqlx::query_scalar(
        "INSERT INTO accounts (name, created_at, kind) VALUES ($1, $2, 'platform') RETURNING id",
    )
    .bind(PLATFORM_ACCOUNT_NAME)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// The account's phone quota (`None`: no limit) and how many phones it holds, read after
/// locking the account row, so two transactions adding phones to one account take turns and
/// cannot both pass the quota.
pub async fn lock_phone_room(
    tx: &mut sqlx::Transaction<'_, Any>,
    account_id: i64,
) -> sqlx::Result<(Option<i64>, i64)> {
    sqlx::query("UPDATE accounts SET name = name WHERE id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    let quota: Option<Option<i64>> =
        sqlx::query_scalar("SELECT phone_quota FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_optional(&mut **tx)
            .await?;
    let Some(Some(quota)) = quota else {
        return Ok((None, 0));
    };
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM phones WHERE account_id = $1")
        .bind(account_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok((Some(quota), held))
}
