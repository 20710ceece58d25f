//! The operator audit trail: every action of the platform's operators, from the console or
//! the CLI. An action that touched an account is also written to that account's own trail,
//! so its Super Users see what the platform did to them.

use sqlx::{Any, FromRow};

use super::{now, Db};

/// Who acted: an operator's session (`operator_id` set) or the CLI on the server.
#[derive(Debug, Clone, Copy)]
pub struct OperatorAuthor<'a> {
    pub operator_id: Option<i64>,
    pub name: &'a str,
}

/// One operator action. `account` is the account it touched (id and name), if any.
#[derive(Debug, Clone, Copy)]
pub struct OperatorEntry<'a> {
    pub action: &'a str,
    pub account: Option<(i64, &'a str)>,
    pub target: &'a str,
    pub detail: &'a str,
}

/// Records `entry` in the operator trail and, when it touched an account that still exists,
/// in that account's trail (actor `operator <name>`). Pass the transaction that makes the
/// change, so the entries exist exactly when the change does.
pub async fn record(
    tx: &mut sqlx::Transaction<'_, Any>,
    author: OperatorAuthor<'_>,
    entry: OperatorEntry<'_>,
) -> sqlx::Result<()> {
    let at = record_only(tx, author, entry).await?;
    if let Some((account_id, _)) = entry.account {
        // INSERT ... SELECT: nothing is written for an account deleted by this very action.
        sqlx::query(
            "INSERT INTO audit_events (account_id, user_id, actor, action, target, count, detail, created_at) \
             SELECT id, NULL, $2, $3, $4, 1, $5, $6 FROM accounts WHERE id = $1",
        )
        .bind(account_id)
        .bind(format!("operator {}", author.name))
        .bind(entry.action)
        .bind(entry.target)
        .bind(entry.detail)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Records `entry` in the operator trail only: for an action whose change already wrote the
/// account's own trail (an assignment of phones is the account's `phone.add`). Answers the
/// time it recorded.
pub async fn record_only(
    tx: &mut sqlx::Transaction<'_, Any>,
    author: OperatorAuthor<'_>,
    entry: OperatorEntry<'_>,
) -> sqlx::Result<i64> {
    let at = now();
    let (account_id, account_name) = entry.account.unzip();
    sqlx::query(
        "INSERT INTO operator_audit \
         (operator_id, actor, action, account_id, account_name, target, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(author.operator_id)
    .bind(author.name)
    .bind(entry.action)
    .bind(account_id)
    .bind(account_name.unwrap_or_default())
    .bind(entry.target)
    .bind(entry.detail)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(at)
}

#[derive(Debug, Clone, FromRow)]
pub struct OperatorAuditRow {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub account_id: Option<i64>,
    pub account_name: String,
    pub target: String,
    pub detail: String,
    pub created_at: i64,
}

/// Filters of the operator trail; `before_id` pages backwards (newest first).
#[derive(Debug, Clone, Default)]
pub struct OperatorAuditFilter {
    pub account_id: Option<i64>,
    pub action: Option<String>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Newest first, at most `filter.limit` rows.
pub async fn list(db: &Db, filter: &OperatorAuditFilter) -> sqlx::Result<Vec<OperatorAuditRow>> {
    sqlx::query_as(
        "SELECT id, actor, action, account_id, account_name, target, detail, created_at \
         FROM operator_audit \
         WHERE ($1 IS NULL OR account_id = $1) AND ($2 IS NULL OR action = $2) \
           AND ($3 IS NULL OR id < $3) \
         ORDER BY id DESC LIMIT $4",
    )
    .bind(filter.account_id)
    .bind(filter.action.as_deref())
    .bind(filter.before_id)
    .bind(filter.limit)
    .fetch_all(&db.pool)
    .await
}
