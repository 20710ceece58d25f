//! The firmware catalog: vendor releases the operator imported, one image per phone model.
//! Every release is one vendor's; a phone may only be pinned to a release of its vendor.

use serde::{Deserialize, Serialize};

/// A firmware release, as listed by GET /api/v1/firmware (by vendor, newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "version": "4.2.0.181", "vendor": "aastra", "released": "2019-06-12",
        "notes": "TLS 1.2 and new provisioning options.",
        "images": [
            {"model": "6731i", "file": "6731i.st", "size": 360,
             "sha256": "55425933df04b4651d759e5a763a3aafb1b9fa696dc575025bc34532207b9e2f"},
            {"model": "6757i", "file": "6757i.st", "size": 480,
             "sha256": "3fc5fd09cc8ae6c0cd99365c3e514c5ef4ee1b9242d26c79213fc0ace36d5d3c"},
            {"model": "6867i", "file": "6867i.st", "size": 512,
             "sha256": "35c77486aed118ffc0064f660ac9422a696b87d7086cd6c07206107ace1a0984"}
        ],
        "imported_at": "2026-11-02T09:40:00Z"
    }))
)]
pub struct FirmwareRelease {
    /// Numbers and dots, such as `4.2.0.181`; what a phone's `firmware` names.
    pub version: String,
    /// Whose phones it is for: `aastra`, `yealink`, `snom`, `polycom` or `grandstream`.
    /// Pinning it to a phone of another vendor is refused (`firmware_vendor_mismatch`).
    pub vendor: String,
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
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "model": "6757i", "file": "6757i.st", "size": 480,
        "sha256": "3fc5fd09cc8ae6c0cd99365c3e514c5ef4ee1b9242d26c79213fc0ace36d5d3c"
    }))
)]
pub struct FirmwareImage {
    /// Phone model, such as `6757i`.
    pub model: String,
    /// The vendor's native file name, such as `6757i.st` or
    /// `T46S(T48S,T42S,T41S)-66.86.0.15.rom`; models may share one.
    pub file: String,
    /// Bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of the image.
    pub sha256: String,
}
