//! `/api/v1/admin/audit`: the operator audit trail, newest first.

use actix_web::{get, web};
use rcs_shared::{ApiError, OperatorAuditPage};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::OperatorUser;
use crate::error::Result;
use crate::services::operators;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_operator_audit);
}

/// Which page of the operator trail to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OperatorAuditQuery {
    /// Only actions that touched this account.
    pub account_id: Option<i64>,
    /// Only this action, such as `account.suspend`.
    pub action: Option<String>,
    /// Only entries older than this id: the `next_before` of the previous page.
    pub before: Option<i64>,
    /// Entries per page: 1 to 500, 100 when absent.
    pub limit: Option<i64>,
}

/// Every operator action (console or CLI), newest first, a page at a time.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(OperatorAuditQuery), responses(
    (status = 200, description = "A page of entries", body = OperatorAuditPage),
    (status = 400, description = "Malformed query string", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
    (status = 422, description = "`limit` is not between 1 and 500 (`invalid_limit`), or `action` \
        is longer than 100 characters (`invalid_filter`)", body = ApiError),
))]
#[get("/audit")]
pub async fn list_operator_audit(
    state: web::Data<AppState>,
    _operator: OperatorUser,
    query: web::Query<OperatorAuditQuery>,
) -> Result<web::Json<OperatorAuditPage>> {
    let q = query.into_inner();
    let page = operators::audit_page(&state.db, q.account_id, q.action, q.before, q.limit).await?;
    Ok(web::Json(page))
}
