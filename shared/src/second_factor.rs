//! Two-factor login (TOTP, RFC 6238, with single-use recovery codes): the second step of a
//! login, enrolment from the preferences, and the account-wide requirement.

use serde::{Deserialize, Serialize};

use crate::LoginResponse;

/// Response body of POST /api/v1/auth/login (202) when the password was right and the login
/// needs a second step: a code (`enrolment_required: false`), or setting up a second factor
/// the account or platform requires (`enrolment_required: true`). No session exists yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "challenge": "5f0c6a1e9b2d4c7f8a3e1b6d9c2f4a7e5f0c6a1e9b2d4c7f8a3e1b6d9c2f4a7e",
        "expires_at": "2026-11-30T09:20:00Z",
        "enrolment_required": false
    }))
)]
pub struct SecondFactorChallenge {
    /// Names this login in the second step; single use.
    pub challenge: String,
    /// RFC 3339: after this, log in with the password again.
    pub expires_at: String,
    pub enrolment_required: bool,
}

/// What POST /api/v1/auth/login answers: a session (200), or a second step (202). Clients
/// read the body as this; the server documents the two bodies by status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LoginAnswer {
    Session(Box<LoginResponse>),
    SecondFactor(SecondFactorChallenge),
}

/// Request body for POST /api/v1/auth/login/second-factor and
/// POST /api/v1/auth/login/enrolment/confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "challenge": "5f0c6a1e9b2d4c7f8a3e1b6d9c2f4a7e5f0c6a1e9b2d4c7f8a3e1b6d9c2f4a7e",
        "code": "492039"
    }))
)]
pub struct SecondFactorLogin {
    pub challenge: String,
    /// Six digits from the authenticator app, or a recovery code (dashes and spaces ignored).
    pub code: String,
}

/// Request body for POST /api/v1/auth/login/enrolment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "challenge": "5f0c6a1e9b2d4c7f8a3e1b6d9c2f4a7e5f0c6a1e9b2d4c7f8a3e1b6d9c2f4a7e"
    }))
)]
pub struct EnrolmentStart {
    pub challenge: String,
}

/// A second factor being set up: what the authenticator app needs. The secret is shown only
/// here, until the enrolment is confirmed; rcs never returns it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        "otpauth_url": "otpauth://totp/rcs:admin%40acme.example?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=rcs",
        "qr_svg": "<?xml version=\"1.0\" standalone=\"yes\"?><svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"232\" height=\"232\" viewBox=\"0 0 232 232\" shape-rendering=\"crispEdges\"><rect x=\"0\" y=\"0\" width=\"232\" height=\"232\" fill=\"#fff\"/><path fill=\"#000\" d=\"M32 32h56v8H32V32\"/></svg>"
    }))
)]
pub struct SecondFactorEnrolment {
    /// Base32, for typing into the app by hand.
    pub secret: String,
    /// `otpauth://totp/...`, what the QR code holds.
    pub otpauth_url: String,
    /// The QR code of `otpauth_url` as an SVG document.
    pub qr_svg: String,
}

/// Request body for POST /api/v1/me/second-factor: setting up a second factor from the
/// preferences needs the password, so a stolen session cannot lock its owner out with an
/// authenticator of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"password": "correct horse battery"})))]
pub struct SecondFactorSetup {
    pub password: String,
}

/// Request body for POST /api/v1/me/second-factor/confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"code": "492039"})))]
pub struct SecondFactorCode {
    /// Six digits from the authenticator app.
    pub code: String,
}

/// Recovery codes, shown once: each logs in once in place of a code from the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"recovery_codes": ["k7qm-2xdp-tn4h-a6wz", "p3ve-9rcy-m2bk-q7fs"]}))
)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// Response body for POST /api/v1/auth/login/enrolment/confirm: the session, and the
/// recovery codes of the second factor just set up (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "login": {
            "token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.e30.F5aSvZjdIweTrMB5XD7uzu-nKBz4kaCJj69QLDg5pVk",
            "expires_at": "2026-11-30T09:15:00Z",
            "user": {
                "id": 1, "email": "admin@acme.example", "role": "super_user", "name": "Alex Morgan",
                "address": "", "phone1": "", "phone2": "", "account_id": 1,
                "account_name": "Acme Telecom", "second_factor": true,
                "created_at": "2026-11-02T10:00:00Z", "updated_at": "2026-11-02T10:12:40Z"
            }
        },
        "recovery_codes": ["k7qm-2xdp-tn4h-a6wz", "p3ve-9rcy-m2bk-q7fs"]
    }))
)]
pub struct EnrolledLogin {
    pub login: LoginResponse,
    pub recovery_codes: Vec<String>,
}

/// Response body for GET /api/v1/me/second-factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"enabled": true, "required": false, "recovery_codes_left": 9}))
)]
pub struct SecondFactorStatus {
    /// Logins of this user need a code.
    pub enabled: bool,
    /// The account or the platform requires a second factor: it cannot be turned off.
    pub required: bool,
    pub recovery_codes_left: i64,
}

/// Request body for POST /api/v1/me/second-factor/disable: a current code (or recovery
/// code), or the password.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"code": "492039"})))]
pub struct SecondFactorDisable {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// The caller's account, as returned by GET and PATCH /api/v1/account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "id": 1, "name": "Acme Telecom", "require_second_factor": true,
        "platform_requires_second_factor": false
    }))
)]
pub struct Account {
    pub id: i64,
    pub name: String,
    /// A Super User requires a second factor of every user of the account.
    pub require_second_factor: bool,
    /// The operator requires it of every user of the platform (`require_second_factor` in
    /// the configuration); the account's own setting then changes nothing.
    pub platform_requires_second_factor: bool,
}

/// Request body for PATCH /api/v1/account (Super User): absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"require_second_factor": true})))]
pub struct AccountPatch {
    /// Turning it on ends the sessions of the account's users without a second factor; they
    /// set one up at their next login. The Super User must have one first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_second_factor: Option<bool>,
}
