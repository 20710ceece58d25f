//! The `AuthUser` extractor: handlers that take one are authenticated routes.
//!
//! A bearer is a session token (a user who logged in) or, when it starts with `rcs_`, an API
//! key ([`super::api_key`]). Both give an account and a role; a key also limits its holder to
//! safe methods when it is read-only. Handlers that must see a person (password, second
//! factor, key management) take a [`SessionUser`] instead, which refuses keys.

use std::future::Future;
use std::pin::Pin;

use actix_web::{http::header, http::Method, web, FromRequest, HttpRequest};
use rcs_shared::{ApiKeyRole, Role};

use super::api_key;
use crate::db::{self, sessions};
use crate::error::Error;
use crate::routes::auth::client_address;
use crate::state::AppState;

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A user's session: the session id of the presented token (to end it on logout).
    Session {
        user_id: i64,
        email: String,
        session_id: String,
    },
    /// An API key, named in the audit trail as `key:<name>`.
    ApiKey { key_id: i64, name: String },
}

/// The caller of an authenticated route. Every data query is scoped by `account_id`.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub account_id: i64,
    pub role: Role,
    pub credential: Credential,
}

/// The caller of a route that needs a person, not a script: an API key is refused (403
/// `session_required`), so a leaked key cannot change a password, a second factor or keys.
#[derive(Debug, Clone)]
pub struct SessionUser(pub AuthUser);

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, Error>>>>;

/// Any authenticated caller: staff (session or key) or an operator. Only routes every caller
/// may use take it (logout); the others take one of the narrower extractors below.
#[derive(Debug, Clone)]
pub struct Caller(pub AuthUser);

/// The platform operator, from a session (keys belong to accounts, so none is an operator's).
/// Handlers of `/api/v1/admin/...` take one; anyone else gets 403 `operator_only`.
#[derive(Debug, Clone)]
pub struct OperatorUser {
    pub user_id: i64,
    pub email: String,
    pub session_id: String,
}

impl FromRequest for Caller {
    type Error = Error;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        let safe = matches!(*req.method(), Method::GET | Method::HEAD);
        let client = state
            .as_ref()
            .map(|s| client_address(req, s.settings.trust_forwarded_for));
        Box::pin(async move {
            let state = state.ok_or_else(|| anyhow::anyhow!("application state missing"))?;
            let token = token.ok_or_else(|| {
                Error::Unauthorized("unauthorized", "Log in to use this service.".into())
            })?;
            if api_key::is_api_key(&token) {
                let client = client.unwrap_or_default();
                return from_api_key(&state, &token, &client, safe)
                    .await
                    .map(Caller);
            }
            from_session(&state, &token).await.map(Caller)
        })
    }
}

impl FromRequest for AuthUser {
    type Error = Error;
    type Future = Extracted<Self>;

    /// Staff of an account. An operator is refused (403 `operator_not_staff`): operators
    /// work on accounts from the console, never inside one account's data.
    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            let Caller(user) = caller.await?;
            if user.role == Role::Operator {
                return Err(Error::forbidden(
                    "operator_not_staff",
                    "Operators work in the console (/api/v1/admin), not in an account.",
                ));
            }
            Ok(user)
        })
    }
}

impl FromRequest for SessionUser {
    type Error = Error;
    type Future = Extracted<Self>;

    /// A person's session: staff or operator (their own profile, password, second factor).
    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            let Caller(user) = caller.await?;
            match user.credential {
                Credential::Session { .. } => Ok(SessionUser(user)),
                Credential::ApiKey { .. } => Err(Error::forbidden(
                    "session_required",
                    "This needs a user's session: an API key cannot do it.",
                )),
            }
        })
    }
}

impl FromRequest for OperatorUser {
    type Error = Error;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            let Caller(user) = caller.await?;
            match user.credential {
                Credential::Session {
                    user_id,
                    email,
                    session_id,
                } if user.role == Role::Operator => Ok(OperatorUser {
                    user_id,
                    email,
                    session_id,
                }),
                _ => Err(Error::forbidden(
                    "operator_only",
                    "Only the platform's operators may do this.",
                )),
            }
        })
    }
}

async fn from_session(state: &AppState, token: &str) -> Result<AuthUser, Error> {
    let claims = state
        .tokens
        .verify(token)
        .ok_or_else(Error::invalid_token)?;
    let user = sessions::find_user(&state.db, &claims.jti, db::now())
        .await?
        .filter(|u| u.user_id.to_string() == claims.sub)
        .ok_or_else(Error::invalid_token)?;
    if user.suspended != 0 {
        return Err(Error::account_suspended());
    }
    Ok(AuthUser {
        account_id: user.account_id,
        role: Role::parse(&user.role).unwrap_or(Role::User),
        credential: Credential::Session {
            user_id: user.user_id,
            email: user.email,
            session_id: claims.jti,
        },
    })
}

async fn from_api_key(
    state: &AppState,
    secret: &str,
    client: &str,
    safe: bool,
) -> Result<AuthUser, Error> {
    let key = api_key::authenticate(&state.db, &state.settings, secret, client, db::now()).await?;
    let role = ApiKeyRole::parse(&key.role).unwrap_or(ApiKeyRole::ReadOnly);
    if role == ApiKeyRole::ReadOnly && !safe {
        return Err(Error::forbidden(
            "read_only_key",
            "This API key is read-only: it may only read (GET).",
        ));
    }
    Ok(AuthUser {
        account_id: key.account_id,
        role: match role {
            ApiKeyRole::SuperUser => Role::SuperUser,
            ApiKeyRole::User | ApiKeyRole::ReadOnly => Role::User,
        },
        credential: Credential::ApiKey {
            key_id: key.id,
            name: key.name,
        },
    })
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| token.trim().to_string())
}
