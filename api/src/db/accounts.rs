//! Accounts (service providers): the statements over the `accounts` table. Creating one with
//! its first Super User is `services::accounts`.

use sqlx::{Any, Executor, FromRow};

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

/// Locks the account row until the transaction ends, before phones are added to it or
/// pointed at its servers and brandings; false when the account is gone (deleted meanwhile).
/// Two transactions adding phones to one account take turns, so they cannot both pass its
/// quota ([`phone_room`]).
///
/// The lock is also what keeps a phone from outliving its account on PostgreSQL, where the
/// phones' `account_id` has no foreign key (migrations/postgres/0018): [`delete_everything`]
/// takes the same lock before deleting the phones, so a write either commits first and its
/// phones are deleted with the account, or waits and then finds the account gone. (An
/// update that changes nothing is the lock both engines accept; it does not conflict with
/// the `FOR KEY SHARE` that other tables' foreign keys take on the account.)
pub async fn lock_for_phones<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
) -> sqlx::Result<bool> {
    let locked = sqlx::query("UPDATE accounts SET name = name WHERE id = $1")
        .bind(account_id)
        .execute(exec)
        .await?
        .rows_affected();
    Ok(locked > 0)
}

/// The account's phone quota (`None`: no limit) and how many phones it holds (counted only
/// under a quota), read after [`lock_for_phones`].
pub async fn phone_room(
    conn: &mut sqlx::AnyConnection,
    account_id: i64,
) -> sqlx::Result<(Option<i64>, i64)> {
    let quota: Option<Option<i64>> =
        sqlx::query_scalar("SELECT phone_quota FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(Some(quota)) = quota else {
        return Ok((None, 0));
    };
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM phones WHERE account_id = $1")
        .bind(account_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok((Some(quota), held))
}

/// A provider account as the operator's console lists it: its settings and its counts.
#[derive(Debug, Clone, FromRow)]
pub struct ConsoleAccountRow {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub suspended_at: Option<i64>,
    pub phone_quota: Option<i64>,
    pub phones: i64,
    pub users: i64,
    pub last_contact: Option<i64>,
}

const CONSOLE_COLUMNS: &str = "a.id, a.name, a.created_at, a.suspended_at, a.phone_quota, \
     (SELECT COUNT(*) FROM phones p WHERE p.account_id = a.id) AS phones, \
     (SELECT COUNT(*) FROM users u WHERE u.account_id = a.id) AS users, \
     (SELECT MAX(p.last_seen_at) FROM phones p WHERE p.account_id = a.id) AS last_contact";

/// Every provider account with its counts, by name. Each count is an index range of its own
/// account (`phones (account_id, ...)`, `users (account_id)`), so the list costs one short
/// scan per account, not a pass over every phone.
pub async fn console_list<'e>(
    exec: impl Executor<'e, Database = Any>,
) -> sqlx::Result<Vec<ConsoleAccountRow>> {
    sqlx::query_as(&format!(
        "SELECT {CONSOLE_COLUMNS} FROM accounts a WHERE a.kind = 'provider' ORDER BY a.name, a.id"
    ))
    .fetch_all(exec)
    .await
}

/// One provider account with its counts; `None` for no such provider account (the
/// platform's own account included).
pub async fn console_find<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: i64,
) -> sqlx::Result<Option<ConsoleAccountRow>> {
    sqlx::query_as(&format!(
        "SELECT {CONSOLE_COLUMNS} FROM accounts a WHERE a.id = $1 AND a.kind = 'provider'"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await
}

pub async fn rename<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: i64,
    name: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET name = $2 WHERE id = $1 AND kind = 'provider'")
        .bind(id)
        .bind(name)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn set_phone_quota<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: i64,
    quota: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET phone_quota = $2 WHERE id = $1 AND kind = 'provider'")
        .bind(id)
        .bind(quota)
        .execute(exec)
        .await?;
    Ok(())
}

/// Sets (`Some(now)`) or clears (`None`) the suspension.
pub async fn set_suspended_at<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: i64,
    at: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET suspended_at = $2 WHERE id = $1 AND kind = 'provider'")
        .bind(id)
        .bind(at)
        .execute(exec)
        .await?;
    Ok(())
}

/// Whether the account is suspended (`false` for no such account: the caller's own lookup
/// answers that).
pub async fn is_suspended<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: i64,
) -> sqlx::Result<bool> {
    let at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT suspended_at FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(exec)
            .await?;
    Ok(matches!(at, Some(Some(_))))
}

/// Removes a provider account and everything it holds, in the caller's transaction. The
/// account row is locked first, as [`lock_for_phones`] locks it, so no phone can be added
/// while its phones are deleted. The phones go first (they refer to the account's servers
/// and brandings), the history that has no foreign key next, then the account, whose other
/// rows cascade.
pub async fn delete_everything(tx: &mut sqlx::Transaction<'_, Any>, id: i64) -> sqlx::Result<u64> {
    lock_for_phones(&mut **tx, id).await?;
    sqlx::query("DELETE FROM phones WHERE account_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM boot_events WHERE account_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(
        sqlx::query("DELETE FROM accounts WHERE id = $1 AND kind = 'provider'")
            .bind(id)
            .execute(&mut **tx)
            .await?
            .rows_affected(),
    )
}
