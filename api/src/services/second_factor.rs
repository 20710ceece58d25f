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
        throttle.login.passed_first_step().await?;
        return Err(invalid_challenge());
    };
    match use_code(db, &token_hash, &user, &factor, code).await? {
        Used::Code | Used::RecoveryCode => {
            throttle.succeeded().await?;
            sessions::open(db, tokens, &user).await
        }
        Used::ChallengeGone => Err(invalid_challenge()),
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
    let Some(proof) = pending_code(db, &user, code).await? else {
        throttle.failed(&token_hash).await?;
        return Err(invalid_code());
    };
    let mut tx = db.begin_write().await?;
    if !store::take_challenge(&mut *tx, &token_hash, now()).await? {
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

/// The signed-in user's own record (401 when the session's user is gone).
async fn own_user(db: &Db, actor: &Actor) -> Result<UserRow> {
    let user_id = actor.user_id.ok_or_else(Error::invalid_token)?;
    users::find_in_account(db, actor.account_id, user_id)
        .await?
        .ok_or_else(Error::invalid_token)
}

/// Whether the actor's logins need a second factor, and whether they may turn it off.
pub async fn status(db: &Db, settings: &Settings, actor: &Actor) -> Result<SecondFactorStatus> {
    let user = own_user(db, actor).await?;
    Ok(SecondFactorStatus {
        enabled: user.second_factor > 0,
        required: required(db, settings, actor.account_id).await?,
        recovery_codes_left: store::recovery_codes_left(&db.pool, user.id).await?,
    })
}

/// Starts setting up the actor's second factor from their preferences; the password must be
/// right (throttled like logins).
#[tracing::instrument(skip_all, fields(account_id = actor.account_id))]
pub async fn begin_own(
    db: &Db,
    settings: &Settings,
    actor: &Actor,
    password: &str,
) -> Result<SecondFactorEnrolment> {
    sessions::check_current_password(db, settings, actor, password).await?;
    let user = own_user(db, actor).await?;
    begin(db, &user).await
}

/// Confirms the actor's enrolment with a code from the app; answers the recovery codes.
#[tracing::instrument(skip_all, fields(account_id = actor.account_id))]
pub async fn confirm_own(db: &Db, actor: &Actor, code: &str) -> Result<RecoveryCodes> {
    let user = own_user(db, actor).await?;
    let proof = pending_code(db, &user, code).await?.ok_or_else(|| {
        Error::unprocessable(
            "invalid_code",
            "The code is not correct. Check the time on your phone.",
        )
    })?;
    let mut tx = db.begin_write().await?;
    let recovery_codes = finish_enrolment(&mut tx, &user, actor, proof).await?;
    tx.commit().await?;
    Ok(RecoveryCodes { recovery_codes })
}

fn not_enabled() -> Error {
    Error::conflict(
        "second_factor_not_enabled",
        "Two-factor login is not on for this user.",
    )
}

/// Forgets `user`'s second factor in `tx`: the factor, its recovery codes and the user's
/// half-finished logins. `false` when the user had none.
async fn remove(tx: &mut sqlx::Transaction<'static, sqlx::Any>, user_id: i64) -> Result<bool> {
    let had = store::delete(tx, user_id).await?;
    store::delete_challenges(&mut **tx, user_id).await?;
    Ok(had)
}

/// Turns off the actor's second factor, with a current code (or a recovery code) or the
/// password; refused (409) while the account or platform requires one. Wrong codes count
/// against the user's limit.
#[tracing::instrument(skip_all, fields(account_id = actor.account_id))]
pub async fn disable_own(
    db: &Db,
    settings: &Settings,
    actor: &Actor,
    proof: &SecondFactorDisable,
) -> Result<()> {
    if required(db, settings, actor.account_id).await? {
        return Err(Error::conflict(
            "second_factor_required",
            "Two-factor login is required for your account; it cannot be turned off.",
        ));
    }
    let user = own_user(db, actor).await?;
    let factor = store::find(&db.pool, user.id)
        .await?
        .filter(|f| f.confirmed_at.is_some())
        .ok_or_else(not_enabled)?;
    let mut tx = match (&proof.code, &proof.password) {
        (Some(code), _) => {
            let limit = Limit::new(MAX_CODE_FAILURES_PER_USER, settings.login_window_secs);
            let key = format!("second_factor:user:{}", user.id);
            let now = now();
            limit.check(db, &key, now, "second factor").await?;
            let mut tx = db.begin_write().await?;
            if let Used::Wrong | Used::Reused =
                check_code(&mut tx, &user, &factor, code, now).await?
            {
                drop(tx);
                limit.hit(db, &key, now).await?;
                return Err(Error::unprocessable(
                    "invalid_code",
                    "The code is not correct.",
                ));
            }
            tx
        }
        (None, Some(password)) => {
            sessions::check_current_password(db, settings, actor, password).await?;
            db.begin_write().await?
        }
        (None, None) => {
            return Err(Error::unprocessable(
                "code_or_password_required",
                "Give a current code or your password to turn two-factor login off.",
            ))
        }
    };
    remove(&mut tx, user.id).await?;
    let entry = AuditEntry::one("me.second_factor_disable", &user.email, "");
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    Ok(())
}

/// A Super User (or the operator) resets a user's second factor, e.g. for a lost phone: it
/// is removed with its recovery codes, every session of the user ends, and the trail records
/// it. The user logs in with the password alone, or sets one up at once where it is
/// required. Nobody resets their own (409): they turn it off with a code in their preferences.
#[tracing::instrument(skip(db, actor), fields(account_id = actor.account_id))]
pub async fn reset(db: &Db, actor: &Actor, user_id: i64) -> Result<()> {
    actor.require_super_user()?;
    let mut tx = db.begin_write().await?;
    let user = users::find_in(&mut *tx, actor.account_id, user_id)
        .await?
        .ok_or_else(super::users::user_not_found)?;
    if Some(user.id) == actor.user_id {
        return Err(Error::conflict(
            "cannot_reset_own_second_factor",
            "You cannot reset your own second factor. Turn it off in your preferences, or ask \
             another Super User.",
        ));
    }
    if !remove(&mut tx, user.id).await? {
        return Err(Error::not_found(
            "second_factor_not_found",
            "This user has no second factor.",
        ));
    }
    let ended = session_rows::delete_for_user(&mut *tx, user.id).await?;
    let detail = format!("{ended} sessions ended");
    let entry = AuditEntry::one("user.second_factor_reset", &user.email, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    tracing::info!(user_id = user.id, "second factor reset");
    Ok(())
}

/// The operator (`rcs user reset-second-factor`) resets the second factor of the user named
/// `email`, acting in that user's account: the way back in when an account's only Super User
/// lost their phone and their recovery codes. Answers the account's name.
pub async fn reset_by_operator(db: &Db, email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    let user = users::find_by_email(db, &email)
        .await?
        .ok_or_else(super::users::user_not_found)?;
    reset(db, &Actor::operator(user.account_id), user.id).await?;
    Ok(user.account_name)
}
