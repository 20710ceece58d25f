//! The audit trail: who changed what, when, and how many things.

use serde::{Deserialize, Serialize};

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    /// The username of whoever made the change, as it was then.
    pub actor: String,
    /// `<resource>.<verb>`, e.g. `server.create`, `user.delete`, `phone.import`.
    pub action: String,
    /// What changed: a server name, a username, a MAC.
    pub target: String,
    /// How many things changed.
    pub count: i64,
    /// Free-form particulars of the change.
    pub detail: String,
    /// RFC 3339.
    pub created_at: String,
}

/// Response body for GET /api/v1/audit: a page of entries, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// Pass as `?before=` to get the next (older) page; `null` on the last page.
    pub next_before: Option<i64>,
}
