//! `/api/v1/me`: the signed-in user.

use actix_web::{get, web};
use rcs_shared::{ApiError, User};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::db::users;
use crate::error::{Error, Result};
use crate::startup::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_me);
}

/// The caller's own user record, with the account name.
#[utoipa::path(tag = "me", security(("bearer" = [])), responses(
    (status = 200, description = "The signed-in user", body = User),
    (status = 401, description = "Not logged in", body = ApiError),
))]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, user: AuthUser) -> Result<web::Json<User>> {
    let row = users::find_in_account(&state.db, user.account_id, user.user_id)
        .await?
        .ok_or_else(Error::invalid_token)?;
    Ok(web::Json(row.to_dto()))
}
