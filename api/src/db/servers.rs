//! Configuration servers of an account, with how many phones each one serves.
//!
//! Every query is scoped by `account_id`: another account's server is simply not found.
//! Statements only: what a missing server, a taken name or a server still in use means is
//! decided by `services::servers`, which also writes the audit entry.

use rcs_shared::Server;
use sqlx::{Any, Executor, FromRow};

use super::rfc3339;

#[derive(Debug, Clone, FromRow)]
pub struct ServerRow {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub phone_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ServerRow {
    pub fn to_dto(&self) -> Server {
        Server {
            id: self.id,
            name: self.name.clone(),
            url: self.url.clone(),
            phone_count: self.phone_count,
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
        }
    }
}

const SELECT_SERVER: &str = "SELECT s.id, s.name, s.url, \
     (SELECT COUNT(*) FROM phones p WHERE p.account_id = s.account_id AND p.server_id = s.id) \
       AS phone_count, \
     s.created_at, s.updated_at FROM servers s";

#[tracing::instrument(skip(exec))]
pub async fn list<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
) -> sqlx::Result<Vec<ServerRow>> {
    sqlx::query_as(&format!(
        "{SELECT_SERVER} WHERE s.account_id = $1 ORDER BY s.name, s.id"
    ))
    .bind(account_id)
    .fetch_all(exec)
    .await
}

pub async fn find<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
) -> sqlx::Result<Option<ServerRow>> {
    sqlx::query_as(&format!(
        "{SELECT_SERVER} WHERE s.account_id = $1 AND s.id = $2"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(exec)
    .await
}

/// Inserts a server; a taken name fails on the UNIQUE constraint (the caller's 409), so two
/// concurrent creations cannot both succeed.
pub async fn insert<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    name: &str,
    url: &str,
    now: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO servers (account_id, name, url, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(account_id)
    .bind(name)
    .bind(url)
    .bind(now)
    .fetch_one(exec)
    .await
}

/// Sets the name and URL of a server of the account; a taken name fails on the UNIQUE
/// constraint.
pub async fn update<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
    name: &str,
    url: &str,
    now: i64,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE servers SET name = $1, url = $2, updated_at = $3 WHERE account_id = $4 AND id = $5",
    )
    .bind(name)
    .bind(url)
    .bind(now)
    .bind(account_id)
    .bind(id)
    .execute(exec)
    .await?
    .rows_affected())
}

/// Deletes a server of the account. Whether a phone still uses it is the caller's check,
/// made with the row locked (`phones::lock_row`): only SQLite has a foreign key on it.
pub async fn delete<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM servers WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(exec)
            .await?
            .rows_affected(),
    )
}

/// Points every phone of server `from` at `to` (`None`: unaffiliated).
pub async fn move_phones<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    from: i64,
    to: Option<i64>,
    now: i64,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE phones SET server_id = $1, updated_at = $2 WHERE account_id = $3 AND server_id = $4",
    )
    .bind(to)
    .bind(now)
    .bind(account_id)
    .bind(from)
    .execute(exec)
    .await?
    .rows_affected())
}
