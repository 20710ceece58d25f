//! `/api/v1/api-keys` (Super User, from a session): the account's keys for scripts.

use gloo_net::http::Method;
use rcs_shared::{ApiKey, ApiKeyCreated, NewApiKey};

use super::api::{request, request_empty, Error, NO_BODY};

/// GET /api/v1/api-keys.
pub async fn list(token: String) -> Result<Vec<ApiKey>, Error> {
    request(Method::GET, "/api/v1/api-keys", Some(&token), NO_BODY).await
}

/// POST /api/v1/api-keys: the answer carries the secret, this once.
pub async fn create(token: &str, body: &NewApiKey) -> Result<ApiKeyCreated, Error> {
    request(Method::POST, "/api/v1/api-keys", Some(token), Some(body)).await
}

/// DELETE /api/v1/api-keys/{id}.
pub async fn revoke(token: &str, id: i64) -> Result<(), Error> {
    let path = format!("/api/v1/api-keys/{id}");
    request_empty(Method::DELETE, &path, token, NO_BODY).await
}
