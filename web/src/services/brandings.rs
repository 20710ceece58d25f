//! `/api/v1/brandings`: brandings and their files.

use gloo_net::http::Method;
use rcs_shared::{Branding, BrandingPatch, NewBranding};
use wasm_bindgen::JsValue;

use super::api::{request, request_empty, request_raw, Error, NO_BODY};

/// GET /api/v1/brandings.
pub async fn list(token: String) -> Result<Vec<Branding>, Error> {
    request(Method::GET, "/api/v1/brandings", Some(&token), NO_BODY).await
}

/// POST /api/v1/brandings (Super User).
pub async fn create(token: &str, body: &NewBranding) -> Result<Branding, Error> {
    request(Method::POST, "/api/v1/brandings", Some(token), Some(body)).await
}

/// PATCH /api/v1/brandings/{id} (Super User).
pub async fn update(token: &str, id: i64, body: &BrandingPatch) -> Result<Branding, Error> {
    let path = format!("/api/v1/brandings/{id}");
    request(Method::PATCH, &path, Some(token), Some(body)).await
}

/// DELETE /api/v1/brandings/{id}; `force` deletes it even while phones use it.
pub async fn delete(token: &str, id: i64, force: bool) -> Result<(), Error> {
    let path = format!("/api/v1/brandings/{id}?force={force}");
    request_empty(Method::DELETE, &path, token, NO_BODY).await
}

/// The URL of a branding file (needs the bearer token, so it is fetched, not linked).
pub fn file_path(id: i64, name: &str) -> String {
    let name = String::from(wasm_bindgen_futures::js_sys::encode_uri_component(name));
    format!("/api/v1/brandings/{id}/files/{name}")
}

/// PUT /api/v1/brandings/{id}/files/{name}: `file` (a File or Blob) as the raw body.
pub async fn put_file(
    token: &str,
    id: i64,
    name: &str,
    file: &JsValue,
    content_type: &str,
) -> Result<Branding, Error> {
    request_raw(Method::PUT, &file_path(id, name), token, file, content_type).await
}

/// DELETE /api/v1/brandings/{id}/files/{name}.
pub async fn delete_file(token: &str, id: i64, name: &str) -> Result<Branding, Error> {
    request(Method::DELETE, &file_path(id, name), Some(token), NO_BODY).await
}
