//! `/api/v1/users` (Super User) and `/api/v1/me` (the signed-in user's own settings).

use gloo_net::http::Method;
use rcs_shared::{NewUser, PasswordChange, ProfilePatch, User, UserPatch};

use super::api::{request, request_empty, Error, NO_BODY};

/// GET /api/v1/users.
pub async fn list(token: String) -> Result<Vec<User>, Error> {
    request(Method::GET, "/api/v1/users", Some(&token), NO_BODY).await
}

/// POST /api/v1/users.
pub async fn create(token: &str, body: &NewUser) -> Result<User, Error> {
    request(Method::POST, "/api/v1/users", Some(token), Some(body)).await
}

/// PATCH /api/v1/users/{id}.
pub async fn update(token: &str, id: i64, body: &UserPatch) -> Result<User, Error> {
    let path = format!("/api/v1/users/{id}");
    request(Method::PATCH, &path, Some(token), Some(body)).await
}

/// DELETE /api/v1/users/{id}.
pub async fn delete(token: &str, id: i64) -> Result<(), Error> {
    let path = format!("/api/v1/users/{id}");
    request_empty(Method::DELETE, &path, token, NO_BODY).await
}

/// POST /api/v1/users/{id}/invitation: a new invitation mail with a set-password link.
pub async fn invite(token: &str, id: i64) -> Result<(), Error> {
    let path = format!("/api/v1/users/{id}/invitation");
    request_empty(Method::POST, &path, token, NO_BODY).await
}

/// PATCH /api/v1/me: name, address and phone numbers.
pub async fn update_profile(token: &str, body: &ProfilePatch) -> Result<User, Error> {
    request(Method::PATCH, "/api/v1/me", Some(token), Some(body)).await
}

/// PUT /api/v1/me/password.
pub async fn change_password(token: &str, body: &PasswordChange) -> Result<(), Error> {
    request_empty(Method::PUT, "/api/v1/me/password", token, Some(body)).await
}
