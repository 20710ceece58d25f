//! Two-factor login: TOTP (RFC 6238) with single-use recovery codes.
//!
//! - A login whose password is right, for a user with a confirmed second factor, gets a
//!   short-lived single-use challenge instead of a session; the challenge and a code (from
//!   the app, each code once, or a recovery code, each once) give the session.
//! - When the account or the platform requires a second factor and the user has none, the
//!   challenge is an enrolment challenge: it can only set one up, and setting it up gives the
//!   session. No session exists before, so there is nothing else the user could do.
//! - Users set up and turn off their second factor from their preferences; starting needs
//!   the password (a stolen session must not be able to lock its owner out with an
//!   authenticator of its own), turning off a current code or the password.
//! - A Super User resets a user's second factor (audited; the user's sessions end).
//!
//! Wrong codes are throttled like failed logins (the same [`LoginThrottle`] keys), per
//! challenge (a few, then the password again) and per user with a hard limit: a six-digit
//! code must not be guessable by many addresses at once, and only someone who already has
//! the password can use that limit up.
//!
//! This module holds the login steps; [`manage`] the user's own settings and the resets.

use rcs_shared::{
    EnrolledLogin, LoginResponse, RecoveryCodes, SecondFactorChallenge, SecondFactorDisable,
    SecondFactorEnrolment, SecondFactorStatus,
};
use sha2::{Digest, Sha256};

use super::sessions::{self, Limit, LoginThrottle};
use super::Actor;
use crate::auth::jwt::Tokens;
use crate::config::Settings;
use crate::db::audit::{self, AuditEntry};
use crate::db::second_factor::{self as store, ChallengeRow, FactorRow};
use crate::db::users::{self, UserRow};
use crate::db::{accounts, now, rate_limits, rfc3339, sessions as session_rows, Db};
use crate::domain::second_factor::{self as totp, Code};
use crate::error::{Error, Result};

mod manage;

pub use manage::{begin_own, confirm_own, disable_own, reset, reset_by_operator, status};

/// Seconds to give a code after the password.
const CHALLENGE_TTL_SECS: i64 = 300;
/// Seconds to install an app and set up a required second factor after the password.
const ENROLMENT_TTL_SECS: i64 = 900;
/// Wrong codes one challenge takes before the password is needed again.
const MAX_FAILURES_PER_CHALLENGE: i64 = 5;
/// Wrong codes per user (from anywhere) per `login_window_secs`.
const MAX_CODE_FAILURES_PER_USER: u32 = 10;

fn invalid_challenge() -> Error {
    Error::Unauthorized(
        "invalid_challenge",
        "This login has expired or was already used. Log in again.".into(),
    )
}

fn invalid_code() -> Error {
    Error::Unauthorized(
        "invalid_code",
        "The code is not correct. Check the time on your phone.".into(),
    )
}

fn code_already_used() -> Error {
    Error::Unauthorized(
        "code_already_used",
        "This code was already used. Wait for the next one.".into(),
    )
}

fn already_enabled() -> Error {
    Error::conflict(
        "second_factor_enabled",
        "Two-factor login is already on. Turn it off first to set it up again.",
    )
}

/// True when `account_id`'s users must log in with a second factor.
async fn required(db: &Db, settings: &Settings, account_id: i64) -> Result<bool> {
    if settings.require_second_factor {
        return Ok(true);
    }
    Ok(accounts::find(&db.pool, account_id)
        .await?
        .is_some_and(|a| a.require_second_factor != 0))
}

/// What a login whose password was right needs next: a challenge, or `None` for a session.
pub(super) async fn next_step(
    db: &Db,
    settings: &Settings,
    user: &UserRow,
) -> Result<Option<SecondFactorChallenge>> {
    let enrolled = store::find(&db.pool, user.id)
        .await?
        .is_some_and(|f| f.confirmed_at.is_some());
    let enrolment = !enrolled && required(db, settings, user.account_id).await?;
    if !enrolled && !enrolment {
        return Ok(None);
    }
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let token = hex::encode(bytes);
    let ttl = if enrolment {
        ENROLMENT_TTL_SECS
    } else {
        CHALLENGE_TTL_SECS
    };
    let now = now();
    store::insert_challenge(db, &hash(&token), user.id, enrolment, now, now + ttl).await?;
    Ok(Some(SecondFactorChallenge {
        challenge: token,
        expires_at: rfc3339(now + ttl),
        enrolment_required: enrolment,
    }))
}

/// What is stored of a challenge: its SHA-256 in hex (256 random bits: a fast hash is enough).
fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The current challenge `token` of the given kind and its user; 401 for anything else.
async fn challenge(db: &Db, token: &str, enrolment: bool) -> Result<(String, UserRow)> {
    let token_hash = hash(token);
    let row: Option<ChallengeRow> = store::find_challenge(db, &token_hash, now()).await?;
    let row = row
        .filter(|c| (c.enrolment != 0) == enrolment)
        .ok_or_else(invalid_challenge)?;
    let user = users::find_by_id(db, row.user_id)
        .await?
        .ok_or_else(invalid_challenge)?;
    Ok((token_hash, user))
}

/// The throttles a code is weighed against: the login's, and the user's own hard limit.
struct CodeThrottle<'a> {
    login: LoginThrottle<'a>,
    db: &'a Db,
    user_key: String,
    window: i64,
}

impl<'a> CodeThrottle<'a> {
    fn new(db: &'a Db, settings: &'a Settings, user: &UserRow, client: &str) -> Self {
        CodeThrottle {
            login: LoginThrottle::new(db, settings, &user.email, client),
            db,
            user_key: format!("second_factor:user:{}", user.id),
            window: Limit::new(0, settings.login_window_secs).window,
        }
    }

    /// Refuses (429) or counts one code; the user's count is reserved before the check, so a
    /// burst from many addresses cannot pass the user's limit either.
    async fn admit(&self) -> Result<()> {
        self.login.admit().await?;
        let counted = rate_limits::hit(self.db, &self.user_key, self.window, now()).await?;
        if counted.count > i64::from(MAX_CODE_FAILURES_PER_USER) {
            self.login.passed_first_step().await?;
            tracing::warn!("second factor throttled: the user's limit is reached");
            return Err(Error::TooManyRequests {
                retry_after: (counted.window_start + self.window - now()).max(1) as u64,
            });
        }
        Ok(())
    }

    async fn failed(&self, challenge_hash: &str) -> Result<()> {
        self.login.failed().await?;
        store::challenge_failed(self.db, challenge_hash, MAX_FAILURES_PER_CHALLENGE).await?;
        Ok(())
    }

    async fn succeeded(&self) -> Result<()> {
        self.login.succeeded().await?;
        rate_limits::take_back(self.db, &self.user_key).await?;
        Ok(())
    }

    /// Takes an admitted attempt back whose code was never checked (the challenge went away
    /// meanwhile): it is no failure.
    async fn not_tried(&self) -> Result<()> {
        self.login.passed_first_step().await?;
        rate_limits::take_back(self.db, &self.user_key).await?;
        Ok(())
    }
}

/// The actor a user is while finishing their own login (for the audit trail).
fn as_actor(user: &UserRow) -> Actor {
    Actor {
        account_id: user.account_id,
        user_id: Some(user.id),
        role: user.role(),
        name: user.email.clone(),
        session_id: None,
    }
}

/// How a code fared against a user's confirmed factor.
enum Used {
    Code,
    RecoveryCode,
    Wrong,
    Reused,
    ChallengeGone,
}

/// Checks `code` against `user`'s confirmed factor in `tx`, using it up when it is right.
async fn check_code(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user: &UserRow,
    factor: &FactorRow,
    code: &str,
    now: i64,
) -> Result<Used> {
    Ok(match Code::parse(code) {
        Code::Totp(code) => match totp::check(&factor.secret, &code, now) {
            None => Used::Wrong,
            Some(step) if store::claim_step(&mut **tx, user.id, step).await? => Used::Code,
            Some(_) => Used::Reused,
        },
        Code::Recovery(code) => {
            let hash = totp::recovery_hash(&code);
            if !store::use_recovery_code(&mut **tx, user.id, &hash, now).await? {
                return Ok(Used::Wrong);
            }
            let left = store::recovery_codes_left(&mut **tx, user.id).await?;
            let detail = format!("{left} recovery codes left");
            let entry = AuditEntry::one("me.recovery_code_used", &user.email, &detail);
            audit::record(&mut **tx, as_actor(user).author(), entry).await?;
            Used::RecoveryCode
        }
        Code::Malformed => Used::Wrong,
    })
}

/// Uses up the challenge and the code in one transaction: both are used, or neither (a wrong
/// code leaves the challenge for another try).
async fn use_code(
    db: &Db,
    token_hash: &str,
    user: &UserRow,
    factor: &FactorRow,
    code: &str,
) -> Result<Used> {
    let now = now();
    let mut tx = db.begin_write().await?;
    if !store::take_challenge(&mut *tx, token_hash, now).await? {
        return Ok(Used::ChallengeGone);
    }
    let used = check_code(&mut tx, user, factor, code, now).await?;
    if matches!(used, Used::Code | Used::RecoveryCode) {
        tx.commit().await?;
    }
    Ok(used)
}

/// The second step of a login: the challenge and a code (or a recovery code) open the session.
#[tracing::instrument(skip_all, fields(client = %client))]
pub async fn login(
    db: &Db,
    tokens: &Tokens,
    settings: &Settings,
    challenge_token: &str,
    code: &str,
    client: &str,
) -> Result<LoginResponse> {
    let (token_hash, user) = challenge(db, challenge_token, false).await?;
    let throttle = CodeThrottle::new(db, settings, &user, client);
    throttle.admit().await?;
    let factor = store::find(&db.pool, user.id)
        .await?
        .filter(|f| f.confirmed_at.is_some());
    let Some(factor) = factor else {
        // Reset since the password step: the login starts again.
        throttle.not_tried().await?;
        return Err(invalid_challenge());
    };
    match use_code(db, &token_hash, &user, &factor, code).await? {
        Used::Code | Used::RecoveryCode => {
            throttle.succeeded().await?;
            sessions::open(db, tokens, &user).await
        }
        Used::ChallengeGone => {
            throttle.not_tried().await?;
            Err(invalid_challenge())
        }
        Used::Wrong => {
            throttle.failed(&token_hash).await?;
            tracing::info!(user_id = user.id, "second factor: wrong code");
            Err(invalid_code())
        }
        Used::Reused => {
            throttle.failed(&token_hash).await?;
            tracing::info!(user_id = user.id, "second factor: a used code again");
            Err(code_already_used())
        }
    }
}

/// Starts (or restarts) setting up `user`'s authenticator: a new secret, its otpauth URL and
/// QR code. 409 when the user has a confirmed one.
async fn begin(db: &Db, user: &UserRow) -> Result<SecondFactorEnrolment> {
    let secret = totp::new_secret();
    if !store::start(&db.pool, user.id, &secret, now()).await? {
        return Err(already_enabled());
    }
    let otpauth_url = totp::otpauth_url(&secret, &user.email)?;
    let qr_svg = totp::qr_svg(&otpauth_url)?;
    Ok(SecondFactorEnrolment {
        secret,
        otpauth_url,
        qr_svg,
    })
}

/// Checks `code` against `user`'s enrolment in progress: its secret and the code's step.
async fn pending_code(db: &Db, user: &UserRow, code: &str) -> Result<Option<(String, i64)>> {
    let pending = store::find(&db.pool, user.id)
        .await?
        .filter(|f| f.confirmed_at.is_none())
        .ok_or_else(|| {
            Error::conflict("no_enrolment", "Start setting up two-factor login first.")
        })?;
    let Code::Totp(code) = Code::parse(code) else {
        return Ok(None);
    };
    Ok(totp::check(&pending.secret, &code, now()).map(|step| (pending.secret, step)))
}

/// Confirms an enrolment in `tx` and stores fresh recovery codes; answers them (shown once).
async fn finish_enrolment(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user: &UserRow,
    actor: &Actor,
    (secret, step): (String, i64),
) -> Result<Vec<String>> {
    if !store::confirm(&mut **tx, user.id, &secret, step, now()).await? {
        return Err(Error::conflict(
            "no_enrolment",
            "Setting up two-factor login was restarted or finished elsewhere.",
        ));
    }
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| totp::recovery_hash(&c.replace('-', "")))
        .collect();
    store::replace_recovery_codes(tx, user.id, &hashes).await?;
    let entry = AuditEntry::one("me.second_factor_enable", &user.email, "");
    audit::record(&mut **tx, actor.author(), entry).await?;
    Ok(codes)
}

/// Setting up a required second factor during a login: the enrolment challenge starts it.
#[tracing::instrument(skip_all)]
pub async fn begin_at_login(db: &Db, challenge_token: &str) -> Result<SecondFactorEnrolment> {
    let (_, user) = challenge(db, challenge_token, true).await?;
    begin(db, &user).await
}

/// Setting up a required second factor during a login: the challenge and a code from the
/// new app confirm it and open the session.
#[tracing::instrument(skip_all, fields(client = %client))]
pub async fn confirm_at_login(
    db: &Db,
    tokens: &Tokens,
    settings: &Settings,
    challenge_token: &str,
    code: &str,
    client: &str,
) -> Result<EnrolledLogin> {
    let (token_hash, user) = challenge(db, challenge_token, true).await?;
    let throttle = CodeThrottle::new(db, settings, &user, client);
    throttle.admit().await?;
    let proof = match pending_code(db, &user, code).await {
        Ok(Some(proof)) => proof,
        Ok(None) => {
            throttle.failed(&token_hash).await?;
            return Err(invalid_code());
        }
        Err(e) => {
            throttle.not_tried().await?;
            return Err(e);
        }
    };
    let mut tx = db.begin_write().await?;
    if !store::take_challenge(&mut *tx, &token_hash, now()).await? {
        drop(tx);
        throttle.not_tried().await?;
        return Err(invalid_challenge());
    }
    let recovery_codes = finish_enrolment(&mut tx, &user, &as_actor(&user), proof).await?;
    tx.commit().await?;
    throttle.succeeded().await?;
    // Read again: the session's user record now shows the second factor.
    let user = users::find_by_id(db, user.id)
        .await?
        .ok_or_else(invalid_challenge)?;
    let login = sessions::open(db, tokens, &user).await?;
    Ok(EnrolledLogin {
        login,
        recovery_codes,
    })
}
