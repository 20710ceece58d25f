//! Login and logout, with throttling of failed attempts.

use rcs_shared::{LoginResponse, Role};

use crate::db::{self, rate_limits, rfc3339, sessions, users};
use crate::domain::PasswordHash;
use crate::error::{Error, Result};
use crate::state::AppState;

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
    state: &AppState,
    email: &str,
    password: &str,
    client: &str,
) -> Result<LoginResponse> {
    let s = &state.settings;
    let window = i64::try_from(s.login_window_secs).unwrap_or(i64::MAX / 4);
    let email = email.trim().to_lowercase();
    let email_key = format!("login:email:{email}");
    let client_key = format!("login:client:{client}");
    let now = db::now();
    for (key, max) in [
        (&email_key, s.login_max_failures_per_email),
        (&client_key, s.login_max_failures_per_client),
    ] {
        if let Some(retry_after) =
            rate_limits::blocked_for(&state.db, key, max, window, now).await?
        {
            tracing::warn!(key = %key, "login throttled");
            return Err(Error::TooManyRequests { retry_after });
        }
    }

    let user = users::find_by_email(&state.db, &email).await?;
    let hash = user
        .as_ref()
        .map(|u| PasswordHash(u.password_hash.clone()))
        .unwrap_or_else(|| PasswordHash::dummy().clone());
    let candidate = password.to_string();
    let ok = crate::domain::password::verify(hash, candidate).await?;

    let Some(user) = user.filter(|_| ok) else {
        rate_limits::hit(&state.db, &email_key, window, now).await?;
        rate_limits::hit(&state.db, &client_key, window, now).await?;
        tracing::info!("login failed");
        return Err(invalid_credentials());
    };
    // A success clears the email's counter only: clearing the client's would let an attacker
    // reset it by logging into an account of their own between guesses.
    rate_limits::clear(&state.db, &email_key).await?;

    let role: Role = user.role();
    let issued = state.tokens.issue(user.id, user.account_id, role, now)?;
    sessions::insert(&state.db, &issued.jti, user.id, now, issued.expires_at).await?;
    tracing::info!(user_id = user.id, "login succeeded");
    Ok(LoginResponse {
        token: issued.token,
        expires_at: rfc3339(issued.expires_at),
        user: user.to_dto(),
    })
}
