//! Login, session and the signed-in user.

use serde::{Deserialize, Serialize};

/// What a user may do within their account.
///
/// A `user` has full use of the account's phones, servers and brandings; a `super_user` can
/// also manage the account's users and create or edit branding files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!("super_user"))
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    SuperUser,
    /// The platform operator (the guide's "RCS Administrator"): above every account, works
    /// only in the console (`/api/v1/admin/...`), never inside an account's data.
    Operator,
}

impl Role {
    /// The stored and serialized spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::SuperUser => "super_user",
            Role::Operator => "operator",
        }
    }

    /// Parses the stored spelling; anything else is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(Role::User),
            "super_user" => Some(Role::SuperUser),
            "operator" => Some(Role::Operator),
            _ => None,
        }
    }

    /// The wording the original guide uses ("User", "Super User").
    pub fn label(self) -> &'static str {
        match self {
            Role::User => "User",
            Role::SuperUser => "Super User",
            Role::Operator => "Operator",
        }
    }
}

/// Request body for POST /api/v1/auth/login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"email": "admin@example.com", "password": "correct horse battery"}))
)]
pub struct LoginRequest {
    /// The username: the user's email address.
    pub email: String,
    pub password: String,
}

/// Response body for POST /api/v1/auth/login (200) and its second step: the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIiwiYWNjIjoxLCJyb2xlIjoic3VwZXJfdXNlciIsImlhdCI6MTc5NjAyNjUwMCwibmJmIjoxNzk2MDI2NTAwLCJleHAiOjE3OTYwMzAxMDAsImF1ZCI6InJjcy1hcGkiLCJpc3MiOiJyY3MiLCJqdGkiOiIzZjljMmE3ZTViMWQ0YzhhOWUwZjZiMmQ3YTFjNWU5MyJ9.F5aSvZjdIweTrMB5XD7uzu-nKBz4kaCJj69QLDg5pVk",
        "expires_at": "2026-11-30T09:15:00Z",
        "user": {
            "id": 1, "email": "admin@acme.example", "role": "super_user", "name": "Alex Morgan",
            "address": "12 Harbour Road, Springfield", "phone1": "+1 (555) 010-0100", "phone2": "",
            "account_id": 1, "account_name": "Acme Telecom", "second_factor": false,
            "created_at": "2026-11-02T10:00:00Z", "updated_at": "2026-11-02T10:12:40Z"
        }
    }))
)]
pub struct LoginResponse {
    /// A JWT to send as `Authorization: Bearer <token>` on every other call.
    pub token: String,
    /// When the token stops being accepted (RFC 3339).
    pub expires_at: String,
    pub user: User,
}

/// A user of an account, as returned by GET /api/v1/me and the login call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "id": 1, "email": "admin@acme.example", "role": "super_user", "name": "Alex Morgan",
        "address": "12 Harbour Road, Springfield", "phone1": "+1 (555) 010-0100", "phone2": "",
        "account_id": 1, "account_name": "Acme Telecom", "second_factor": false,
        "created_at": "2026-11-02T10:00:00Z", "updated_at": "2026-11-02T10:12:40Z"
    }))
)]
pub struct User {
    pub id: i64,
    /// The username. It is an email address and never changes.
    pub email: String,
    pub role: Role,
    pub name: String,
    pub address: String,
    pub phone1: String,
    pub phone2: String,
    pub account_id: i64,
    /// The service provider's name, shown at the top of every page.
    pub account_name: String,
    /// Logins of this user need a second factor (a code from an authenticator app).
    #[serde(default)]
    pub second_factor: bool,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}
