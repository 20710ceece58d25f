//! Contract for `/api/v1/phones`: registration by MAC, properties, bulk edits, CSV import.
//!
//! MACs are accepted in any usual spelling and always answered canonical (12 upper-case hex
//! digits), so clients can compare what they get back byte for byte.

use serde::{Deserialize, Serialize};

use crate::phones_bulk::{PhoneFilter, PhoneProblem};

/// A phone of the caller's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "mac": "00085D1A2B3C", "server_id": 1, "server_name": "Main PBX",
        "branding_id": 1, "branding_name": "Acme", "firmware": "4.2.0.181",
        "model": "6757i", "reported_firmware": "4.2.0.181", "vendor": "aastra",
        "last_seen_at": "2026-11-21T09:32:10Z", "last_seen_addr": "198.51.100.7",
        "state": "branding_sent",
        "created_at": "2026-11-20T14:05:00Z", "updated_at": "2026-11-20T14:05:00Z"
    }))
)]
pub struct Phone {
    /// Canonical MAC: 12 upper-case hex digits.
    pub mac: String,
    /// The configuration server the phone is redirected to; `null` = unaffiliated.
    pub server_id: Option<i64>,
    pub server_name: Option<String>,
    pub branding_id: Option<i64>,
    pub branding_name: Option<String>,
    /// The firmware release the phone should run; `null` = leave it alone.
    pub firmware: Option<String>,
    /// Boot facts, written by the device route only (read-only here).
    pub model: Option<String>,
    pub reported_firmware: Option<String>,
    /// The vendor the phone was detected as at its last native boot (its User-Agent, the
    /// files it fetched, or its MAC's maker prefix): `aastra`, `yealink`, `snom`, `polycom`,
    /// `grandstream`.
    #[serde(default)]
    pub vendor: Option<String>,
    /// RFC 3339, `null` while the phone has never contacted rcs.
    pub last_seen_at: Option<String>,
    pub last_seen_addr: Option<String>,
    pub state: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339: the last write of the phone's properties. Registering or importing it again
    /// with the server, branding and firmware it has is not a write.
    pub updated_at: String,
}

/// Body of POST /api/v1/phones: register (or re-register) one or many MACs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"macs": ["00:08:5D:1A:2B:3C"], "server_id": 1, "firmware": "4.2.0.181"}))
)]
pub struct AddPhones {
    /// 1 to 10,000 MACs in any usual spelling. Invalid MACs, MACs of another account and
    /// MACs listed twice are refused all at once (422 `invalid_phones`, every entry with its
    /// index), unless `skip_invalid` is set.
    pub macs: Vec<String>,
    /// Redirect the phones to this server at once; absent or `null` = unaffiliated.
    #[serde(default)]
    pub server_id: Option<i64>,
    #[serde(default)]
    pub branding_id: Option<i64>,
    /// A firmware release such as `4.2.0.181`, or `null`.
    #[serde(default)]
    pub firmware: Option<String>,
    /// `true`: register the valid entries and answer the others in `skipped`, instead of
    /// refusing the whole list. Default `false`: all or nothing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip_invalid: bool,
}

/// How many phones a registration or import created and how many it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"added": 1, "updated": 0, "skipped": []}))
)]
pub struct AddPhonesResult {
    pub added: u64,
    pub updated: u64,
    /// With `skip_invalid`: the entries that were not registered, and why. Always empty
    /// otherwise (a list with problems is refused whole).
    #[serde(default)]
    pub skipped: Vec<PhoneProblem>,
}

/// Answer of POST /api/v1/phones/import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "added": 2, "updated": 0, "dry_run": false, "separator": "semicolon",
        "skipped": [{"line": 4, "text": "00085D1A2B;Main PBX", "message": "\"00085D1A2B\" is not a valid MAC address. Reenter a valid MAC address (12 hex digits such as 00:08:5D:1A:2B:3C)."}],
        "skipped_total": 1,
        "repeated": [{"line": 2, "message": "00:08:5D:1A:2B:3C is repeated on line 5, which is used."}],
        "repeated_total": 1
    }))
)]
pub struct ImportResult {
    /// Phones created (or that would be, with `dry_run`).
    pub added: u64,
    /// Phones of the account whose properties were (or would be) replaced.
    pub updated: u64,
    /// True when nothing was written.
    pub dry_run: bool,
    /// The separator the file was read with: the one given, else the one detected.
    #[serde(default)]
    pub separator: CsvSeparator,
    /// With `skip_invalid`: the bad lines that were left out (the first 10,000), each with its
    /// text and its problem, so they can be fixed and imported again.
    #[serde(default)]
    pub skipped: Vec<SkippedLine>,
    /// Bad lines left out in all (0 without `skip_invalid`: a bad line rejects the file).
    #[serde(default)]
    pub skipped_total: u64,
    /// Lines whose MAC a later line of the file repeats: the later line is used (the first
    /// 100 are listed).
    #[serde(default)]
    pub repeated: Vec<LineProblem>,
    /// Such lines in all.
    #[serde(default)]
    pub repeated_total: u64,
}

/// A bad line left out of an import with `skip_invalid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"line": 4, "text": "00:08:5D:1A:2B:3D;Backup PBX", "message": "There is no server named \"Backup PBX\" in your account."}))
)]
pub struct SkippedLine {
    /// 1-based line number in the file.
    pub line: u64,
    /// The line as it was in the file (at most 1,000 characters).
    pub text: String,
    pub message: String,
}

/// The separator of a CSV file's cells.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!("semicolon")))]
#[serde(rename_all = "snake_case")]
pub enum CsvSeparator {
    /// `,`
    #[default]
    Comma,
    /// `;`: the default of spreadsheets in locales whose decimal mark is a comma.
    Semicolon,
    /// A tab.
    Tab,
}

impl CsvSeparator {
    /// The character between cells.
    pub fn char(self) -> char {
        match self {
            CsvSeparator::Comma => ',',
            CsvSeparator::Semicolon => ';',
            CsvSeparator::Tab => '\t',
        }
    }

    /// The wording of the web app.
    pub fn label(self) -> &'static str {
        match self {
            CsvSeparator::Comma => "comma",
            CsvSeparator::Semicolon => "semicolon",
            CsvSeparator::Tab => "tab",
        }
    }
}

/// One page of GET /api/v1/phones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "items": [
            {
                "mac": "00085D1A2B3C", "server_id": 1, "server_name": "Main PBX",
                "branding_id": 1, "branding_name": "Acme", "firmware": "4.2.0.181",
                "model": "6757i", "reported_firmware": "4.2.0.181",
                "last_seen_at": "2026-11-21T09:32:10Z", "last_seen_addr": "198.51.100.7",
                "state": "branding_sent",
                "created_at": "2026-11-20T14:05:00Z", "updated_at": "2026-11-20T14:05:00Z"
            },
            {
                "mac": "00085D1A2B3D", "server_id": 1, "server_name": "Main PBX",
                "branding_id": null, "branding_name": null, "firmware": "4.2.0.181",
                "model": null, "reported_firmware": null,
                "last_seen_at": null, "last_seen_addr": null, "state": null,
                "created_at": "2026-11-30T08:20:41Z", "updated_at": "2026-11-30T08:20:41Z"
            }
        ],
        "next_cursor": "6d7c617c303030383544314132423344",
        "prev_cursor": null,
        "total": 2,
        "total_exact": true
    }))
)]
pub struct PhonePage {
    pub items: Vec<Phone>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// Pass as `before` to get the previous page; `null` on the first page.
    #[serde(default)]
    pub prev_cursor: Option<String>,
    /// How many phones match the filter, on all pages together; with `total_exact` false,
    /// more than this many (the count stopped at 1,000, `TOTAL_COUNT_LIMIT`; ask again with
    /// `exact_total=true` for the number).
    #[serde(default)]
    pub total: u64,
    /// `false` when more than `total` phones match.
    #[serde(default = "exact")]
    pub total_exact: bool,
}

/// Where the list's count stops unless `exact_total=true` is asked: counting every phone of
/// a million-phone account on every page is what made a page take 100 ms; counting to
/// 1,001 is bounded whatever the account's size. At 10,000 the count was still most of a
/// page's time on PostgreSQL (3 to 8 ms of 4 to 10, measured at a million phones), and a
/// client that wants the number asks for it once per view (the web UI does).
pub const TOTAL_COUNT_LIMIT: u64 = 1_000;

fn exact() -> bool {
    true
}

/// Sort key of the phone list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!("last_seen"))
)]
#[serde(rename_all = "snake_case")]
pub enum PhoneSort {
    #[default]
    Mac,
    /// Never-seen phones count as the oldest.
    LastSeen,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!("desc"))
)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

/// Query of GET /api/v1/phones. Filters combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PhoneQuery {
    /// `true`: only phones without a server; `false`: only phones with one.
    pub unaffiliated: Option<bool>,
    pub server_id: Option<i64>,
    pub branding_id: Option<i64>,
    /// Exact firmware release.
    pub firmware: Option<String>,
    /// Part of a MAC in any spelling (`5d:1a`, `5D1A`).
    pub q: Option<String>,
    /// `true`: phones that have contacted rcs; `false`: never seen.
    pub seen: Option<bool>,
    /// `true`: phones with a firmware release pinned (any release); `false`: none pinned.
    pub firmware_pinned: Option<bool>,
    /// `true`: phones with a branding of their own; `false`: phones without one.
    pub own_branding: Option<bool>,
    /// `mac` (default) or `last_seen`.
    pub sort: Option<PhoneSort>,
    /// `asc` (default) or `desc`.
    pub order: Option<SortOrder>,
    /// Page size, 1 to 1000 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page: the page after it. Only valid with the same sort
    /// and order.
    pub cursor: Option<String>,
    /// `prev_cursor` of the current page: the page before it (same sort and order). Not
    /// together with `cursor` or `last`.
    pub before: Option<String>,
    /// `true`: the last page (the phones at the end of the sort order), with a
    /// `prev_cursor` to walk back. Not together with `cursor` or `before`.
    pub last: Option<bool>,
    /// `true`: count every matching phone for `total`, however many (one pass over all of
    /// them: tens of milliseconds at a million phones). By default the count stops past
    /// 1,000 and `total_exact` says so.
    pub exact_total: Option<bool>,
}

impl PhoneQuery {
    /// The query's filters, as bulk edit, bulk delete and export take them.
    pub fn filter(&self) -> PhoneFilter {
        PhoneFilter {
            unaffiliated: self.unaffiliated,
            server_id: self.server_id,
            branding_id: self.branding_id,
            firmware: self.firmware.clone(),
            q: self.q.clone(),
            seen: self.seen,
            firmware_pinned: self.firmware_pinned,
            own_branding: self.own_branding,
        }
    }
}

/// Query of POST /api/v1/phones/import: properties for every row (columns of the file
/// override them per row).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ImportQuery {
    pub server_id: Option<i64>,
    pub branding_id: Option<i64>,
    /// A firmware release such as `4.2.0.181`.
    pub firmware: Option<String>,
    /// `true`: check the file and count, but write nothing.
    pub dry_run: Option<bool>,
    /// `true`: import the good lines and leave the bad ones out (listed in the answer);
    /// default `false`: a bad line rejects the whole file.
    pub skip_invalid: Option<bool>,
    /// The cells' separator; detected from the file when absent.
    pub separator: Option<CsvSeparator>,
}

/// Changes to a phone's properties. An absent field is left unchanged; an explicit `null`
/// clears it (so `{"server_id": null}` makes phones unaffiliated).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"server_id": 1, "firmware": "4.2.0.181"}))
)]
pub struct PhoneChanges {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub server_id: Option<Option<i64>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub branding_id: Option<Option<i64>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub firmware: Option<Option<String>>,
}

impl PhoneChanges {
    /// True when the request changes nothing.
    pub fn is_empty(&self) -> bool {
        self.server_id.is_none() && self.branding_id.is_none() && self.firmware.is_none()
    }
}

/// Body of PATCH /api/v1/phones: the same changes for every selected phone. The phones are
/// either listed (`macs`) or selected by the list's filter (`filter`), never both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "filter": {"unaffiliated": true},
        "expected_count": 1041,
        "set": {"server_id": 1}
    }))
)]
pub struct BulkEdit {
    /// 1 to 10,000 MACs; every one must be in the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub macs: Option<Vec<String>>,
    /// Every phone of the account matching these filters, however many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<PhoneFilter>,
    /// How many phones the caller believes it selects (the list's `total`). When the
    /// selection now has another count: 409 `selection_changed`, nothing changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_count: Option<u64>,
    pub set: PhoneChanges,
}

/// Body of POST /api/v1/phones/delete: listed phones (`macs`) or those matching the list's
/// filter (`filter`), never both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"macs": ["00085D1A2B3C", "00085D1A2B3D"]}))
)]
pub struct MacList {
    /// 1 to 10,000 MACs; every one must be in the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub macs: Option<Vec<String>>,
    /// Every phone of the account matching these filters, however many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<PhoneFilter>,
    /// As for PATCH /api/v1/phones: 409 `selection_changed` when the selection's count differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_count: Option<u64>,
}

/// How many phones a bulk operation changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"count": 2}))
)]
pub struct Changed {
    pub count: u64,
}

/// One bad line of an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "line": 3,
        "message": "\"00085D1A2B\" is not a valid MAC address. Reenter a valid MAC address (12 hex digits such as 00:08:5D:1A:2B:3C)."
    }))
)]
pub struct LineProblem {
    /// 1-based line number in the file.
    pub line: u64,
    pub message: String,
}

/// The 422 body of a CSV import: the usual `{code, message}`; with code `invalid_csv` it adds
/// every bad line (up to a cap; `message` says how many there were in all). Other codes
/// (`unknown_server`, `invalid_firmware`, ...) concern the query and carry no `problems`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "code": "invalid_csv",
        "message": "The file has 2 invalid line(s); nothing was imported.",
        "problems": [
            {"line": 3, "message": "\"00085D1A2B\" is not a valid MAC address. Reenter a valid MAC address (12 hex digits such as 00:08:5D:1A:2B:3C)."},
            {"line": 5, "message": "There is no server named \"Backup PBX\" in your account."}
        ]
    }))
)]
pub struct InvalidCsv {
    /// `invalid_csv` for bad lines, otherwise the code of the query problem.
    pub code: String,
    pub message: String,
    /// Every bad line (code `invalid_csv` only).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub problems: Vec<LineProblem>,
}

/// `Option<Option<T>>` for PATCH bodies: absent field = `None`, `null` = `Some(None)`,
/// a value = `Some(Some(v))`. Use with `#[serde(default, with = "double_option")]`.
pub mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Only called when the field is present, so any value (even `null`) is `Some`.
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}
