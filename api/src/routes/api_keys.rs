//! `/api/v1/api-keys`: the account's API keys for scripts.
//!
//! Super Users only, and only from a session ([`SessionUser`]): a key cannot list, mint or
//! revoke keys. Ids of other accounts' keys answer 404, as if they did not exist.

use actix_web::{delete, get, post, web, HttpResponse};
use rcs_shared::{ApiError, ApiKey, ApiKeyCreated, NewApiKey};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::SessionUser;
use crate::error::Result;
use crate::services::{api_keys, Actor};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_api_keys)
        .service(create_api_key)
        .service(revoke_api_key);
}

/// The account's API keys, live ones first. Secrets are never listed: only their prefix.
#[utoipa::path(tag = "api-keys", security(("bearer" = [])), responses(
    (status = 200, description = "The account's keys", body = Vec<ApiKey>),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "Not a Super User (`forbidden`), or an API key was used (`session_required`)", body = ApiError),
))]
#[get("/api-keys")]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    SessionUser(user): SessionUser,
) -> Result<web::Json<Vec<ApiKey>>> {
    Ok(web::Json(
        api_keys::list(&state.db, &Actor::from(&user)).await?,
    ))
}

/// Create an API key. The answer carries its secret: the only time it is shown, as only its
/// hash is stored. A key never has more than its creator.
#[utoipa::path(tag = "api-keys", security(("bearer" = [])), request_body = NewApiKey, responses(
    (status = 201, description = "Created; `secret` is shown this once", body = ApiKeyCreated),
    (status = 400, description = "Malformed request body (an unknown role among them)", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "Not a Super User (`forbidden`), or an API key was used (`session_required`)", body = ApiError),
    (status = 409, description = "A live key of the account has that name (`api_key_name_taken`)", body = ApiError),
    (status = 422, description = "Invalid name (`invalid_key_name`) or expiry (`invalid_expiry`: not RFC 3339, or not in the future)", body = ApiError),
))]
#[post("/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    SessionUser(user): SessionUser,
    body: web::Json<NewApiKey>,
) -> Result<HttpResponse> {
    let created = api_keys::create(&state.db, &Actor::from(&user), &body).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(created))
}

/// Revoke an API key: refused from the next request on, on every node. Revoking a revoked key
/// again changes nothing.
#[utoipa::path(tag = "api-keys", security(("bearer" = [])),
    params(("id" = i64, Path, description = "API key id")),
    responses(
        (status = 204, description = "Revoked (or already revoked)"),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "Not a Super User (`forbidden`), or an API key was used (`session_required`)", body = ApiError),
        (status = 404, description = "No such key in the account (`api_key_not_found`)", body = ApiError),
))]
#[delete("/api-keys/{id}")]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    SessionUser(user): SessionUser,
    id: web::Path<i64>,
) -> Result<HttpResponse> {
    api_keys::revoke(&state.db, &Actor::from(&user), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
