//! `/api/v1/account`: the caller's account and its settings (changes: Super User only).

use actix_web::{get, patch, web};
use rcs_shared::{Account, AccountPatch, ApiError};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::error::Result;
use crate::services::{accounts, Actor};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_account).service(update_account);
}

/// The caller's account: its name, and whether it (or the platform) requires a second factor.
#[utoipa::path(tag = "account", security(("bearer" = [])), responses(
    (status = 200, description = "The caller's account", body = Account),
    (status = 401, description = "Not logged in", body = ApiError),
))]
#[get("/account")]
pub async fn get_account(state: web::Data<AppState>, user: AuthUser) -> Result<web::Json<Account>> {
    let account = accounts::get(&state.db, &state.settings, &Actor::from(&user)).await?;
    Ok(web::Json(account))
}

/// Change the account's settings. Requiring a second factor ends the sessions of the users
/// without one (they set it up at their next login); the caller must have one first.
#[utoipa::path(tag = "account", security(("bearer" = [])), request_body = AccountPatch, responses(
    (status = 200, description = "Updated", body = Account),
    (status = 400, description = "Malformed request body", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not a Super User", body = ApiError),
    (status = 409, description = "The caller has no second factor of their own yet (`enrol_first`)", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
))]
#[patch("/account")]
pub async fn update_account(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<AccountPatch>,
) -> Result<web::Json<Account>> {
    let actor = Actor::from(&user);
    let account = accounts::update(&state.db, &state.settings, &actor, &body).await?;
    Ok(web::Json(account))
}
