//! Liveness and readiness bodies.

use serde::{Deserialize, Serialize};

/// Response body for GET /healthz and GET /readyz.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok` when the check passed, `unavailable` otherwise.
    pub status: String,
}
