//! Configuration servers: where a phone is redirected to fetch its configuration.

use serde::{Deserialize, Serialize};

/// A configuration server, as returned by GET/POST/PATCH /api/v1/servers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "id": 1, "name": "Main PBX", "url": "https://pbx.example.net:8443/cfg/", "phone_count": 1100,
        "created_at": "2026-11-02T10:20:00Z", "updated_at": "2026-11-20T13:45:12Z"
    }))
)]
pub struct Server {
    pub id: i64,
    /// 1 to 20 characters, unique within the account.
    pub name: String,
    /// Absolute `https`, `http`, `ftp` or `tftp` URL, at most 255 characters.
    pub url: String,
    /// How many of the account's phones are assigned to this server.
    pub phone_count: i64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

/// Request body for POST /api/v1/servers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"name": "Main PBX", "url": "https://pbx.example.com/provisioning"}))
)]
pub struct NewServer {
    pub name: String,
    pub url: String,
}

/// Request body for PATCH /api/v1/servers/{id}: absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"url": "https://pbx.example.net:8443/cfg/"}))
)]
pub struct ServerPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}
