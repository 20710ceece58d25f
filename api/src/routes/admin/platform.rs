//! `/api/v1/admin/unknown-phones` and `/api/v1/admin/summary`: the phones nobody registered,
//! and the platform's figures.

use actix_web::{get, post, web};
use rcs_shared::{
    ApiError, AssignUnknownPhones, AssignedPhones, PlatformSummary, UnknownPhonePage,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::OperatorUser;
use crate::error::Result;
use crate::services::operators::OperatorActor;
use crate::services::platform;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_unknown_phones)
        .service(assign_unknown_phones)
        .service(platform_summary);
}

/// Which page of unknown phones.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnknownPhonesQuery {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Phones per page: 1 to 500, 100 when absent.
    pub limit: Option<i64>,
}

/// MACs that contacted rcs with a trusted certificate but that no account registered, the
/// most recent contact first, with their first and last contact and the certificate's issuer.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(UnknownPhonesQuery), responses(
    (status = 200, description = "A page of unknown phones", body = UnknownPhonePage),
    (status = 400, description = "Malformed query string, or a cursor this list did not give (`invalid_cursor`)", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
    (status = 422, description = "`limit` is not between 1 and 500 (`invalid_limit`)", body = ApiError),
))]
#[get("/unknown-phones")]
pub async fn list_unknown_phones(
    state: web::Data<AppState>,
    _operator: OperatorUser,
    query: web::Query<UnknownPhonesQuery>,
) -> Result<web::Json<UnknownPhonePage>> {
    let page = platform::unknown_phones(&state.db, query.cursor.as_deref(), query.limit).await?;
    Ok(web::Json(page))
}

/// Register one or many phones in an account, all or nothing: the account's quota applies,
/// and a MAC another account holds refuses the list. The account's trail and webhooks see
/// the phones added by the operator.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = AssignUnknownPhones, responses(
    (status = 200, description = "Assigned", body = AssignedPhones),
    (status = 400, description = "Malformed request body", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
    (status = 404, description = "No such account (`account_not_found`)", body = ApiError),
    (status = 409, description = "The phones would take the account over its quota (`phone_quota_exceeded`), or another account registered one meanwhile (`mac_owned_by_other_account`); nothing was assigned", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
    (status = 422, description = "`invalid_phones` naming every MAC that is invalid, listed twice or held by another account; or `no_macs`, `too_many_macs` (over 10,000)", body = ApiError),
))]
#[post("/unknown-phones/assign")]
pub async fn assign_unknown_phones(
    state: web::Data<AppState>,
    operator: OperatorUser,
    body: web::Json<AssignUnknownPhones>,
) -> Result<web::Json<AssignedPhones>> {
    let actor = OperatorActor::from(&operator);
    let assigned = platform::assign(&state.db, &state.webhooks, &actor, body.into_inner()).await?;
    Ok(web::Json(assigned))
}

/// The platform's figures: accounts, phones, unknown phones, firmware releases, contacts per
/// day for the last 30 days across every account, and refusals by reason.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 200, description = "The figures", body = PlatformSummary),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
))]
#[get("/summary")]
pub async fn platform_summary(
    state: web::Data<AppState>,
    _operator: OperatorUser,
) -> Result<web::Json<PlatformSummary>> {
    Ok(web::Json(platform::summary(&state.db).await?))
}
