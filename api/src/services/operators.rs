//! The platform's operators (the guide's "RCS Administrator"): who they are, and the author
//! every operator action is recorded under.
//!
//! Operators are users of the platform's own account ([`accounts::PLATFORM_ACCOUNT_NAME`]), so
//! logging in, sessions, password resets, second factors and throttling are the staff's code.
//! They are made only on the server (`rcs operator add`): no route creates one.

use rcs_shared::{OperatorAuditEntry, OperatorAuditPage, Role};

use crate::auth::OperatorUser;
use crate::db::accounts;
use crate::db::operator_audit::{self, OperatorAuditFilter, OperatorAuthor, OperatorEntry};
use crate::db::{now, rfc3339, users, Db};
use crate::domain::{Email, PasswordHash};
use crate::error::{Error, Result, ResultExt};

/// Who performs an operator action: an operator's session, or the CLI on the server. Both
/// call the same services, which record the action in the operator audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorActor {
    /// The operator's user id; `None` for the CLI.
    pub operator_id: Option<i64>,
    /// How the trail names them: the operator's email, or `rcs operator (CLI)`.
    pub name: String,
}

impl OperatorActor {
    /// The command line on the server (whoever can run `rcs` there is the platform).
    pub fn cli() -> OperatorActor {
        OperatorActor {
            operator_id: None,
            name: "rcs operator (CLI)".to_string(),
        }
    }

    pub fn author(&self) -> OperatorAuthor<'_> {
        OperatorAuthor {
            operator_id: self.operator_id,
            name: &self.name,
        }
    }

    /// Records `entry` for this actor in the caller's transaction.
    pub async fn record(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        entry: OperatorEntry<'_>,
    ) -> Result<()> {
        operator_audit::record(tx, self.author(), entry).await?;
        Ok(())
    }
}

impl From<&OperatorUser> for OperatorActor {
    fn from(user: &OperatorUser) -> OperatorActor {
        OperatorActor {
            operator_id: Some(user.user_id),
            name: user.email.clone(),
        }
    }
}

/// Adds an operator (`rcs operator add`). The username is unique among all users, staff or
/// operators (409 `username_taken`).
#[tracing::instrument(skip(db, hash, actor))]
pub async fn add(
    db: &Db,
    actor: &OperatorActor,
    email: &Email,
    hash: &PasswordHash,
) -> Result<i64> {
    let now = now();
    let mut tx = db.begin_write().await?;
    let taken = || {
        Error::conflict(
            "username_taken",
            format!("the username {email} is already in use"),
        )
    };
    if users::id_by_email(&mut *tx, email.as_str())
        .await?
        .is_some()
    {
        return Err(taken());
    }
    let platform = accounts::platform_account(&mut tx, now).await?;
    let id = users::insert(
        &mut *tx,
        platform,
        email.as_str(),
        Role::SuperUser,
        &hash.0,
        now,
    )
    .await
    .on_unique_violation(taken)?;
    let entry = OperatorEntry {
        action: "operator.add",
        account: None,
        target: email.as_str(),
        detail: "",
    };
    actor.record(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(id)
}

/// A page of the operator trail, newest first: `limit` 1 to 500 (default 100), entries
/// older than `before`, optionally of one account or one action.
pub async fn audit_page(
    db: &Db,
    account_id: Option<i64>,
    action: Option<String>,
    before: Option<i64>,
    limit: Option<i64>,
) -> Result<OperatorAuditPage> {
    let limit = limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(Error::unprocessable(
            "invalid_limit",
            "limit must be between 1 and 500",
        ));
    }
    if action.as_ref().is_some_and(|a| a.chars().count() > 100) {
        return Err(Error::unprocessable(
            "invalid_filter",
            "action must be at most 100 characters",
        ));
    }
    let filter = OperatorAuditFilter {
        account_id,
        action,
        before_id: before,
        limit: limit + 1,
    };
    let mut rows = operator_audit::list(db, &filter).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_before = if more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(|r| OperatorAuditEntry {
            id: r.id,
            actor: r.actor,
            action: r.action,
            account_id: r.account_id,
            account_name: r.account_name,
            target: r.target,
            detail: r.detail,
            created_at: rfc3339(r.created_at),
        })
        .collect();
    Ok(OperatorAuditPage { items, next_before })
}
