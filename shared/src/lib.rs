//! The rcs API contract.
//!
//! Request and response bodies for the `/api/v1` routes, shared by the server (`api`), the
//! web app (`web`, compiled to wasm) and the integration tests. This crate depends on serde
//! only, so it builds for `wasm32-unknown-unknown`; OpenAPI schemas are derived behind the
//! `openapi` feature so the web app does not pay for utoipa.
//!
//! Besides the bodies, the contract holds the rules both sides must apply identically:
//! [`mac`] (which MAC spellings are a phone's address), so the browser accepts exactly what
//! the server accepts.
//!
//! Timestamps are RFC 3339 strings: the contract stays free of date libraries and every
//! client (browser, script, test) reads them the same way.

pub mod admin;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod brandings;
pub mod device;
pub mod error;
pub mod firmware;
pub mod health;
pub mod mac;
pub mod password_reset;
pub mod phones;
pub mod phones_bulk;
pub mod second_factor;
pub mod servers;
pub mod summary;
pub mod users;
pub mod webhooks;

pub use admin::{
    AdminAccount, AdminAccountPatch, AdminFirmwareRelease, AssignUnknownPhones, AssignedPhones,
    DeviceCa, DeviceCasAdded, DeviceCrl, NewAdminAccount, OperatorAuditEntry, OperatorAuditPage,
    PhoneQuota, PlatformSummary, RefusalCount, Suspension, UnknownPhone, UnknownPhonePage,
};
pub use api_keys::{ApiKey, ApiKeyCreated, ApiKeyRole, NewApiKey};
pub use audit::{AuditEntry, AuditPage};
pub use auth::{LoginRequest, LoginResponse, Role, User};
pub use brandings::{Branding, BrandingFile, BrandingPatch, NewBranding};
pub use device::{BootEvent, BootEventPage, BootOutcome, DeviceAction, DeviceAnswer, DeviceFile};
pub use error::ApiError;
pub use firmware::{FirmwareImage, FirmwareRelease};
pub use health::Health;
pub use password_reset::{
    PasswordResetAccepted, PasswordResetConfirm, PasswordResetRequest, RESET_REQUESTED_MESSAGE,
};
pub use phones::{
    AddPhones, AddPhonesResult, BulkEdit, Changed, CsvSeparator, ImportQuery, ImportResult,
    InvalidCsv, LineProblem, MacList, Phone, PhoneChanges, PhonePage, PhoneQuery, PhoneSort,
    SkippedLine, SortOrder, TOTAL_COUNT_LIMIT,
};
pub use phones_bulk::{
    ExportColumns, ExportQuery, ExportSelection, InvalidPhones, PhoneFilter, PhoneProblem,
};
pub use second_factor::{
    Account, AccountPatch, EnrolledLogin, EnrolmentStart, LoginAnswer, RecoveryCodes,
    SecondFactorChallenge, SecondFactorCode, SecondFactorDisable, SecondFactorEnrolment,
    SecondFactorLogin, SecondFactorSetup, SecondFactorStatus,
};
pub use servers::{NewServer, Server, ServerPatch};
pub use summary::{DailyContacts, Summary};
pub use users::{NewUser, PasswordChange, ProfilePatch, UserPatch};
pub use webhooks::{
    DeliveryState, NewWebhook, Webhook, WebhookCreated, WebhookDelivery, WebhookDeliveryPage,
    WebhookEventType, WebhookPatch,
};
