//! `/api/v1/summary`: the account's statistics, for any of its users.

use actix_web::{get, web};
use rcs_shared::{ApiError, Summary};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::db::{self, summary};
use crate::error::Result;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_summary);
}

/// Phone counts (total, redirected, unaffiliated, firmware pinned, branded, contacted in the
/// last 24 hours and 7 days, never contacted), servers, users, and phone contacts per UTC day
/// for the last 30 days.
#[utoipa::path(tag = "summary", security(("bearer" = [])), responses(
    (status = 200, description = "The account's statistics", body = Summary),
    (status = 401, description = "Not logged in", body = ApiError),
))]
#[get("/summary")]
pub async fn get_summary(state: web::Data<AppState>, user: AuthUser) -> Result<web::Json<Summary>> {
    let summary = summary::summary(&state.db, user.account_id, db::now()).await?;
    Ok(web::Json(summary))
}
