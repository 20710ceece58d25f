//! A user's own second factor (status, set-up, turning it off) and resets by a Super User
//! or the operator.

use super::*;

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
        .ok_or_else(super::super::users::user_not_found)?;
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
        .ok_or_else(super::super::users::user_not_found)?;
    reset(db, &Actor::operator(user.account_id), user.id).await?;
    Ok(user.account_name)
}
