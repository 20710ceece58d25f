//! Liveness and readiness bodies.

use serde::{Deserialize, Serialize};

/// Response body for GET /healthz and GET /readyz.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"status": "ok"}))
)]
pub struct Health {
    /// `ok` when the check passed, `unavailable` otherwise.
    pub status: String,
}
