//! `/api/v1/auth`: login, logout, and password recovery by email.

use actix_web::{post, web, HttpRequest, HttpResponse};
use rcs_shared::{
    ApiError, LoginRequest, LoginResponse, PasswordResetAccepted, PasswordResetConfirm,
    PasswordResetRequest,
};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{password_reset, AuthUser};
use crate::error::Result;
use crate::services::{sessions, Actor};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(logout)
        .service(request_password_reset)
        .service(confirm_password_reset);
}

/// Log in with username (email) and password; returns a session token.
#[utoipa::path(tag = "auth", request_body = LoginRequest, responses(
    (status = 200, description = "Logged in", body = LoginResponse),
    (status = 400, description = "Malformed request body", body = ApiError),
    (status = 401, description = "Wrong username or password (same answer for both)", body = ApiError),
    (status = 429, description = "Too many failed attempts; see Retry-After", body = ApiError,
        headers(("Retry-After" = u64, description = "Seconds to wait"))),
))]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<LoginResponse>> {
    let client = client_address(&req, state.settings.trust_forwarded_for);
    let response = sessions::login(
        &state.db,
        &state.tokens,
        &state.settings,
        &body.email,
        &body.password,
        &client,
    )
    .await?;
    Ok(web::Json(response))
}

/// End the presented session; its token is rejected from now on.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses(
    (status = 204, description = "Logged out"),
    (status = 401, description = "Not logged in", body = ApiError),
))]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse> {
    sessions::logout(&state.db, &Actor::from(&user)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ask for a password reset link by email ("Forgot Password?").
///
/// The answer is the same 202 whether or not the address belongs to a user; when it does, a
/// mail with a single-use link to `/reset-password?token=...` goes to it. Requests are
/// throttled per address and per client.
#[utoipa::path(tag = "auth", request_body = PasswordResetRequest, responses(
    (status = 202, description = "Accepted; a mail goes out if the account exists (same answer either way)", body = PasswordResetAccepted),
    (status = 400, description = "Malformed request body", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
    (status = 422, description = "Not an email address (`invalid_email`)", body = ApiError),
    (status = 429, description = "Too many requests for this address or from this client; see Retry-After", body = ApiError,
        headers(("Retry-After" = u64, description = "Seconds to wait"))),
))]
#[post("/auth/password-reset")]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<PasswordResetRequest>,
) -> Result<HttpResponse> {
    let client = client_address(&req, state.settings.trust_forwarded_for);
    password_reset::request(state, &body.email, &client).await?;
    Ok(HttpResponse::Accepted().json(PasswordResetAccepted::new()))
}

/// Set a new password with the token of an emailed reset link. Every session of the user
/// ends, and a notification mail goes to them.
#[utoipa::path(tag = "auth", request_body = PasswordResetConfirm, responses(
    (status = 204, description = "Password changed; every session of the user ended"),
    (status = 400, description = "Malformed request body, or a link that is used, expired, replaced by a newer one or unknown (`invalid_reset_link`)", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
    (status = 422, description = "The new password breaks the policy (`invalid_password`); the link stays usable", body = ApiError),
))]
#[post("/auth/password-reset/confirm")]
pub async fn confirm_password_reset(
    state: web::Data<AppState>,
    body: web::Json<PasswordResetConfirm>,
) -> Result<HttpResponse> {
    password_reset::confirm(&state, &body.token, &body.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The address failed logins and reset requests are counted against.
/// The client's address: the peer, or `X-Forwarded-For` behind a trusted proxy.
pub(crate) fn client_address(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for {
        if let Some(addr) = req.connection_info().realip_remote_addr() {
            return addr.to_string();
        }
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}
