//! The one error body every failing `/api` call answers with.

use serde::{Deserialize, Serialize};

/// Error body of every 4xx and 5xx answer: a stable machine-readable `code` and a short
/// human-readable `message`. Internal details never appear here; they go to the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"code": "invalid_credentials", "message": "Invalid username or password."}))
)]
pub struct ApiError {
    /// Stable, snake_case identifier of the failure, for scripts to branch on.
    pub code: String,
    /// Human-readable explanation, safe to show to the user.
    pub message: String,
}

impl ApiError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}
