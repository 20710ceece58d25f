//! Password recovery by email: asking for a link, and setting a new password with it.

use serde::{Deserialize, Serialize};

/// The one answer to a reset request, whether or not the account exists.
pub const RESET_REQUESTED_MESSAGE: &str =
    "If the account exists, an email with a link has been sent.";

/// Request body for POST /api/v1/auth/password-reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"email": "admin@example.com"}))
)]
pub struct PasswordResetRequest {
    /// The username: the email address the link is sent to.
    pub email: String,
}

/// Response body (202) of POST /api/v1/auth/password-reset: the same for every address, so
/// the answer does not tell whether an account exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "message": "If the account exists, an email with a link has been sent."
    }))
)]
pub struct PasswordResetAccepted {
    /// Always [`RESET_REQUESTED_MESSAGE`].
    pub message: String,
}

impl PasswordResetAccepted {
    pub fn new() -> Self {
        PasswordResetAccepted {
            message: RESET_REQUESTED_MESSAGE.to_string(),
        }
    }
}

impl Default for PasswordResetAccepted {
    fn default() -> Self {
        Self::new()
    }
}

/// Request body for POST /api/v1/auth/password-reset/confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"token": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "new_password": "correct horse battery"}))
)]
pub struct PasswordResetConfirm {
    /// The `token` parameter of the emailed link.
    pub token: String,
    /// The new password (at least 12 characters, not a common password).
    pub new_password: String,
}
