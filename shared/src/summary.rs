//! Statistics of an account, for the dashboard.

use serde::{Deserialize, Serialize};

/// Response body for GET /api/v1/summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Summary {
    /// All phones of the account.
    pub phones: i64,
    /// Phones assigned to a configuration server.
    pub redirected: i64,
    /// Phones assigned to no configuration server.
    pub unaffiliated: i64,
    /// Phones with a firmware version pinned.
    pub firmware_pinned: i64,
    /// Phones with a branding assigned.
    pub branded: i64,
    /// Phones that contacted rcs in the last 24 hours.
    pub seen_last_24h: i64,
    /// Phones that contacted rcs in the last 7 days.
    pub seen_last_7d: i64,
    /// Phones that have never contacted rcs.
    pub never_seen: i64,
    /// Configuration servers of the account.
    pub servers: i64,
    /// Users of the account.
    pub users: i64,
    /// Phone contacts per UTC day for the last 30 days (today included), oldest first; days
    /// without contacts are present with 0.
    pub contacts_per_day: Vec<DailyContacts>,
}

/// Phone contacts on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyContacts {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    pub contacts: i64,
}
