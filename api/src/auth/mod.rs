//! Authentication: session tokens, API keys, the authenticated-user extractor, and password recovery
//! by email. When a session may start (login, its throttle) is `services::sessions`.
//!
//! A session is a short-lived HS256 JWT whose `jti` names a row in the `sessions` table. The
//! signature and claims are checked first (cheap, rejects forgeries without touching the
//! database); the row is then looked up, so logout and password changes revoke tokens at
//! once on every node.

pub mod api_key;
pub mod extractor;
pub mod jwt;
pub mod password_reset;

pub use extractor::{AuthUser, Caller, Credential, OperatorUser, SessionUser};
pub use jwt::Tokens;
