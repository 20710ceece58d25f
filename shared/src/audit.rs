//! The audit trail: who changed what, when, and how many things.

use serde::{Deserialize, Serialize};

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "id": 318, "actor": "admin@acme.example", "action": "phone.import", "target": "2 phones",
        "count": 2, "detail": "added 2, updated 0", "created_at": "2026-11-30T08:20:41Z"
    }))
)]
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
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "items": [
            {
                "id": 318, "actor": "admin@acme.example", "action": "phone.import", "target": "2 phones",
                "count": 2, "detail": "added 2, updated 0", "created_at": "2026-11-30T08:20:41Z"
            },
            {
                "id": 317, "actor": "admin@acme.example", "action": "server.update", "target": "Main PBX",
                "count": 1,
                "detail": "url: \"https://pbx.example.net/cfg/\" -> \"https://pbx.example.net:8443/cfg/\"",
                "created_at": "2026-11-20T13:45:12Z"
            }
        ],
        "next_before": 317
    }))
)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// Pass as `?before=` to get the next (older) page; `null` on the last page.
    pub next_before: Option<i64>,
}
