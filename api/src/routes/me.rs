//! `/api/v1/me`: the signed-in user, their preferences and their password. These need a
//! session: an API key is no person, and a leaked one must not change a password.

use actix_web::{get, patch, put, web, HttpResponse};
use rcs_shared::{ApiError, PasswordChange, ProfilePatch, User};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::SessionUser;
use crate::error::Result;
use crate::services::{users, Actor};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_me)
        .service(update_me)
        .service(change_password);
}

/// The caller's own user record, with the account name.
#[utoipa::path(tag = "me", security(("bearer" = [])), responses(
    (status = 200, description = "The signed-in user", body = User),
    (status = 401, description = "Not logged in", body = ApiError),
))]
#[get("/me")]
pub async fn get_me(
    state: web::Data<AppState>,
    SessionUser(user): SessionUser,
) -> Result<web::Json<User>> {
    Ok(web::Json(users::me(&state.db, &Actor::from(&user)).await?))
}

/// Change the caller's name, address and phone numbers; absent fields stay as they are.
#[utoipa::path(tag = "me", security(("bearer" = [])), request_body = ProfilePatch, responses(
    (status = 200, description = "Updated", body = User),
    (status = 400, description = "Malformed request body", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 422, description = "A field is too long or malformed (`invalid_name`, `invalid_address`, `invalid_phone_number`); the message names it", body = ApiError),
))]
#[patch("/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    SessionUser(user): SessionUser,
    body: web::Json<ProfilePatch>,
) -> Result<web::Json<User>> {
    let actor = Actor::from(&user);
    Ok(web::Json(
        users::update_profile(&state.db, &actor, &body).await?,
    ))
}

/// Change the caller's password. The current password must be given; every other session of
/// the caller ends, this one stays.
///
/// A wrong current password is a 422 (`wrong_current_password`), not a 401: the caller's
/// session is valid, and a 401 would make clients log them out. Wrong guesses are throttled
/// like failed logins.
#[utoipa::path(tag = "me", security(("bearer" = [])), request_body = PasswordChange, responses(
    (status = 204, description = "Changed; the caller's other sessions ended"),
    (status = 400, description = "Malformed request body", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 422, description = "Wrong current password (`wrong_current_password`) or a new one that breaks the policy (`invalid_password`)", body = ApiError),
    (status = 429, description = "Too many wrong current passwords; see Retry-After", body = ApiError,
        headers(("Retry-After" = u64, description = "Seconds to wait"))),
))]
#[put("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    SessionUser(user): SessionUser,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse> {
    users::change_own_password(
        &state.db,
        &state.settings,
        &Actor::from(&user),
        &body.current_password,
        &body.new_password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
