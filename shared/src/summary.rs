//! Statistics of an account, for the dashboard.

use serde::{Deserialize, Serialize};

/// Response body for GET /api/v1/summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "phones": 1250, "redirected": 1180, "unaffiliated": 70, "firmware_pinned": 1100,
        "branded": 1250, "own_branding": 1150, "default_branding": true,
        "seen_last_24h": 1096, "seen_last_7d": 1171, "never_seen": 64,
        "servers": 3, "users": 4,
        "contacts_per_day": [
            {"date": "2026-11-01", "contacts": 1034}, {"date": "2026-11-02", "contacts": 1212},
            {"date": "2026-11-03", "contacts": 1187}, {"date": "2026-11-04", "contacts": 1243},
            {"date": "2026-11-05", "contacts": 1198}, {"date": "2026-11-06", "contacts": 1176},
            {"date": "2026-11-07", "contacts": 1051}, {"date": "2026-11-08", "contacts": 1022},
            {"date": "2026-11-09", "contacts": 1231}, {"date": "2026-11-10", "contacts": 1204},
            {"date": "2026-11-11", "contacts": 1189}, {"date": "2026-11-12", "contacts": 1257},
            {"date": "2026-11-13", "contacts": 1163}, {"date": "2026-11-14", "contacts": 1048},
            {"date": "2026-11-15", "contacts": 1019}, {"date": "2026-11-16", "contacts": 1226},
            {"date": "2026-11-17", "contacts": 1192}, {"date": "2026-11-18", "contacts": 1215},
            {"date": "2026-11-19", "contacts": 1238}, {"date": "2026-11-20", "contacts": 1301},
            {"date": "2026-11-21", "contacts": 2486}, {"date": "2026-11-22", "contacts": 1087},
            {"date": "2026-11-23", "contacts": 1240}, {"date": "2026-11-24", "contacts": 1197},
            {"date": "2026-11-25", "contacts": 1183}, {"date": "2026-11-26", "contacts": 1222},
            {"date": "2026-11-27", "contacts": 1159}, {"date": "2026-11-28", "contacts": 1044},
            {"date": "2026-11-29", "contacts": 1013}, {"date": "2026-11-30", "contacts": 389, "refused": 12}
        ]
    }))
)]
pub struct Summary {
    /// All phones of the account.
    pub phones: i64,
    /// Phones assigned to a configuration server.
    pub redirected: i64,
    /// Phones assigned to no configuration server.
    pub unaffiliated: i64,
    /// Phones with a firmware version pinned.
    pub firmware_pinned: i64,
    /// Phones that get a branding: their own, or the account's default branding when the
    /// account has one (then every phone is branded).
    pub branded: i64,
    /// Phones with a branding of their own (the rest get the default branding, if any).
    #[serde(default)]
    pub own_branding: i64,
    /// Whether the account has a default branding (then `branded` is every phone).
    #[serde(default)]
    pub default_branding: bool,
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
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"date": "2026-11-30", "contacts": 389, "refused": 12}))
)]
pub struct DailyContacts {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Every contact of the day, refused ones included.
    pub contacts: i64,
    /// Contacts that were refused (certificate missing, untrusted, expired, or of another
    /// MAC); the answered ones are `contacts - refused`.
    #[serde(default)]
    pub refused: i64,
}
