//! `/api/v1/me`: the signed-in user, their preferences and their password.

use actix_web::{get, patch, put, web, HttpResponse};
use rcs_shared::{ApiError, PasswordChange, ProfilePatch, User};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::db::users::{self, ProfileChanges};
use crate::db::{self, rate_limits};
use crate::domain::{Address, PasswordHash, PersonName, PhoneNumber};
use crate::error::{Error, Result};
use crate::routes::users::hash_new_password;
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
pub async fn get_me(state: web::Data<AppState>, user: AuthUser) -> Result<web::Json<User>> {
    let row = users::find_in_account(&state.db, user.account_id, user.user_id)
        .await?
        .ok_or_else(Error::invalid_token)?;
    Ok(web::Json(row.to_dto()))
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
    user: AuthUser,
    body: web::Json<ProfilePatch>,
) -> Result<web::Json<User>> {
    let changes = ProfileChanges {
        name: body.name.as_deref().map(PersonName::parse).transpose()?,
        address: body.address.as_deref().map(Address::parse).transpose()?,
        phone1: body
            .phone1
            .as_deref()
            .map(|p| PhoneNumber::parse(p, "Phone 1"))
            .transpose()?,
        phone2: body
            .phone2
            .as_deref()
            .map(|p| PhoneNumber::parse(p, "Phone 2"))
            .transpose()?,
    };
    let row = users::update_profile(&state.db, &user, changes).await?;
    Ok(web::Json(row.to_dto()))
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
    user: AuthUser,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse> {
    check_current_password(&state, &user, &body.current_password).await?;
    let hash = hash_new_password(&body.new_password).await?;
    users::set_own_password(&state.db, &user, &hash).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Verifies the caller's current password, counting failures against the same limits as
/// logins so a stolen session cannot be used to guess the password.
async fn check_current_password(state: &AppState, user: &AuthUser, candidate: &str) -> Result<()> {
    let s = &state.settings;
    let window = i64::try_from(s.login_window_secs).unwrap_or(i64::MAX / 4);
    let key = format!("password:user:{}", user.user_id);
    let now = db::now();
    let max = s.login_max_failures_per_email;
    if let Some(retry_after) = rate_limits::blocked_for(&state.db, &key, max, window, now).await? {
        return Err(Error::TooManyRequests { retry_after });
    }
    let row = users::find_in_account(&state.db, user.account_id, user.user_id)
        .await?
        .ok_or_else(Error::invalid_token)?;
    let hash = PasswordHash(row.password_hash);
    let candidate = candidate.to_string();
    let ok = crate::domain::password::verify(hash, candidate).await?;
    if !ok {
        rate_limits::hit(&state.db, &key, window, now).await?;
        return Err(Error::unprocessable(
            "wrong_current_password",
            "The current password is not correct.",
        ));
    }
    rate_limits::clear(&state.db, &key).await?;
    Ok(())
}
