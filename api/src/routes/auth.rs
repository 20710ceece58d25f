//! `/api/v1/auth`: login (with its second step for users with a second factor), logout, and
//! password recovery by email.

use actix_web::{post, web, HttpRequest, HttpResponse};
use rcs_shared::{
    ApiError, EnrolledLogin, EnrolmentStart, LoginAnswer, LoginRequest, LoginResponse,
    PasswordResetAccepted, PasswordResetConfirm, PasswordResetRequest, SecondFactorChallenge,
    SecondFactorEnrolment, SecondFactorLogin,
};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{password_reset, Caller};
use crate::error::Result;
use crate::services::{second_factor, sessions, Actor};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(login_second_factor)
        .service(login_enrolment)
        .service(login_enrolment_confirm)
        .service(logout)
        .service(request_password_reset)
        .service(confirm_password_reset);
}

/// Log in with username (email) and password; returns a session token, or (202) a challenge
/// for the second step when the user logs in with a second factor.
///
/// Failures are limited per username and client address and per client address (429 for that
/// address until the window passes); per username they only slow down the addresses that keep
/// failing it, so an attack on a username never stops its owner.
#[utoipa::path(tag = "auth", request_body = LoginRequest, responses(
    (status = 200, description = "Logged in", body = LoginResponse),
    (status = 202, description = "The password is right and the user has a second factor (or must set one up): finish with POST /api/v1/auth/login/second-factor (or /auth/login/enrolment) and the challenge", body = SecondFactorChallenge),
    (status = 400, description = "Malformed request body", body = ApiError),
    (status = 401, description = "Wrong username or password (same answer for both)", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
    (status = 429, description = "Too many failed attempts from this address; see Retry-After", body = ApiError,
        headers(("Retry-After" = u64, description = "Seconds to wait"))),
))]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse> {
    let client = client_address(&req, state.settings.trust_forwarded_for);
    let answer = sessions::login(
        &state.db,
        &state.tokens,
        &state.settings,
        &body.email,
        &body.password,
        &client,
    )
    .await?;
    Ok(match answer {
        LoginAnswer::Session(session) => HttpResponse::Ok().json(session),
        LoginAnswer::SecondFactor(challenge) => HttpResponse::Accepted().json(challenge),
    })
}

/// The second step of a login: the challenge of the 202 answer and a code from the
/// authenticator app (each code works once) or a recovery code (each works once).
///
/// A challenge is single use, expires after five minutes and dies after five wrong codes;
/// wrong codes also count like failed logins, and per user.
#[utoipa::path(tag = "auth", request_body = SecondFactorLogin, responses(
    (status = 200, description = "Logged in", body = LoginResponse),
    (status = 400, description = "Malformed request body", body = ApiError),
    (status = 401, description = "A wrong code (`invalid_code`), a code used before (`code_already_used`), or a challenge that is unknown, expired, used or for enrolment (`invalid_challenge`)", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
    (status = 429, description = "Too many wrong codes; see Retry-After", body = ApiError,
        headers(("Retry-After" = u64, description = "Seconds to wait"))),
))]
#[post("/auth/login/second-factor")]
pub async fn login_second_factor(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<SecondFactorLogin>,
) -> Result<web::Json<LoginResponse>> {
    let client = client_address(&req, state.settings.trust_forwarded_for);
    let session = second_factor::login(
        &state.db,
        &state.tokens,
        &state.settings,
        &body.challenge,
        &body.code,
        &client,
    )
    .await?;
    Ok(web::Json(session))
}

/// Start setting up a second factor the account or platform requires, with the enrolment
/// challenge of the 202 login answer: the secret for the authenticator app, its otpauth URL
/// and QR code. Asking again starts over with a new secret.
#[utoipa::path(tag = "auth", request_body = EnrolmentStart, responses(
    (status = 200, description = "Set up the app with this, then confirm with a code", body = SecondFactorEnrolment),
    (status = 400, description = "Malformed request body", body = ApiError),
    (status = 401, description = "The challenge is unknown, expired, used or not for enrolment (`invalid_challenge`)", body = ApiError),
    (status = 409, description = "The user has a second factor already (`second_factor_enabled`)", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
))]
#[post("/auth/login/enrolment")]
pub async fn login_enrolment(
    state: web::Data<AppState>,
    body: web::Json<EnrolmentStart>,
) -> Result<web::Json<SecondFactorEnrolment>> {
    let enrolment = second_factor::begin_at_login(&state.db, &body.challenge).await?;
    Ok(web::Json(enrolment))
}

/// Finish setting up a required second factor with a code from the app: the login completes
/// with a session, and the recovery codes are shown (once).
#[utoipa::path(tag = "auth", request_body = SecondFactorLogin, responses(
    (status = 200, description = "Set up and logged in; keep the recovery codes", body = EnrolledLogin),
    (status = 400, description = "Malformed request body", body = ApiError),
    (status = 401, description = "A wrong code (`invalid_code`), or a challenge that is unknown, expired, used or not for enrolment (`invalid_challenge`)", body = ApiError),
    (status = 409, description = "No set-up was started with this challenge's user, or it was restarted (`no_enrolment`)", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
    (status = 429, description = "Too many wrong codes; see Retry-After", body = ApiError,
        headers(("Retry-After" = u64, description = "Seconds to wait"))),
))]
#[post("/auth/login/enrolment/confirm")]
pub async fn login_enrolment_confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<SecondFactorLogin>,
) -> Result<web::Json<EnrolledLogin>> {
    let client = client_address(&req, state.settings.trust_forwarded_for);
    let enrolled = second_factor::confirm_at_login(
        &state.db,
        &state.tokens,
        &state.settings,
        &body.challenge,
        &body.code,
        &client,
    )
    .await?;
    Ok(web::Json(enrolled))
}

/// End the presented session; its token is rejected from now on.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses(
    (status = 204, description = "Logged out"),
    (status = 401, description = "Not logged in", body = ApiError),
))]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, Caller(user): Caller) -> Result<HttpResponse> {
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
