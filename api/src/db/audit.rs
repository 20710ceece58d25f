//! The audit trail: every change to servers, phones, imports, users and brandings.

use sqlx::{Any, Executor};

use super::now;
use crate::auth::AuthUser;

/// One change to record. `action` is `<resource>.<verb>` (`server.create`, `phone.import`),
/// `target` names what changed (a server name, a MAC, a username), `count` how many things.
pub struct AuditEntry<'a> {
    pub action: &'a str,
    pub target: &'a str,
    pub count: i64,
    pub detail: &'a str,
}

/// Records `entry` for `actor`'s account. Pass the transaction that makes the change, so the
/// entry exists exactly when the change does.
pub async fn record<'e>(
    exec: impl Executor<'e, Database = Any>,
    actor: &AuthUser,
    entry: AuditEntry<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (account_id, user_id, actor, action, target, count, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(actor.account_id)
    .bind(actor.user_id)
    .bind(&actor.email)
    .bind(entry.action)
    .bind(entry.target)
    .bind(entry.count)
    .bind(entry.detail)
    .bind(now())
    .execute(exec)
    .await?;
    Ok(())
}
