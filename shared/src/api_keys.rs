//! API keys: credentials for scripts, per account, created and revoked by Super Users.

use serde::{Deserialize, Serialize};

/// What a key may do. A key acts with the permissions of a user of that role; `read_only`
/// may only read (GET and HEAD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!("read_only")))]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyRole {
    ReadOnly,
    User,
    SuperUser,
}

impl ApiKeyRole {
    /// The stored and serialized spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKeyRole::ReadOnly => "read_only",
            ApiKeyRole::User => "user",
            ApiKeyRole::SuperUser => "super_user",
        }
    }

    /// Parses the stored spelling; anything else is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read_only" => Some(ApiKeyRole::ReadOnly),
            "user" => Some(ApiKeyRole::User),
            "super_user" => Some(ApiKeyRole::SuperUser),
            _ => None,
        }
    }

    /// The wording of the web app.
    pub fn label(self) -> &'static str {
        match self {
            ApiKeyRole::ReadOnly => "Read-only",
            ApiKeyRole::User => "User",
            ApiKeyRole::SuperUser => "Super User",
        }
    }
}

/// An API key as listed by GET /api/v1/api-keys: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "id": 3, "name": "inventory-sync", "role": "read_only", "prefix": "rcs_Xq3v",
        "created_by": "admin@example.com", "created_at": "2026-11-02T10:20:00Z",
        "expires_at": null, "last_used_at": "2026-11-20T13:45:12Z",
        "last_used_addr": "203.0.113.7", "revoked_at": null
    }))
)]
pub struct ApiKey {
    pub id: i64,
    /// 1 to 64 characters, unique among the account's live keys.
    pub name: String,
    pub role: ApiKeyRole,
    /// The public start of the secret, to recognise a key (in a script, in a scanner's report).
    pub prefix: String,
    /// The name of the user who created the key, as it was then.
    pub created_by: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; `null` for a key that does not expire.
    pub expires_at: Option<String>,
    /// RFC 3339, to within a minute; `null` if never used.
    pub last_used_at: Option<String>,
    /// The address the key was last used from.
    pub last_used_addr: Option<String>,
    /// RFC 3339; `null` while the key works.
    pub revoked_at: Option<String>,
}

/// Request body for POST /api/v1/api-keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"name": "inventory-sync", "role": "read_only", "expires_at": "2027-06-30T00:00:00Z"}))
)]
pub struct NewApiKey {
    pub name: String,
    pub role: ApiKeyRole,
    /// RFC 3339, in the future; absent or `null` for a key that does not expire.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// Response body for POST /api/v1/api-keys: the key and its secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "key": {
            "id": 3, "name": "inventory-sync", "role": "read_only", "prefix": "rcs_Xq3v",
            "created_by": "admin@example.com", "created_at": "2026-11-02T10:20:00Z",
            "expires_at": null, "last_used_at": null, "last_used_addr": null, "revoked_at": null
        },
        "secret": "rcs_Xq3vN2kq0d8f1hB7yWcUe4LrZpTgAs9mJiKoE5lQ6x"
    }))
)]
pub struct ApiKeyCreated {
    pub key: ApiKey,
    /// Send as `Authorization: Bearer <secret>`. Only its hash is stored: it cannot be shown
    /// again.
    pub secret: String,
}
