//! Second factors: users' TOTP secrets, their recovery codes (SHA-256 only), and the
//! challenges of logins waiting for a code (SHA-256 only).
//!
//! The single-use rules are statements here, so they hold under concurrency on both engines:
//! a time step is claimed by an `UPDATE .. WHERE last_step < $step`, a recovery code by an
//! `UPDATE .. WHERE used_at IS NULL`, a challenge by a `DELETE .. RETURNING`; a second,
//! concurrent use of the same thing changes no row. When to use them is
//! `services::second_factor`'s.

use sqlx::{Any, AnyConnection, Executor, FromRow};

use super::Db;

/// A user's authenticator.
#[derive(Debug, Clone, FromRow)]
pub struct FactorRow {
    pub secret: String,
    /// `None` while enrolment is in progress.
    pub confirmed_at: Option<i64>,
    pub last_step: i64,
}

/// The user's authenticator, confirmed or in progress.
pub async fn find<'e>(
    exec: impl Executor<'e, Database = Any>,
    user_id: i64,
) -> sqlx::Result<Option<FactorRow>> {
    sqlx::query_as("SELECT secret, confirmed_at, last_step FROM second_factors WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(exec)
        .await
}

/// Starts (or restarts) an enrolment with `secret`, unless the user has a confirmed factor:
/// `false` then, and nothing changes.
pub async fn start<'e>(
    exec: impl Executor<'e, Database = Any>,
    user_id: i64,
    secret: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO second_factors (user_id, secret, confirmed_at, last_step, created_at) \
         VALUES ($1, $2, NULL, 0, $3) \
         ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, \
           created_at = excluded.created_at, last_step = 0 \
         WHERE second_factors.confirmed_at IS NULL",
    )
    .bind(user_id)
    .bind(secret)
    .bind(now)
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Confirms an enrolment in progress with the step of the code that proved it; `false` when
/// there was none to confirm (confirmed meanwhile, or reset).
pub async fn confirm<'e>(
    exec: impl Executor<'e, Database = Any>,
    user_id: i64,
    secret: &str,
    step: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE second_factors SET confirmed_at = $3, last_step = $4 \
         WHERE user_id = $1 AND secret = $2 AND confirmed_at IS NULL",
    )
    .bind(user_id)
    .bind(secret)
    .bind(now)
    .bind(step)
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Claims time step `step` for a confirmed factor: `false` when it (or a later one) was used
/// already, so each code logs in once.
pub async fn claim_step<'e>(
    exec: impl Executor<'e, Database = Any>,
    user_id: i64,
    step: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE second_factors SET last_step = $2 \
         WHERE user_id = $1 AND confirmed_at IS NOT NULL AND last_step < $2",
    )
    .bind(user_id)
    .bind(step)
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets the user's factor and recovery codes; `true` when there was a factor.
pub async fn delete(conn: &mut AnyConnection, user_id: i64) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    let done = sqlx::query("DELETE FROM second_factors WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces the user's recovery codes with `hashes`.
pub async fn replace_recovery_codes(
    conn: &mut AnyConnection,
    user_id: i64,
    hashes: &[String],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    for hash in hashes {
        sqlx::query(
            "INSERT INTO recovery_codes (user_id, code_hash, used_at) VALUES ($1, $2, NULL)",
        )
        .bind(user_id)
        .bind(hash)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Uses up an unused recovery code: `false` when it is unknown or used (meanwhile).
pub async fn use_recovery_code<'e>(
    exec: impl Executor<'e, Database = Any>,
    user_id: i64,
    hash: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $3 \
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(hash)
    .bind(now)
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many unused recovery codes the user has.
pub async fn recovery_codes_left<'e>(
    exec: impl Executor<'e, Database = Any>,
    user_id: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(exec)
        .await
}

/// A login waiting for its second step.
#[derive(Debug, Clone, FromRow)]
pub struct ChallengeRow {
    pub user_id: i64,
    /// 1: the holder must set up a second factor; 0: give a code.
    pub enrolment: i64,
}

pub async fn insert_challenge(
    db: &Db,
    token_hash: &str,
    user_id: i64,
    enrolment: bool,
    now: i64,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO login_challenges (token_hash, user_id, enrolment, failures, created_at, expires_at) \
         VALUES ($1, $2, $3, 0, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(i64::from(enrolment))
    .bind(now)
    .bind(expires_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A current challenge, without using it up.
pub async fn find_challenge(
    db: &Db,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<Option<ChallengeRow>> {
    sqlx::query_as(
        "SELECT user_id, enrolment FROM login_challenges WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&db.pool)
    .await
}

/// Uses up a current challenge: `false` when it expired or was used meanwhile.
pub async fn take_challenge<'e>(
    exec: impl Executor<'e, Database = Any>,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let taken: Option<i64> = sqlx::query_scalar(
        "DELETE FROM login_challenges WHERE token_hash = $1 AND expires_at > $2 RETURNING user_id",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(exec)
    .await?;
    Ok(taken.is_some())
}

/// Counts a wrong code against a challenge and deletes it at `max` wrong codes.
pub async fn challenge_failed(db: &Db, token_hash: &str, max: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE login_challenges SET failures = failures + 1 WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM login_challenges WHERE token_hash = $1 AND failures >= $2")
        .bind(token_hash)
        .bind(max)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Ends the user's half-finished logins (their factor was reset or changed).
pub async fn delete_challenges<'e>(
    exec: impl Executor<'e, Database = Any>,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_challenges WHERE user_id = $1")
        .bind(user_id)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn delete_expired_challenges(db: &Db, now: i64) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM login_challenges WHERE expires_at <= $1")
            .bind(now)
            .execute(&db.pool)
            .await?
            .rows_affected(),
    )
}
