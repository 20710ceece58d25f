//! Pending password-reset links, one per user, stored as the SHA-256 of their token.
//!
//! Storing only the hash means a leaked database (or backup) holds no usable link. A new
//! request replaces the user's row, so only the newest link works; using a link deletes the
//! row in the same transaction that sets the password (`services::users`), so a link works exactly once even when
//! two requests race with it.

use sqlx::{Any, Executor};

use super::Db;

/// Stores `token_hash` as the user's only pending link, replacing an older one.
pub async fn replace<'e>(
    db: impl Executor<'e, Database = Any>,
    user_id: i64,
    token_hash: &str,
    now: i64,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO password_resets (user_id, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, \
           created_at = excluded.created_at, expires_at = excluded.expires_at",
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(now)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// The user a current (unused, unexpired) link belongs to, without using it up.
pub async fn find_user(db: &Db, token_hash: &str, now: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT user_id FROM password_resets WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&db.pool)
    .await
}

/// Forgets a user's pending link (their password changed some other way).
pub async fn delete_for_user<'e>(
    exec: impl Executor<'e, Database = Any>,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1")
        .bind(user_id)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn delete_expired(db: &Db, now: i64) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM password_resets WHERE expires_at <= $1")
            .bind(now)
            .execute(&db.pool)
            .await?
            .rows_affected(),
    )
}

/// Uses up a current link: deletes it and returns its user, or `None` when the link is
/// unknown, expired or was used meanwhile. Run in the transaction that sets the password, so
/// a link works exactly once even when two requests race with it.
pub async fn take<'e>(
    exec: impl Executor<'e, Database = Any>,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "DELETE FROM password_resets WHERE token_hash = $1 AND expires_at > $2 RETURNING user_id",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(exec)
    .await
}
