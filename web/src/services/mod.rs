//! Talking to the outside world (the rcs API), kept apart from the components that show
//! the results. `api` is the one request path; the other modules are one thin function per
//! endpoint, grouped by resource.

pub mod api;
pub mod api_keys;
pub mod audit;
pub mod brandings;
pub mod console;
pub mod download;
pub mod phones;
pub mod second_factor;
pub mod servers;
pub mod upload;
pub mod users;
pub mod webhooks;

use gloo_net::http::Method;
use rcs_shared::{FirmwareRelease, Summary};

use api::{request, Error, NO_BODY};

/// GET /api/v1/summary: the account's statistics.
pub async fn summary(token: String) -> Result<Summary, Error> {
    request(Method::GET, "/api/v1/summary", Some(&token), NO_BODY).await
}

/// GET /api/v1/firmware: the catalog, newest release first.
pub async fn firmware(token: String) -> Result<Vec<FirmwareRelease>, Error> {
    request(Method::GET, "/api/v1/firmware", Some(&token), NO_BODY).await
}
