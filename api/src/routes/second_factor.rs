//! `/api/v1/me/second-factor`: the signed-in user's two-factor login (TOTP): its state,
//! setting it up (the password, then a code from the app), and turning it off.

use actix_web::{get, post, web, HttpResponse};
use rcs_shared::{
    ApiError, RecoveryCodes, SecondFactorCode, SecondFactorDisable, SecondFactorEnrolment,
    SecondFactorSetup, SecondFactorStatus,
};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::SessionUser;
use crate::error::Result;
use crate::services::{second_factor, Actor};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_second_factor)
        .service(start_second_factor)
        .service(confirm_second_factor)
        .service(disable_second_factor);
}

/// Whether the caller logs in with a second factor, whether their account or the platform
/// requires one, and how many recovery codes are left.
#[utoipa::path(tag = "me", security(("bearer" = [])), responses(
    (status = 200, description = "The caller's second factor", body = SecondFactorStatus),
    (status = 401, description = "Not logged in", body = ApiError),
))]
#[get("/me/second-factor")]
pub async fn get_second_factor(
    state: web::Data<AppState>,
    SessionUser(user): SessionUser,
) -> Result<web::Json<SecondFactorStatus>> {
    let status = second_factor::status(&state.db, &state.settings, &Actor::from(&user)).await?;
    Ok(web::Json(status))
}

/// Start setting up a second factor: with the caller's password, answers the secret for the
/// authenticator app, its otpauth URL and its QR code (SVG). Asking again starts over with a
/// new secret. Logins need a code only once the set-up is confirmed.
#[utoipa::path(tag = "me", security(("bearer" = [])), request_body = SecondFactorSetup, responses(
    (status = 200, description = "Set up the app with this, then confirm with a code", body = SecondFactorEnrolment),
    (status = 400, description = "Malformed request body", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 409, description = "Two-factor login is on already (`second_factor_enabled`)", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
    (status = 422, description = "Wrong password (`wrong_current_password`)", body = ApiError),
    (status = 429, description = "Too many wrong passwords; see Retry-After", body = ApiError,
        headers(("Retry-After" = u64, description = "Seconds to wait"))),
))]
#[post("/me/second-factor")]
pub async fn start_second_factor(
    state: web::Data<AppState>,
    SessionUser(user): SessionUser,
    body: web::Json<SecondFactorSetup>,
) -> Result<web::Json<SecondFactorEnrolment>> {
    let actor = Actor::from(&user);
    let enrolment =
        second_factor::begin_own(&state.db, &state.settings, &actor, &body.password).await?;
    Ok(web::Json(enrolment))
}

/// Confirm the set-up with a current code from the app: from now on logins need a code. The
/// answer holds the recovery codes, shown this once.
#[utoipa::path(tag = "me", security(("bearer" = [])), request_body = SecondFactorCode, responses(
    (status = 200, description = "Two-factor login is on; keep the recovery codes", body = RecoveryCodes),
    (status = 400, description = "Malformed request body", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 409, description = "No set-up was started, or it was restarted or finished elsewhere (`no_enrolment`)", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
    (status = 422, description = "The code is not correct (`invalid_code`)", body = ApiError),
))]
#[post("/me/second-factor/confirm")]
pub async fn confirm_second_factor(
    state: web::Data<AppState>,
    SessionUser(user): SessionUser,
    body: web::Json<SecondFactorCode>,
) -> Result<web::Json<RecoveryCodes>> {
    let codes = second_factor::confirm_own(&state.db, &Actor::from(&user), &body.code).await?;
    Ok(web::Json(codes))
}

/// Turn two-factor login off, with a current code (or a recovery code) or the password. Not
/// while the account or the platform requires it.
#[utoipa::path(tag = "me", security(("bearer" = [])), request_body = SecondFactorDisable, responses(
    (status = 204, description = "Off; logins need the password only"),
    (status = 400, description = "Malformed request body", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 409, description = "Required for the account or platform (`second_factor_required`), or not on (`second_factor_not_enabled`)", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
    (status = 422, description = "A wrong code (`invalid_code`) or password (`wrong_current_password`), or neither given (`code_or_password_required`)", body = ApiError),
    (status = 429, description = "Too many wrong codes or passwords; see Retry-After", body = ApiError,
        headers(("Retry-After" = u64, description = "Seconds to wait"))),
))]
#[post("/me/second-factor/disable")]
pub async fn disable_second_factor(
    state: web::Data<AppState>,
    SessionUser(user): SessionUser,
    body: web::Json<SecondFactorDisable>,
) -> Result<HttpResponse> {
    let actor = Actor::from(&user);
    second_factor::disable_own(&state.db, &state.settings, &actor, &body).await?;
    Ok(HttpResponse::NoContent().finish())
}
