//! Brandings: named sets of files (logo, screen image, brand settings) for a phone and its
//! web UI, per account.

use serde::{Deserialize, Serialize};

/// One file of a branding. The bytes are at GET /api/v1/brandings/{id}/files/{name}.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "name": "logo.png", "size": 5120, "content_type": "image/png",
        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    }))
)]
pub struct BrandingFile {
    /// A single path segment, 1 to 100 characters, unique within the branding.
    pub name: String,
    /// Bytes.
    pub size: i64,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
    /// What the file is served as.
    pub content_type: String,
}

/// A branding, as returned by GET/POST/PATCH /api/v1/brandings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "id": 1, "name": "Acme", "is_default": true,
        "files": [
            {
                "name": "logo.png", "size": 5120, "content_type": "image/png",
                "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
            }
        ],
        "phone_count": 1150,
        "created_at": "2026-11-02T10:31:00Z", "updated_at": "2026-11-02T10:34:18Z"
    }))
)]
pub struct Branding {
    pub id: i64,
    /// 1 to 40 characters, unique within the account.
    pub name: String,
    /// The account's default: phones without a branding of their own receive it.
    pub is_default: bool,
    /// By name.
    pub files: Vec<BrandingFile>,
    /// How many of the account's phones are assigned this branding.
    pub phone_count: i64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

/// Request body for POST /api/v1/brandings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"name": "Acme blue", "is_default": true}))
)]
pub struct NewBranding {
    pub name: String,
    /// `true`: this becomes the account's default (the previous one stops being it).
    #[serde(default)]
    pub is_default: bool,
}

/// Request body for PATCH /api/v1/brandings/{id}: absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"name": "Acme classic"}))
)]
pub struct BrandingPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `true` makes this the default (clearing the previous one); `false` leaves the account
    /// without a default if this was it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
}
