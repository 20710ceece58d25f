//! The audit trail: every change to servers, phones, imports, users and brandings.

use sqlx::{Any, Executor, FromRow};

use super::{now, rfc3339, Db};

/// One change to record. `action` is `<resource>.<verb>` (`server.create`, `phone.import`),
/// `target` names what changed (a server name, a MAC, a username), `count` how many things.
pub struct AuditEntry<'a> {
    pub action: &'a str,
    pub target: &'a str,
    pub count: i64,
    pub detail: &'a str,
}

impl<'a> AuditEntry<'a> {
    /// A change to one thing (a server, a user, a branding, a file).
    pub fn one(action: &'a str, target: &'a str, detail: &'a str) -> Self {
        AuditEntry {
            action,
            target,
            count: 1,
            detail,
        }
    }
}

/// The `detail` of an update: its `field: old -> new` parts, or `no change`.
pub fn describe(changes: Vec<String>) -> String {
    if changes.is_empty() {
        "no change".into()
    } else {
        changes.join("; ")
    }
}

/// Who made a change, as the trail names them: the account it happened in, the user (none
/// for the platform operator at the command line) and the name shown.
#[derive(Debug, Clone, Copy)]
pub struct Author<'a> {
    pub account_id: i64,
    pub user_id: Option<i64>,
    pub name: &'a str,
}

/// Records `entry` for `actor`'s account. Pass the transaction that makes the change, so the
/// entry exists exactly when the change does.
pub async fn record<'e>(
    exec: impl Executor<'e, Database = Any>,
    actor: Author<'_>,
    entry: AuditEntry<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (account_id, user_id, actor, action, target, count, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(actor.account_id)
    .bind(actor.user_id)
    .bind(actor.name)
    .bind(entry.action)
    .bind(entry.target)
    .bind(entry.count)
    .bind(entry.detail)
    .bind(now())
    .execute(exec)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub count: i64,
    pub detail: String,
    pub created_at: i64,
}

impl AuditRow {
    pub fn to_dto(&self) -> rcs_shared::AuditEntry {
        rcs_shared::AuditEntry {
            id: self.id,
            actor: self.actor.clone(),
            action: self.action.clone(),
            target: self.target.clone(),
            count: self.count,
            detail: self.detail.clone(),
            created_at: rfc3339(self.created_at),
        }
    }
}

/// Up to `limit` entries of `account_id` with ids below `before` (all when `None`), newest
/// first. Keyset pagination on the primary key: a page is an index range scan however deep
/// it is, and entries written meanwhile never shift a page.
#[tracing::instrument(skip(db))]
pub async fn list(
    db: &Db,
    account_id: i64,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as(
        "SELECT id, actor, action, target, count, detail, created_at FROM audit_events \
         WHERE account_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
    )
    .bind(account_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}
