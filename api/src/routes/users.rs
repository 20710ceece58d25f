//! `/api/v1/users`: an account's users (Super User only).

use actix_web::{get, web};
use rcs_shared::{ApiError, User};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::db::users;
use crate::error::Result;
use crate::startup::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users);
}

/// The users of the caller's account, by username.
#[utoipa::path(tag = "users", security(("bearer" = [])), responses(
    (status = 200, description = "The account's users", body = Vec<User>),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not a Super User", body = ApiError),
))]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<web::Json<Vec<User>>> {
    user.require_super_user()?;
    let rows = users::list_in_account(&state.db, user.account_id).await?;
    Ok(web::Json(rows.iter().map(|u| u.to_dto()).collect()))
}
