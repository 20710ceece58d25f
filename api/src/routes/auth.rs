//! `/api/v1/auth`: login and logout.

use actix_web::{post, web, HttpRequest, HttpResponse};
use rcs_shared::{ApiError, LoginRequest, LoginResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{login as login_service, AuthUser};
use crate::db::sessions;
use crate::error::Result;
use crate::startup::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login).service(logout);
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
    let response = login_service::login(&state, &body.email, &body.password, &client).await?;
    Ok(web::Json(response))
}

/// End the presented session; its token is rejected from now on.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses(
    (status = 204, description = "Logged out"),
    (status = 401, description = "Not logged in", body = ApiError),
))]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse> {
    sessions::delete(&state.db, &user.session_id).await?;
    tracing::info!(user_id = user.user_id, "logged out");
    Ok(HttpResponse::NoContent().finish())
}

/// The address failed logins are counted against.
fn client_address(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for {
        if let Some(addr) = req.connection_info().realip_remote_addr() {
            return addr.to_string();
        }
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}
