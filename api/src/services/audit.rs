//! The account's audit trail as staff read it: Super Users only, newest first, a page at a
//! time, narrowed by who, what and when.

use rcs_shared::AuditPage;

use crate::db::{audit, Db};
use crate::error::{Error, Result};
use crate::services::Actor;

/// Entries per page when `limit` is not given.
pub const DEFAULT_LIMIT: i64 = 50;
/// Most entries per page.
pub const MAX_LIMIT: i64 = 500;
/// Longest `actor` or `action` filter: a username is at most 254 characters, so a longer one
/// can only be a mistake (or an attempt to make the database compare megabytes).
const MAX_FILTER: usize = 254;

/// The filters as the query string gives them, unchecked. Empty strings mean "any".
#[derive(Debug, Default)]
pub struct Filter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

/// The page of entries older than `before` (the newest when `None`) that match `filter`.
pub async fn page(
    db: &Db,
    actor: &Actor,
    before: Option<i64>,
    limit: Option<i64>,
    filter: Filter,
) -> Result<AuditPage> {
    actor.require_super_user()?;
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::unprocessable(
            "invalid_limit",
            format!("limit must be between 1 and {MAX_LIMIT}."),
        ));
    }
    let query = audit::Query {
        account_id: actor.account_id,
        before,
        limit: limit + 1,
        actor: text_filter(filter.actor, "actor")?,
        action: text_filter(filter.action, "action")?,
        since: time_filter(filter.since.as_deref(), "since")?,
        until: time_filter(filter.until.as_deref(), "until")?,
    };
    if let (Some(since), Some(until)) = (query.since, query.until) {
        if since >= until {
            return Err(Error::unprocessable(
                "invalid_time_range",
                "since must be before until.",
            ));
        }
    }
    // One extra row tells whether an older page exists without a COUNT.
    let mut rows = audit::list(db, &query).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_before = more.then(|| rows.last().map(|r| r.id)).flatten();
    let items = rows.iter().map(|r| r.to_dto()).collect();
    Ok(AuditPage { items, next_before })
}

/// A trimmed `actor` or `action` filter; `None` when absent or blank.
fn text_filter(value: Option<String>, name: &str) -> Result<Option<String>> {
    let Some(value) = value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    if value.chars().count() > MAX_FILTER {
        return Err(Error::unprocessable(
            "invalid_filter",
            format!("{name} must be at most {MAX_FILTER} characters."),
        ));
    }
    Ok(Some(value))
}

/// A `since` or `until` RFC 3339 time as Unix seconds; `None` when absent or blank.
fn time_filter(value: Option<&str>, name: &str) -> Result<Option<i64>> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|t| Some(t.unix_timestamp()))
        .map_err(|_| {
            Error::unprocessable(
                "invalid_time_range",
                format!("{name} must be an RFC 3339 time, e.g. 2026-11-30T00:00:00Z."),
            )
        })
}
