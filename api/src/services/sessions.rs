//! Sessions: logging in (with throttling of failed attempts that cannot lock an owner out)
//! and logging out, and the database-backed limits that logins, password changes and reset
//! requests share.
//!
//! The credential itself (the signed token, the extractor that reads it) is `auth`'s; when a
//! session may start or end, and how often someone may guess, is decided here.

use rcs_shared::{LoginAnswer, LoginResponse, Role};
use sha2::Digest as _;

use super::Actor;
use crate::auth::jwt::Tokens;
use crate::config::Settings;
use crate::db::rate_limits::{self, Counter};
use crate::db::users::{self, UserRow};
use crate::db::{self, rfc3339, sessions, Db};
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

/// A 429 until `counter`'s window ends.
fn until_window_ends(counter: &Counter, window: i64, now: i64) -> Error {
    Error::TooManyRequests {
        retry_after: (counter.window_start + window - now).max(1) as u64,
    }
}

/// Seconds an address that failed a username itself waits after its own last attempt, once
/// the username has `failures` failures in the window (from anywhere): none below `after`,
/// then 1, 2, 4, ... seconds, never more than `max`.
pub fn slowdown_secs(failures: i64, after: u32, max: u64) -> u64 {
    let excess = failures - i64::from(after);
    if excess < 0 {
        return 0;
    }
    let doubled = 1u64.checked_shl(excess.min(63) as u32).unwrap_or(u64::MAX);
    doubled.min(max)
}

/// The counters one login attempt (a password, or a second factor's code) is weighed against.
///
/// - per (username, client address): a hard limit. An attacker's address runs into it, the
///   owner's address does not notice it.
/// - per client address, any username: a hard limit against one address spraying many.
/// - per username, from anywhere: no block at all (that was a lock-out anyone could trigger).
///   Over its threshold, an address with failures of its own for the username must wait a
///   delay that doubles with the username's failures, up to `login_max_slowdown_secs`,
///   counted from that address's own last attempt, so nobody else can push it further out.
///   An address without failures is never slowed: the owner's right password works at once.
///
/// Attempts are counted before the password is checked (argon2 takes tens of milliseconds), so
/// a burst of concurrent guesses from one address cannot slip past its limits; a success takes
/// its count back.
pub struct LoginThrottle<'a> {
    db: &'a Db,
    settings: &'a Settings,
    now: i64,
    pair: String,
    client: String,
    username: String,
}

impl<'a> LoginThrottle<'a> {
    /// The throttle for `email` (trimmed, lower-case) from `client`.
    pub fn new(db: &'a Db, settings: &'a Settings, email: &str, client: &str) -> Self {
        // Longer than any username: a hash keeps the stored key short.
        let email = if email.len() > 254 {
            format!(
                "sha256:{}",
                hex::encode(sha2::Sha256::digest(email.as_bytes()))
            )
        } else {
            email.to_string()
        };
        LoginThrottle {
            db,
            settings,
            now: db::now(),
            pair: format!("login:pair:{client} {email}"),
            client: format!("login:client:{client}"),
            username: format!("login:email:{email}"),
        }
    }

    fn window(&self) -> i64 {
        Limit::new(0, self.settings.login_window_secs).window
    }

    /// Refuses (429 with the seconds to wait) an attempt over a limit or inside its slowdown,
    /// and counts any other one.
    pub async fn admit(&self) -> Result<()> {
        let (db, s, now, window) = (self.db, self.settings, self.now, self.window());
        let pair_max = i64::from(s.login_max_failures_per_email_and_client);
        let client_max = i64::from(s.login_max_failures_per_client);
        let pair = rate_limits::get(db, &self.pair, window, now).await?;
        let client = rate_limits::get(db, &self.client, window, now).await?;
        for (counter, max) in [(&client, client_max), (&pair, pair_max)] {
            if let Some(c) = counter.as_ref().filter(|c| c.count >= max) {
                tracing::warn!("login throttled: limit reached");
                return Err(until_window_ends(c, window, now));
            }
        }
        if let Some(pair) = pair.filter(|p| p.count > 0) {
            self.slowdown(&pair).await?;
        }
        let counted = rate_limits::hit(db, &self.pair, window, now).await?;
        if counted.count > pair_max {
            return Err(until_window_ends(&counted, window, now));
        }
        let counted = rate_limits::hit(db, &self.client, window, now).await?;
        if counted.count > client_max {
            rate_limits::take_back(db, &self.pair).await?;
            return Err(until_window_ends(&counted, window, now));
        }
        Ok(())
    }

    /// Refuses an address that failed this username itself while the username is over its
    /// slowdown threshold, until its delay since its own last attempt has passed.
    async fn slowdown(&self, pair: &Counter) -> Result<()> {
        let s = self.settings;
        let failures = rate_limits::get(self.db, &self.username, self.window(), self.now)
            .await?
            .map_or(0, |c| c.count);
        let delay = slowdown_secs(
            failures,
            s.login_slowdown_after_failures_per_email,
            s.login_max_slowdown_secs,
        );
        let ready_at = pair.last_at.saturating_add(delay as i64);
        if ready_at > self.now {
            tracing::warn!(
                failures,
                delay,
                "login slowed down: the username is under attack"
            );
            return Err(Error::TooManyRequests {
                retry_after: (ready_at - self.now) as u64,
            });
        }
        Ok(())
    }

    /// Records an admitted attempt as failed: its counts stay, and the username's grows.
    pub async fn failed(&self) -> Result<()> {
        rate_limits::hit(self.db, &self.username, self.window(), self.now).await?;
        Ok(())
    }

    /// Records an admitted attempt as successful: the address's failures for this username
    /// are forgiven and the attempt is taken back from the address's count. The address's
    /// earlier failures (other usernames) stay, or an attacker could reset them by logging into
    /// an account of their own between guesses; the username's stay too, or the owner's login
    /// would reset the slowdown for the attackers.
    pub async fn succeeded(&self) -> Result<()> {
        rate_limits::clear(self.db, &self.pair).await?;
        rate_limits::take_back(self.db, &self.client).await?;
        Ok(())
    }

    /// Records an admitted attempt whose password was right but whose login needs a second
    /// step: the attempt is taken back, the address's earlier failures for the username stay,
    /// so wrong codes keep adding up across logins until one succeeds.
    pub async fn passed_first_step(&self) -> Result<()> {
        rate_limits::take_back(self.db, &self.pair).await?;
        rate_limits::take_back(self.db, &self.client).await?;
        Ok(())
    }
}

fn invalid_credentials() -> Error {
    Error::Unauthorized(
        "invalid_credentials",
        "Invalid username or password.".into(),
    )
}

/// Checks the credentials and opens a session, or answers the second step the login needs
/// (a code, or setting up a required second factor: [`super::second_factor`]).
///
/// The attempt is weighed by [`LoginThrottle`] before the password is even checked. An
/// unknown email costs the same argon2 work as a wrong password, and both get the same answer.
#[tracing::instrument(skip_all, fields(client = %client))]
pub async fn login(
    db: &Db,
    tokens: &Tokens,
    settings: &Settings,
    email: &str,
    password: &str,
    client: &str,
) -> Result<LoginAnswer> {
    let email = email.trim().to_lowercase();
    let throttle = LoginThrottle::new(db, settings, &email, client);
    throttle.admit().await?;

    let user = users::find_by_email(db, &email).await?;
    let hash = user
        .as_ref()
        .map(|u| PasswordHash(u.password_hash.clone()))
        .unwrap_or_else(|| PasswordHash::dummy().clone());
    let ok = crate::domain::password::verify(hash, password.to_string()).await?;

    let Some(user) = user.filter(|_| ok) else {
        throttle.failed().await?;
        tracing::info!("login failed");
        return Err(invalid_credentials());
    };
    refuse_suspended(db, user.account_id).await?;
    if let Some(challenge) = super::second_factor::next_step(db, settings, &user).await? {
        throttle.passed_first_step().await?;
        tracing::info!(user_id = user.id, "password accepted; second factor needed");
        return Ok(LoginAnswer::SecondFactor(challenge));
    }
    throttle.succeeded().await?;
    Ok(LoginAnswer::Session(Box::new(
        open(db, tokens, &user).await?,
    )))
}

/// Refuses (403 `account_suspended`) the staff of a suspended account. Checked only once the
/// password is right, so the answer tells nothing to someone who does not know it.
async fn refuse_suspended(db: &Db, account_id: i64) -> Result<()> {
    if crate::db::accounts::is_suspended(&db.pool, account_id).await? {
        tracing::info!(account_id, "login refused: account suspended");
        return Err(Error::account_suspended());
    }
    Ok(())
}

/// Opens a session for `user`, whose login is complete.
pub(crate) async fn open(db: &Db, tokens: &Tokens, user: &UserRow) -> Result<LoginResponse> {
    refuse_suspended(db, user.account_id).await?;
    let role: Role = user.role();
    let now = db::now();
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
        settings.login_max_failures_per_email_and_client,
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

#[cfg(test)]
mod tests {
    use super::slowdown_secs;

    #[test]
    fn the_slowdown_starts_at_its_threshold_doubles_and_stays_bounded() {
        let waits: Vec<u64> = (18..26).map(|n| slowdown_secs(n, 20, 30)).collect();
        assert_eq!(waits, [0, 0, 1, 2, 4, 8, 16, 30]);
        assert_eq!(slowdown_secs(i64::MAX, 20, 30), 30);
        assert_eq!(slowdown_secs(i64::MAX, 0, u64::MAX), 1 << 63);
        assert_eq!(slowdown_secs(100, 0, 0), 0);
    }
}
