//! `/api/v1/audit`: the account's audit trail (Super User only), newest first.

use actix_web::{get, web};
use rcs_shared::{ApiError, AuditPage};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::db::audit;
use crate::error::{Error, Result};
use crate::state::AppState;

/// Entries per page when `limit` is not given.
pub const DEFAULT_LIMIT: i64 = 50;
/// Most entries per page.
pub const MAX_LIMIT: i64 = 500;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit);
}

/// Which page of the trail to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries per page: 1 to 500, 50 when absent.
    pub limit: Option<i64>,
    /// Only entries older than this id: the `next_before` of the previous page.
    pub before: Option<i64>,
}

/// The account's audit trail, newest first, a page at a time.
#[utoipa::path(tag = "audit", security(("bearer" = [])), params(AuditQuery), responses(
    (status = 200, description = "A page of entries", body = AuditPage),
    (status = 400, description = "Malformed query string", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not a Super User", body = ApiError),
    (status = 422, description = "`limit` is not between 1 and 500 (`invalid_limit`)", body = ApiError),
))]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<AuditPage>> {
    user.require_super_user()?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::unprocessable(
            "invalid_limit",
            format!("limit must be between 1 and {MAX_LIMIT}."),
        ));
    }
    // One extra row tells whether an older page exists without a COUNT.
    let mut rows = audit::list(&state.db, user.account_id, query.before, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_before = more.then(|| rows.last().map(|r| r.id)).flatten();
    let items = rows.iter().map(|r| r.to_dto()).collect();
    Ok(web::Json(AuditPage { items, next_before }))
}
