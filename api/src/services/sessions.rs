//! Sessions: logging in (with throttling of failed attempts) and logging out, and the
//! database-backed throttle that logins, password changes and reset requests share.
//!
//! The credential itself (the signed token, the extractor that reads it) is `auth`'s; when a
//! session may start or end, and how often someone may guess, is decided here.

use rcs_shared::{LoginResponse, Role};

use super::Actor;
use crate::auth::jwt::Tokens;
use crate::config::Settings;
use crate::db::{self, rate_limits, rfc3339, sessions, users, Db};
use crate::domain::PasswordHash;
use crate::error::{Error, Result};

/// A fixed-window limit of `max` events per `window` seconds under one key, counted in the
/// database so every node sees the same count.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: u32,
    pub window: i64,
}

impl Limit {
    pub fn new(max: u32, window_secs: u64) -> Limit {
        Limit {
            max,
            window: i64::try_from(window_secs).unwrap_or(i64::MAX / 4),
        }
    }

    /// Refuses (429, with the seconds to wait) while `key` is over the limit. `what` names the
    /// throttled action in the log.
    pub async fn check(self, db: &Db, key: &str, now: i64, what: &str) -> Result<()> {
        if let Some(retry_after) =
            rate_limits::blocked_for(db, key, self.max, self.window, now).await?
        {
            tracing::warn!(key = %key, "{what} throttled");
            return Err(Error::TooManyRequests { retry_after });
        }
        Ok(())
    }

    /// Counts one event under `key`.
    pub async fn hit(self, db: &Db, key: &str, now: i64) -> Result<()> {
        rate_limits::hit(db, key, self.window, now).await?;
        Ok(())
    }
}

fn invalid_credentials() -> Error {
    Error::Unauthorized(
        "invalid_credentials",
        "Invalid username or password.".into(),
    )
}

/// Checks the credentials and opens a session.
///
/// Failures are counted per email and per client address; either counter over its limit
/// answers 429 before the password is even checked. An unknown email costs the same argon2
/// work as a wrong password, and both get the same answer.
#[tracing::instrument(skip_all, fields(client = %client))]
pub async fn login(
    db: &Db,
    tokens: &Tokens,
    settings: &Settings,
    email: &str,
    password: &str,
    client: &str,
) -> Result<LoginResponse> {
    let window = settings.login_window_secs;
    let per_email = Limit::new(settings.login_max_failures_per_email, window);
    let per_client = Limit::new(settings.login_max_failures_per_client, window);
    let email = email.trim().to_lowercase();
    let email_key = format!("login:email:{email}");
    let client_key = format!("login:client:{client}");
    let now = db::now();
    per_email.check(db, &email_key, now, "login").await?;
    per_client.check(db, &client_key, now, "login").await?;

    let user = users::find_by_email(db, &email).await?;
    let hash = user
        .as_ref()
        .map(|u| PasswordHash(u.password_hash.clone()))
        .unwrap_or_else(|| PasswordHash::dummy().clone());
    let ok = crate::domain::password::verify(hash, password.to_string()).await?;

    let Some(user) = user.filter(|_| ok) else {
        per_email.hit(db, &email_key, now).await?;
        per_client.hit(db, &client_key, now).await?;
        tracing::info!("login failed");
        return Err(invalid_credentials());
    };
    // A success clears the email's counter only: clearing the client's would let an attacker
    // reset it by logging into an account of their own between guesses.
    rate_limits::clear(db, &email_key).await?;

    let role: Role = user.role();
    let issued = tokens.issue(user.id, user.account_id, role, now)?;
    sessions::insert(db, &issued.jti, user.id, now, issued.expires_at).await?;
    tracing::info!(user_id = user.id, "login succeeded");
    Ok(LoginResponse {
        token: issued.token,
        expires_at: rfc3339(issued.expires_at),
        user: user.to_dto(),
    })
}

/// Ends the actor's session: its token is refused from now on, on every node.
#[tracing::instrument(skip_all)]
pub async fn logout(db: &Db, actor: &Actor) -> Result<()> {
    if let Some(session) = &actor.session_id {
        sessions::delete(db, session).await?;
    }
    tracing::info!(user_id = actor.user_id, "logged out");
    Ok(())
}

/// Verifies the actor's current password, counting failures against the same limits as
/// logins so a stolen session cannot be used to guess the password.
///
/// A wrong password is a 422 (`wrong_current_password`), not a 401: the session is valid,
/// and a 401 would make clients log the user out.
pub async fn check_current_password(
    db: &Db,
    settings: &Settings,
    actor: &Actor,
    candidate: &str,
) -> Result<()> {
    let user_id = actor.user_id.ok_or_else(Error::invalid_token)?;
    let limit = Limit::new(
        settings.login_max_failures_per_email,
        settings.login_window_secs,
    );
    let key = format!("password:user:{user_id}");
    let now = db::now();
    limit.check(db, &key, now, "current password").await?;
    let row = users::find_in_account(db, actor.account_id, user_id)
        .await?
        .ok_or_else(Error::invalid_token)?;
    let hash = PasswordHash(row.password_hash);
    let ok = crate::domain::password::verify(hash, candidate.to_string()).await?;
    if !ok {
        limit.hit(db, &key, now).await?;
        return Err(Error::unprocessable(
            "wrong_current_password",
            "The current password is not correct.",
        ));
    }
    rate_limits::clear(db, &key).await?;
    Ok(())
}
