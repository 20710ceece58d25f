//! The operator console's contract: `/api/v1/admin/...`, for the platform's operators only.
//!
//! An operator works above the accounts: creates, suspends and removes service providers,
//! keeps the firmware catalog and the device trust, places phones nobody registered, and
//! reads the platform's figures and the operator audit trail.

use serde::{Deserialize, Serialize};

/// A service provider's account as the operator sees it (GET /api/v1/admin/accounts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"id": 7, "name": "Acme Telecom", "created_at": "2026-03-01T10:00:00Z", "suspended_at": null,
        "phone_quota": 5000, "phones": 1234, "users": 4, "last_contact": "2026-12-01T08:59:12Z"}))
)]
pub struct AdminAccount {
    pub id: i64,
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
    /// When it was suspended (RFC 3339); `null` while active.
    pub suspended_at: Option<String>,
    /// The most phones it may hold; `null` for no limit.
    pub phone_quota: Option<i64>,
    pub phones: i64,
    pub users: i64,
    /// The last contact of any of its phones (RFC 3339); `null` if none ever called.
    pub last_contact: Option<String>,
}

/// POST /api/v1/admin/accounts: a new account and its first Super User, who is sent an
/// invitation mail with a set-password link (no password is ever shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"name": "Acme Telecom", "super_user_email": "admin@acme.example", "phone_quota": 5000}))
)]
pub struct NewAdminAccount {
    /// 1 to 100 characters, unique.
    pub name: String,
    /// Email (username) of the first Super User.
    pub super_user_email: String,
    /// The most phones it may hold; absent or `null` for no limit.
    #[serde(default)]
    pub phone_quota: Option<i64>,
}

/// PATCH /api/v1/admin/accounts/{id}: rename. Absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"name": "Acme Telecom Europe"}))
)]
pub struct AdminAccountPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// PUT /api/v1/admin/accounts/{id}/quota: the phone quota; `null` removes the limit. A quota
/// below the phones the account already holds is accepted (nothing is removed) and stops
/// further additions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"phone_quota": 10000}))
)]
pub struct PhoneQuota {
    pub phone_quota: Option<i64>,
}

/// POST /api/v1/admin/accounts/{id}/suspend.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"reason": "unpaid invoice"}))
)]
pub struct Suspension {
    /// Why, for the audit trails (up to 500 characters).
    #[serde(default)]
    pub reason: String,
}

/// A firmware release with what depends on it (GET /api/v1/admin/firmware).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"vendor": "aastra", "version": "4.2.0.181", "released": "2019-06-12",
        "notes": "Sample release", "imported_at": "2026-11-02T09:00:00Z",
        "images": [{"model": "6757i", "file": "6757i.st", "size": 480,
            "sha256": "3fc5fd09cc8ae6c0cd99365c3e514c5ef4ee1b9242d26c79213fc0ace36d5d3c"}],
        "pinned_phones": 120, "reporting_phones": 118}))
)]
pub struct AdminFirmwareRelease {
    #[serde(flatten)]
    pub release: crate::FirmwareRelease,
    /// Phones of every account pinned to it.
    pub pinned_phones: i64,
    /// Phones whose last contact reported it.
    pub reporting_phones: i64,
}

/// A trusted device CA (GET /api/v1/admin/device-cas).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"id": 3, "subject": "CN=Vendor Phone CA",
        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "not_after": "2036-01-01T00:00:00Z", "added_at": "2026-11-02T09:00:00Z"}))
)]
pub struct DeviceCa {
    pub id: i64,
    pub subject: String,
    /// Lower-case hex SHA-256 of the certificate (DER).
    pub sha256: String,
    /// RFC 3339.
    pub not_after: String,
    pub added_at: String,
}

/// The answer to adding CAs: the ones added and how many were trusted already.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"added": [{"id": 3, "subject": "CN=Vendor Phone CA",
        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "not_after": "2036-01-01T00:00:00Z", "added_at": "2026-11-02T09:00:00Z"}], "already_trusted": 0}))
)]
pub struct DeviceCasAdded {
    pub added: Vec<DeviceCa>,
    pub already_trusted: i64,
}

/// A revocation list in use (GET /api/v1/admin/device-crls).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"id": 2, "issuer": "CN=Vendor Phone CA",
        "sha256": "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752",
        "this_update": "2026-12-01T00:00:00Z", "next_update": "2026-12-08T00:00:00Z",
        "revoked": 12, "added_at": "2026-12-01T06:00:00Z"}))
)]
pub struct DeviceCrl {
    pub id: i64,
    pub issuer: String,
    /// Lower-case hex SHA-256 of the list (DER).
    pub sha256: String,
    /// RFC 3339.
    pub this_update: String,
    pub next_update: Option<String>,
    /// How many certificates it revokes.
    pub revoked: i64,
    pub added_at: String,
}

/// A MAC that contacted rcs but no account registered (GET /api/v1/admin/unknown-phones).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"mac": "00085D1A2B77", "first_contact": "2026-12-01T08:00:00Z",
        "last_contact": "2026-12-01T09:00:00Z", "contacts": 3, "issuer": "CN=Vendor Phone CA",
        "model": "6757i"}))
)]
pub struct UnknownPhone {
    /// Twelve upper-case hex digits, as in the phone list.
    pub mac: String,
    /// RFC 3339.
    pub first_contact: String,
    pub last_contact: String,
    pub contacts: i64,
    /// The issuer of the certificate it presented, if any.
    pub issuer: Option<String>,
    pub model: Option<String>,
}

/// A page of unknown phones, most recent contact first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"items": [{"mac": "00085D1A2B77", "first_contact": "2026-12-01T08:00:00Z",
        "last_contact": "2026-12-01T09:00:00Z", "contacts": 3, "issuer": "CN=Vendor Phone CA",
        "model": "6757i"}], "total": 1, "next_cursor": null}))
)]
pub struct UnknownPhonePage {
    pub items: Vec<UnknownPhone>,
    pub total: i64,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// POST /api/v1/admin/unknown-phones/assign: register these MACs in an account, all or
/// nothing (quota included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"account_id": 7, "macs": ["00085D1A2B77"]}))
)]
pub struct AssignUnknownPhones {
    pub account_id: i64,
    pub macs: Vec<String>,
}

/// The answer to an assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"assigned": 1}))
)]
pub struct AssignedPhones {
    pub assigned: i64,
}

/// The platform's figures (GET /api/v1/admin/summary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"accounts": 12, "suspended_accounts": 1, "phones": 48210, "unknown_phones": 3,
        "firmware_releases": 6,
        "boots_per_day": [{"date": "2026-12-01", "contacts": 5120, "refused": 4}],
        "refusals": [{"reason": "certificate_required", "count": 3}, {"reason": "account_suspended", "count": 1}]}))
)]
pub struct PlatformSummary {
    pub accounts: i64,
    pub suspended_accounts: i64,
    pub phones: i64,
    pub unknown_phones: i64,
    pub firmware_releases: i64,
    /// The last 30 days, oldest first, across every account.
    pub boots_per_day: Vec<crate::DailyContacts>,
    /// Refused contacts of the last 30 days by reason (the boot event's outcome or code).
    pub refusals: Vec<RefusalCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"reason": "certificate_required", "count": 3}))
)]
pub struct RefusalCount {
    pub reason: String,
    pub count: i64,
}

/// One operator action (GET /api/v1/admin/audit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "id": 41, "actor": "ops@platform.example", "action": "account.suspend",
        "account_id": 7, "account_name": "Acme Telecom", "target": "Acme Telecom",
        "detail": "unpaid invoice", "created_at": "2026-12-01T09:12:03Z"
    }))
)]
pub struct OperatorAuditEntry {
    pub id: i64,
    /// The operator's email, or `rcs operator (CLI)`.
    pub actor: String,
    /// `<resource>.<verb>`, such as `account.suspend` or `firmware.upload`.
    pub action: String,
    pub account_id: Option<i64>,
    /// The account's name at the time (kept when it is deleted); empty when none.
    pub account_name: String,
    pub target: String,
    pub detail: String,
    /// RFC 3339.
    pub created_at: String,
}

/// A page of the operator trail, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "items": [{
            "id": 41, "actor": "ops@platform.example", "action": "account.suspend",
            "account_id": 7, "account_name": "Acme Telecom", "target": "Acme Telecom",
            "detail": "unpaid invoice", "created_at": "2026-12-01T09:12:03Z"
        }],
        "next_before": null
    }))
)]
pub struct OperatorAuditPage {
    pub items: Vec<OperatorAuditEntry>,
    /// Pass as `before` for older entries; `null` on the last page.
    pub next_before: Option<i64>,
}
