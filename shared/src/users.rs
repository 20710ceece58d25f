//! Managing an account's users (Super User only) and the signed-in user's own settings.

use serde::{Deserialize, Serialize};

use crate::Role;

/// Request body for POST /api/v1/users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"email": "staff@example.com", "role": "user", "name": "Sam Staff"}))
)]
pub struct NewUser {
    /// The username. It can never be changed afterwards.
    pub email: String,
    /// At least 12 characters, not a common password. Absent or `null`: the user is invited
    /// instead, by a mail with a single-use link to choose their own password (valid
    /// `invitation_ttl_secs`); until then nobody can log in as them.
    #[serde(default)]
    pub password: Option<String>,
    pub role: Role,
    /// Up to 100 characters.
    #[serde(default)]
    pub name: String,
}

/// Request body for PATCH /api/v1/users/{id}: absent fields stay as they are.
///
/// Changing the password or the role ends the user's sessions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"role": "super_user", "name": "Sam Staff"}))
)]
pub struct UserPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Up to 100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// At least 12 characters, not a common password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Not accepted: usernames never change, so sending one is a 422 `username_immutable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Request body for PATCH /api/v1/me: the caller's preferences. Absent fields stay as they
/// are; an empty string clears one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"name": "Sam Staff", "address": "1 Main St, Springfield", "phone1": "+1 (555) 010-0000", "phone2": ""}))
)]
pub struct ProfilePatch {
    /// Up to 100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Up to 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Empty, or 3 to 32 characters of digits, spaces and `+ - ( ) .`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone1: Option<String>,
    /// Empty, or 3 to 32 characters of digits, spaces and `+ - ( ) .`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone2: Option<String>,
}

/// Request body for PUT /api/v1/me/password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "current_password": "correct horse battery",
        "new_password": "staple battery horse correct"
    }))
)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 12 characters, not a common password.
    pub new_password: String,
}
