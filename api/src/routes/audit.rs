//! `/api/v1/audit`: the account's audit trail (Super User only), newest first.

use actix_web::{get, web};
use rcs_shared::{ApiError, AuditPage};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::error::Result;
use crate::services::{audit, Actor};
use crate::state::AppState;

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
    /// Only changes made by this user (the username as the entry names it, exact).
    pub actor: Option<String>,
    /// Only this action (`server.update`), or every action on a resource when given without
    /// a dot (`server`).
    pub action: Option<String>,
    /// Only entries made at or after this RFC 3339 time.
    pub since: Option<String>,
    /// Only entries made before this RFC 3339 time.
    pub until: Option<String>,
}

/// The account's audit trail, newest first, a page at a time, optionally narrowed to one
/// user, one action (or resource) and a time range; the filters combine.
#[utoipa::path(tag = "audit", security(("bearer" = [])), params(AuditQuery), responses(
    (status = 200, description = "A page of entries", body = AuditPage),
    (status = 400, description = "Malformed query string", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not a Super User", body = ApiError),
    (status = 422, description = "`limit` is not between 1 and 500 (`invalid_limit`); `since` or \
        `until` is not an RFC 3339 time, or `since` is not before `until` (`invalid_time_range`); \
        `actor` or `action` is longer than 254 characters (`invalid_filter`)", body = ApiError),
))]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<AuditPage>> {
    let query = query.into_inner();
    let filter = audit::Filter {
        actor: query.actor,
        action: query.action,
        since: query.since,
        until: query.until,
    };
    let page = audit::page(
        &state.db,
        &Actor::from(&user),
        query.before,
        query.limit,
        filter,
    )
    .await?;
    Ok(web::Json(page))
}
