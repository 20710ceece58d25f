//! The `AuthUser` extractor: handlers that take one are authenticated routes.

use std::future::Future;
use std::pin::Pin;

use actix_web::{http::header, web, FromRequest, HttpRequest};
use rcs_shared::Role;

use crate::db::{self, sessions};
use crate::error::Error;
use crate::state::AppState;

/// The caller of an authenticated route. Every data query is scoped by `account_id`.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: i64,
    pub account_id: i64,
    pub role: Role,
    pub email: String,
    /// The session id of the presented token (to end it on logout).
    pub session_id: String,
}

impl FromRequest for AuthUser {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| anyhow::anyhow!("application state missing"))?;
            let token = token.ok_or_else(|| {
                Error::Unauthorized("unauthorized", "Log in to use this service.".into())
            })?;
            let claims = state
                .tokens
                .verify(&token)
                .ok_or_else(Error::invalid_token)?;
            let user = sessions::find_user(&state.db, &claims.jti, db::now())
                .await?
                .filter(|u| u.user_id.to_string() == claims.sub)
                .ok_or_else(Error::invalid_token)?;
            Ok(AuthUser {
                user_id: user.user_id,
                account_id: user.account_id,
                role: Role::parse(&user.role).unwrap_or(Role::User),
                email: user.email,
                session_id: claims.jti,
            })
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| token.trim().to_string())
}
