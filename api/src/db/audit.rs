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

/// Which entries to read: those of `account_id` with ids below `before` (all when `None`),
/// at most `limit`, made by `actor`, of `action` (exact, or every action of a resource when
/// it has no dot), at or after `since` and before `until` (Unix seconds). `None`: any.
#[derive(Debug)]
pub struct Query {
    pub account_id: i64,
    pub before: Option<i64>,
    pub limit: i64,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
}

/// The entries `query` selects, newest first. Keyset pagination on the primary key: a page
/// is an index range scan however deep it is, and entries written meanwhile never shift a
/// page. An absent filter is bound as NULL and matches everything, so the statement is one
/// text for every combination (one prepared statement, no string building).
#[tracing::instrument(skip(db))]
pub async fn list(db: &Db, query: &Query) -> sqlx::Result<Vec<AuditRow>> {
    // A resource without a dot matches its actions by prefix; `_` and `%` are not allowed in
    // a resource name's LIKE pattern as wildcards, so they are escaped.
    let (action_exact, action_prefix) = match &query.action {
        Some(a) if a.contains('.') => (Some(a.clone()), None),
        Some(a) => (None, Some(format!("{}.%", like_escape(a)))),
        None => (None, None),
    };
    sqlx::query_as(
        "SELECT id, actor, action, target, count, detail, created_at FROM audit_events \
         WHERE account_id = $1 AND id < $2 \
           AND ($4 IS NULL OR actor = $4) \
           AND ($5 IS NULL OR action = $5) \
           AND ($6 IS NULL OR action LIKE $6 ESCAPE '\\') \
           AND ($7 IS NULL OR created_at >= $7) \
           AND ($8 IS NULL OR created_at < $8) \
         ORDER BY id DESC LIMIT $3",
    )
    .bind(query.account_id)
    .bind(query.before.unwrap_or(i64::MAX))
    .bind(query.limit)
    .bind(query.actor.clone())
    .bind(action_exact)
    .bind(action_prefix)
    .bind(query.since)
    .bind(query.until)
    .fetch_all(&db.pool)
    .await
}

/// `text` with LIKE's wildcards and the escape character escaped.
fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
