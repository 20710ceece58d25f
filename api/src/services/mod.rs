//! Services: the policy of each resource, in one place for the routes and the CLI alike.
//!
//! A service function takes the [`Actor`] who asks (not the HTTP extractor), checks what that
//! actor may do, runs one transaction through `db/`, writes the audit entry in that same
//! transaction, and answers with [`crate::error::Error`] for the routes to map to HTTP. The CLI
//! calls the same functions, so an operator's action and an API action cannot drift apart.

pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod brandings;
pub mod constraints;
pub mod device_trust;
pub mod firmware;
pub mod firmware_archive;
pub mod operators;
pub mod phones;
pub mod platform;
pub mod second_factor;
pub mod servers;
pub mod sessions;
pub mod users;
pub mod webhooks;

use rcs_shared::Role;

use crate::auth::{AuthUser, Credential};
use crate::db::audit::Author;
use crate::error::{Error, Result};

/// Who asks for a change: a staff member of an account (from a session), or the platform
/// operator at the command line acting in an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account_id: i64,
    /// The staff member; `None` for the operator.
    pub user_id: Option<i64>,
    pub role: Role,
    /// How the audit trail names the actor: the username, or `rcs operator (CLI)`.
    pub name: String,
    /// The session the actor asks from (none for the operator): a change to the actor's own
    /// password or role ends their other sessions but keeps this one open.
    pub session_id: Option<String>,
}

impl Actor {
    /// The platform operator, working in `account_id` with a Super User's rights.
    pub fn operator(account_id: i64) -> Actor {
        Actor {
            account_id,
            user_id: None,
            role: Role::SuperUser,
            name: "rcs operator (CLI)".to_string(),
            session_id: None,
        }
    }

    /// Refuses (403) an actor who is not a Super User.
    pub fn require_super_user(&self) -> Result<()> {
        if self.role == Role::SuperUser {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// How the audit trail records this actor.
    pub fn author(&self) -> Author<'_> {
        Author {
            account_id: self.account_id,
            user_id: self.user_id,
            name: &self.name,
        }
    }
}

impl From<&AuthUser> for Actor {
    /// A session acts as its user; an API key as no user, named `key:<name>` in the audit
    /// trail (a key outlives any session and may outlive its creator).
    fn from(user: &AuthUser) -> Actor {
        match &user.credential {
            Credential::Session {
                user_id,
                email,
                session_id,
            } => Actor {
                account_id: user.account_id,
                user_id: Some(*user_id),
                role: user.role,
                name: email.clone(),
                session_id: Some(session_id.clone()),
            },
            Credential::ApiKey { name, .. } => Actor {
                account_id: user.account_id,
                user_id: None,
                role: user.role,
                name: format!("key:{name}"),
                session_id: None,
            },
        }
    }
}
