//! The account's audit trail as staff read it: Super Users only, newest first, a page at a
//! time.

use rcs_shared::AuditPage;

use crate::db::{audit, Db};
use crate::error::{Error, Result};
use crate::services::Actor;

/// Entries per page when `limit` is not given.
pub const DEFAULT_LIMIT: i64 = 50;
/// Most entries per page.
pub const MAX_LIMIT: i64 = 500;

/// The page of entries older than `before` (the newest when `None`).
pub async fn page(
    db: &Db,
    actor: &Actor,
    before: Option<i64>,
    limit: Option<i64>,
) -> Result<AuditPage> {
    actor.require_super_user()?;
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::unprocessable(
            "invalid_limit",
            format!("limit must be between 1 and {MAX_LIMIT}."),
        ));
    }
    // One extra row tells whether an older page exists without a COUNT.
    let mut rows = audit::list(db, actor.account_id, before, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_before = more.then(|| rows.last().map(|r| r.id)).flatten();
    let items = rows.iter().map(|r| r.to_dto()).collect();
    Ok(AuditPage { items, next_before })
}
