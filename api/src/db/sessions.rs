//! Issued session tokens. A JWT is honoured only while its row is here.

use sqlx::{Any, Executor, FromRow};

use super::Db;

/// What a valid session tells about its holder, read fresh on every request so a role
/// change or deletion takes effect at once.
#[derive(Debug, Clone, FromRow)]
pub struct SessionUser {
    pub user_id: i64,
    pub account_id: i64,
    pub role: String,
    pub email: String,
    /// 1 while the user's account is suspended.
    pub suspended: i64,
}

pub async fn insert(
    db: &Db,
    jti: &str,
    user_id: i64,
    now: i64,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(jti)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn find_user(db: &Db, jti: &str, now: i64) -> sqlx::Result<Option<SessionUser>> {
    sqlx::query_as(
        "SELECT u.id AS user_id, u.account_id, \
         CASE WHEN a.kind = 'platform' THEN 'operator' ELSE u.role END AS role, u.email, \
         CASE WHEN a.suspended_at IS NULL THEN 0 ELSE 1 END AS suspended \
         FROM sessions s JOIN users u ON u.id = s.user_id JOIN accounts a ON a.id = u.account_id \
         WHERE s.id = $1 AND s.expires_at > $2",
    )
    .bind(jti)
    .bind(now)
    .fetch_optional(&db.pool)
    .await
}

pub async fn delete(db: &Db, jti: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(jti)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Ends every session of a user (password reset, removal). Takes any executor so the
/// caller's transaction can end the sessions together with the change that implies it.
pub async fn delete_for_user<'e>(
    exec: impl Executor<'e, Database = Any>,
    user_id: i64,
) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(exec)
        .await?
        .rows_affected())
}

pub async fn delete_expired(db: &Db, now: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(&db.pool)
        .await?
        .rows_affected())
}

/// Ends every session of a user except `keep`: a password or role change logs the user out
/// everywhere but where they made the change themselves. `keep` may name a session of
/// another user, in which case all of `user_id`'s sessions end.
pub async fn delete_for_user_except<'e>(
    exec: impl Executor<'e, Database = Any>,
    user_id: i64,
    keep: &str,
) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep)
            .execute(exec)
            .await?
            .rows_affected(),
    )
}

/// Ends the sessions of the account's users who have no confirmed second factor, except
/// `keep` (the account now requires one: they set it up at their next login).
pub async fn delete_without_second_factor<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    keep: &str,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM sessions WHERE id <> $2 AND user_id IN ( \
           SELECT u.id FROM users u WHERE u.account_id = $1 AND NOT EXISTS ( \
             SELECT 1 FROM second_factors f \
             WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL))",
    )
    .bind(account_id)
    .bind(keep)
    .execute(exec)
    .await?
    .rows_affected())
}

/// Ends every session of an account's users (its suspension), in the caller's transaction.
pub async fn delete_for_account<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE account_id = $1)",
    )
    .bind(account_id)
    .execute(exec)
    .await?
    .rows_affected())
}
