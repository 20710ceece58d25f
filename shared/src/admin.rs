//! The operator console's contract: `/api/v1/admin/...`, for the platform's operators only.
//!
//! An operator works above the accounts: creates, suspends and removes service providers,
//! keeps the firmware catalog and the device trust, places phones nobody registered, and
//! reads the platform's figures and the operator audit trail.

use serde::{Deserialize, Serialize};

/// A service provider's account as the operator sees it (GET /api/v1/admin/accounts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
pub struct AdminAccountPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// PUT /api/v1/admin/accounts/{id}/quota: the phone quota; `null` removes the limit. A quota
/// below the phones the account already holds is accepted (nothing is removed) and stops
/// further additions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneQuota {
    pub phone_quota: Option<i64>,
}

/// POST /api/v1/admin/accounts/{id}/suspend.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suspension {
    /// Why, for the audit trails (up to 500 characters).
    #[serde(default)]
    pub reason: String,
}

/// A firmware release with what depends on it (GET /api/v1/admin/firmware).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
pub struct DeviceCasAdded {
    pub added: Vec<DeviceCa>,
    pub already_trusted: i64,
}

/// A revocation list in use (GET /api/v1/admin/device-crls).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
pub struct AssignUnknownPhones {
    pub account_id: i64,
    pub macs: Vec<String>,
}

/// The answer to an assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignedPhones {
    pub assigned: i64,
}

/// The platform's figures (GET /api/v1/admin/summary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
