//! Contract for working on phones at a provider's scale: a selection made by the list's
//! filter instead of a MAC list, the export's query, and the per-entry problems of a batch
//! registration.
//!
//! A filtered selection can reach every phone of an account (100,000 and more) in one
//! request, so it carries the number of phones the user saw (`expected_count`): when the
//! matching set has changed since, the server refuses instead of acting on phones nobody saw.

use serde::{Deserialize, Serialize};

use crate::phones::{PhoneSort, SortOrder};

/// The phone list's filters (GET /api/v1/phones), as a selection for bulk edit, bulk delete
/// and export. Filters combine with AND; an empty filter selects every phone of the account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"unaffiliated": true, "q": "00:08:5d"}))
)]
pub struct PhoneFilter {
    /// `true`: only phones without a server; `false`: only phones with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unaffiliated: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branding_id: Option<i64>,
    /// Exact firmware release (the pin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware: Option<String>,
    /// Part of a MAC in any spelling (`5d:1a`, `5D1A`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// `true`: phones that have contacted rcs; `false`: never seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<bool>,
    /// `true`: phones with a firmware release pinned (any release); `false`: none pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_pinned: Option<bool>,
    /// `true`: phones with a branding of their own; `false`: phones without one (they get
    /// the account's default branding, if it has one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_branding: Option<bool>,
}

/// Query of GET /api/v1/phones/export, besides the [`PhoneFilter`] parameters: the order of
/// the rows and which columns to write.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ExportQuery {
    /// `mac` (default) or `last_seen`.
    pub sort: Option<PhoneSort>,
    /// `asc` (default) or `desc`.
    pub order: Option<SortOrder>,
    /// `import` (default): `mac,server,branding,firmware`, the columns the import reads, so
    /// the file imports back as it is. `all`: every column of the list (those four first,
    /// then `reported_firmware,model,vendor,last_seen,last_address,state,created`); the
    /// import refuses the extra columns' header, so drop them before importing such a file.
    pub columns: Option<ExportColumns>,
}

/// Body of POST /api/v1/phones/export: the phones a user ticked (`macs`) or those matching
/// the list's filter (`filter`), never both, in the given order with the given columns, as
/// GET /api/v1/phones/export writes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"macs": ["00085D1A2B3C", "00085D1A2B3D"], "columns": "all"}))
)]
pub struct ExportSelection {
    /// 1 to 10,000 MACs; every one must be in the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub macs: Option<Vec<String>>,
    /// Every phone of the account matching these filters, however many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<PhoneFilter>,
    /// `mac` (default) or `last_seen`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<PhoneSort>,
    /// `asc` (default) or `desc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<SortOrder>,
    /// `all` (default) or `import`, as for GET /api/v1/phones/export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<ExportColumns>,
}

/// Which columns GET /api/v1/phones/export writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!("all")))]
#[serde(rename_all = "snake_case")]
pub enum ExportColumns {
    /// `mac,server,branding,firmware`: the columns the import sets.
    Import,
    /// Every column of the phone list (the default). The import reads such a file back too:
    /// it ignores the columns it cannot set (what phones report, when they were seen).
    #[default]
    All,
}

/// One entry of a POST /api/v1/phones list that cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "index": 2, "mac": "00:08:5D:1A:2B:3C", "code": "mac_owned_by_other_account",
        "message": "The MAC address 00:08:5D:1A:2B:3C is registered to another account."
    }))
)]
pub struct PhoneProblem {
    /// 0-based position of the entry in the request's `macs`.
    pub index: u64,
    /// The MAC as the phone list shows it (`00:08:5D:1A:2B:3C`), or the entry as sent when
    /// it is not a MAC.
    pub mac: String,
    /// `invalid_mac`, `duplicate_mac` (listed earlier in the same request) or
    /// `mac_owned_by_other_account` (the owner is never named).
    pub code: String,
    pub message: String,
}

/// The 422 body of POST /api/v1/phones when entries of the list cannot be registered (code
/// `invalid_phones`): every such entry, with its position. Nothing was registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "code": "invalid_phones",
        "message": "2 of the 3 listed MAC addresses cannot be added; nothing was added. Correct or remove them, or send skip_invalid: true to add the others.",
        "problems": [
            {"index": 0, "mac": "00085D1A2B", "code": "invalid_mac",
             "message": "\"00085D1A2B\" is not a valid MAC address. Reenter a valid MAC address (12 hex digits such as 00:08:5D:1A:2B:3C)."},
            {"index": 2, "mac": "00:08:5D:1A:2B:3C", "code": "duplicate_mac",
             "message": "00:08:5D:1A:2B:3C is listed twice (first at entry 1)."}
        ]
    }))
)]
pub struct InvalidPhones {
    /// `invalid_phones` for bad entries; otherwise the code of a problem with the request as a
    /// whole (`unknown_server`, `invalid_firmware`, ...), which carries no `problems`.
    pub code: String,
    pub message: String,
    /// Every entry that cannot be registered, in request order (code `invalid_phones` only).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub problems: Vec<PhoneProblem>,
}
