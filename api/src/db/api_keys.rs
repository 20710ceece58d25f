//! The `api_keys` table: scripts' credentials, stored as the SHA-256 of their secret.

use sqlx::{Any, Executor, FromRow};

use super::{rfc3339, Db};

/// A key as stored (without its secret, which is never stored).
#[derive(Debug, Clone, FromRow)]
pub struct ApiKeyRow {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub role: String,
    pub prefix: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_addr: Option<String>,
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str = "id, account_id, name, role, prefix, created_by, created_at, expires_at, \
                       last_used_at, last_used_addr, revoked_at";

impl ApiKeyRow {
    pub fn to_dto(&self) -> rcs_shared::ApiKey {
        rcs_shared::ApiKey {
            id: self.id,
            name: self.name.clone(),
            role: rcs_shared::ApiKeyRole::parse(&self.role)
                .unwrap_or(rcs_shared::ApiKeyRole::ReadOnly),
            prefix: self.prefix.clone(),
            created_by: self.created_by.clone(),
            created_at: rfc3339(self.created_at),
            expires_at: self.expires_at.map(rfc3339),
            last_used_at: self.last_used_at.map(rfc3339),
            last_used_addr: self.last_used_addr.clone(),
            revoked_at: self.revoked_at.map(rfc3339),
        }
    }
}

/// A key to store.
pub struct NewKeyRow<'a> {
    pub account_id: i64,
    pub name: &'a str,
    pub role: &'a str,
    pub prefix: &'a str,
    pub secret_hash: &'a str,
    pub created_by_user_id: Option<i64>,
    pub created_by: &'a str,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

/// Stores a key; a live key of the same name fails on the unique index.
pub async fn insert<'e>(
    exec: impl Executor<'e, Database = Any>,
    key: &NewKeyRow<'_>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO api_keys (account_id, name, role, prefix, secret_hash, created_by_user_id, \
         created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         RETURNING id",
    )
    .bind(key.account_id)
    .bind(key.name)
    .bind(key.role)
    .bind(key.prefix)
    .bind(key.secret_hash)
    .bind(key.created_by_user_id)
    .bind(key.created_by)
    .bind(key.created_at)
    .bind(key.expires_at)
    .fetch_one(exec)
    .await
}

/// The account's keys, live ones first, then by name.
#[tracing::instrument(skip_all)]
pub async fn list(db: &Db, account_id: i64) -> sqlx::Result<Vec<ApiKeyRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE account_id = $1 \
         ORDER BY CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, name, id"
    ))
    .bind(account_id)
    .fetch_all(&db.pool)
    .await
}

/// A key of the account by id (revoked or not).
pub async fn find<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
) -> sqlx::Result<Option<ApiKeyRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE account_id = $1 AND id = $2"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(exec)
    .await
}

/// The key whose secret hashes to `secret_hash`, revoked or not: the caller decides.
#[tracing::instrument(skip_all)]
pub async fn find_by_hash(db: &Db, secret_hash: &str) -> sqlx::Result<Option<ApiKeyRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE secret_hash = $1"
    ))
    .bind(secret_hash)
    .fetch_optional(&db.pool)
    .await
}

/// Revokes a live key; answers whether it was live.
pub async fn revoke<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
    now: i64,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE api_keys SET revoked_at = $3 \
         WHERE account_id = $1 AND id = $2 AND revoked_at IS NULL",
    )
    .bind(account_id)
    .bind(id)
    .bind(now)
    .execute(exec)
    .await?
    .rows_affected()
        > 0)
}

/// Records a use, unless one was recorded within `every` seconds (one write a minute per
/// key at most, however busy the script).
pub async fn touch(db: &Db, id: i64, addr: &str, now: i64, every: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE api_keys SET last_used_at = $2, last_used_addr = $3 \
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at + $4 <= $2)",
    )
    .bind(id)
    .bind(now)
    .bind(addr)
    .bind(every)
    .execute(&db.pool)
    .await?;
    Ok(())
}
