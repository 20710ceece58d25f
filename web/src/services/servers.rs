//! `/api/v1/servers`: configuration servers.

use gloo_net::http::Method;
use rcs_shared::{NewServer, Server, ServerPatch};

use super::api::{request, request_empty, with_query, Error, NO_BODY};

/// GET /api/v1/servers.
pub async fn list(token: String) -> Result<Vec<Server>, Error> {
    request(Method::GET, "/api/v1/servers", Some(&token), NO_BODY).await
}

/// POST /api/v1/servers.
pub async fn create(token: &str, body: &NewServer) -> Result<Server, Error> {
    request(Method::POST, "/api/v1/servers", Some(token), Some(body)).await
}

/// PATCH /api/v1/servers/{id}.
pub async fn update(token: &str, id: i64, body: &ServerPatch) -> Result<Server, Error> {
    let path = format!("/api/v1/servers/{id}");
    request(Method::PATCH, &path, Some(token), Some(body)).await
}

/// What happens to the phones of a deleted server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OnPhones {
    /// Refuse (409) if any phone uses it.
    Refuse,
    /// Move them to this other server.
    ReassignTo(i64),
    /// Leave them unaffiliated.
    Unassign,
}

/// DELETE /api/v1/servers/{id}.
pub async fn delete(token: &str, id: i64, on_phones: OnPhones) -> Result<(), Error> {
    let (reassign, unassign) = match on_phones {
        OnPhones::Refuse => (None, None),
        OnPhones::ReassignTo(to) => (Some(to.to_string()), None),
        OnPhones::Unassign => (None, Some("true".to_string())),
    };
    let path = with_query(
        &format!("/api/v1/servers/{id}"),
        &[("reassign_to", reassign), ("unassign", unassign)],
    );
    request_empty(Method::DELETE, &path, token, NO_BODY).await
}
