//! The firmware catalog: vendor releases the operator imported, one image per phone model.

use serde::{Deserialize, Serialize};

/// A firmware release, as listed by GET /api/v1/firmware (newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FirmwareRelease {
    /// Numbers and dots, such as `4.2.0.181`; what a phone's `firmware` names.
    pub version: String,
    /// The vendor's release date, `YYYY-MM-DD`.
    pub released: String,
    pub notes: String,
    /// One image per phone model, by model.
    pub images: Vec<FirmwareImage>,
    /// When the operator imported it, RFC 3339.
    pub imported_at: String,
}

/// The image of one phone model in a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FirmwareImage {
    /// Phone model, such as `6757i`.
    pub model: String,
    /// The vendor's file name, such as `6757i.st`.
    pub file: String,
    /// Bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of the image.
    pub sha256: String,
}
