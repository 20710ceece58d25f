//! Users: a Super User adding, changing and deleting the users of their account; a user's own
//! preferences and password; the step of a password reset that sets the new password; and the
//! password policy all of them (and the CLI) share.
//!
//! Changes run in one transaction with their audit entry and with the ending of sessions
//! they imply. Role changes and deletions first lock the account row, so two Super Users
//! demoting each other at once cannot leave the account without one.

use rcs_shared::{NewUser, ProfilePatch, Role, User, UserPatch};

use super::Actor;
use crate::db::audit::{self, AuditEntry};
use crate::db::users::{self, Fields, Profile, UserRow};
use crate::db::{now, password_resets, sessions, Db};
use crate::domain::{Address, Email, NewPassword, PasswordHash, PersonName, PhoneNumber};
use crate::error::{Error, Result, ResultExt};

/// Parses a new password against the policy (422 `invalid_password`) and hashes it on the
/// blocking pool: argon2 takes tens of milliseconds of CPU an async worker must not spend.
pub async fn hash_new_password(input: &str) -> Result<PasswordHash> {
    let password =
        NewPassword::parse(input).map_err(|m| Error::unprocessable("invalid_password", m))?;
    crate::domain::password::hash(password)
        .await
        .map_err(Error::Internal)
}

pub fn user_not_found() -> Error {
    Error::not_found("user_not_found", "No such user.")
}

fn last_super_user() -> Error {
    Error::conflict(
        "last_super_user",
        "This is the account's last Super User. Make someone else a Super User first.",
    )
}

/// The users of the actor's account, by username (Super User only).
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<User>> {
    actor.require_super_user()?;
    let rows = users::list_in_account(db, actor.account_id).await?;
    Ok(rows.iter().map(UserRow::to_dto).collect())
}

/// One user of the actor's account (Super User only); users of other accounts are 404.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<User> {
    actor.require_super_user()?;
    let row = users::find_in_account(db, actor.account_id, id)
        .await?
        .ok_or_else(user_not_found)?;
    Ok(row.to_dto())
}

/// A user just added, with the token of their invitation link when they were invited rather
/// than given a password (for the mail only: the database keeps its hash).
pub struct Created {
    pub user: User,
    pub invitation: Option<String>,
}

/// Refuses (422 `invalid_role`) the operator role for an account's staff: operators are made
/// by the platform (`rcs operator add`), never by an account.
fn staff_role(role: Role) -> Result<()> {
    match role {
        Role::User | Role::SuperUser => Ok(()),
        Role::Operator => Err(Error::unprocessable(
            "invalid_role",
            "The role must be user or super_user.",
        )),
    }
}

/// Adds a user to the actor's account (Super User only). Usernames are unique platform-wide:
/// a taken one is a 409 decided by the UNIQUE constraint.
///
/// Without a password the user is invited: their password is a random one nobody knows, and
/// a single-use link (valid `invitation_ttl_secs`, stored as its hash in the same transaction)
/// lets them choose their own, so no Super User ever types or sees it.
#[tracing::instrument(skip(db, actor, new), fields(account_id = actor.account_id))]
pub async fn create(
    db: &Db,
    actor: &Actor,
    new: &NewUser,
    invitation_ttl_secs: u64,
) -> Result<Created> {
    actor.require_super_user()?;
    staff_role(new.role)?;
    let email = Email::parse(&new.email).map_err(|m| Error::unprocessable("invalid_email", m))?;
    let name = PersonName::parse(&new.name)?;
    let hash = match &new.password {
        Some(password) => hash_new_password(password).await?,
        None => crate::domain::password::hash(NewPassword::generate().0)
            .await
            .map_err(Error::Internal)?,
    };
    let mut tx = db.begin_write().await?;
    let id = users::insert(
        &mut *tx,
        actor.account_id,
        email.as_str(),
        new.role,
        &hash.0,
        now(),
    )
    .await
    .on_unique_violation(|| {
        Error::conflict(
            "username_taken",
            format!("The username {email} is already in use."),
        )
    })?;
    users::set_name(&mut *tx, id, name.as_str()).await?;
    let invitation = match new.password {
        Some(_) => None,
        None => Some(store_invitation(&mut tx, id, invitation_ttl_secs).await?),
    };
    let detail = match invitation {
        Some(_) => format!("{}, invited by mail", new.role.label()),
        None => new.role.label().to_string(),
    };
    let entry = AuditEntry::one("user.create", email.as_str(), &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    let row = users::find_in(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(user_not_found)?;
    tx.commit().await?;
    Ok(Created {
        user: row.to_dto(),
        invitation,
    })
}

/// Sends a user of the actor's account a new invitation (Super User only): a fresh
/// single-use link to choose a password, replacing any earlier link. Their current password
/// keeps working until the link is used. Answers the user and the link's token.
#[tracing::instrument(skip(db, actor), fields(account_id = actor.account_id))]
pub async fn invite_again(
    db: &Db,
    actor: &Actor,
    id: i64,
    invitation_ttl_secs: u64,
) -> Result<Created> {
    actor.require_super_user()?;
    let mut tx = db.begin_write().await?;
    let row = users::find_in(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(user_not_found)?;
    let token = store_invitation(&mut tx, id, invitation_ttl_secs).await?;
    let entry = AuditEntry::one("user.invite", &row.email, "invitation mail sent");
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    Ok(Created {
        user: row.to_dto(),
        invitation: Some(token),
    })
}

/// Stores a new set-password link for `user_id` (replacing an older one) and answers its
/// token.
pub(crate) async fn store_invitation(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: i64,
    ttl_secs: u64,
) -> Result<String> {
    let (token, hash) = crate::auth::password_reset::new_token();
    let now = now();
    let ttl = i64::try_from(ttl_secs).unwrap_or(i64::MAX / 4);
    password_resets::replace(&mut **tx, user_id, &hash, now, now.saturating_add(ttl)).await?;
    Ok(token)
}

/// What a Super User changes about a user, parsed. `None` leaves a field as it is.
struct Changes {
    role: Option<Role>,
    name: Option<PersonName>,
    password_hash: Option<PasswordHash>,
}

/// Changes a user of the actor's account (Super User only). Usernames never change (422
/// `username_immutable`). A new role or password ends the user's sessions (except the
/// actor's own, when they change themselves); demoting the last Super User is a 409.
#[tracing::instrument(skip(db, actor, patch), fields(account_id = actor.account_id))]
pub async fn update(db: &Db, actor: &Actor, id: i64, patch: &UserPatch) -> Result<User> {
    actor.require_super_user()?;
    if patch.email.is_some() {
        return Err(Error::unprocessable(
            "username_immutable",
            "The username (email) cannot be changed. Add a new user instead.",
        ));
    }
    let name = patch.name.as_deref().map(PersonName::parse).transpose()?;
    let password_hash = match &patch.password {
        Some(p) => Some(hash_new_password(p).await?),
        None => None,
    };
    patch.role.map(staff_role).transpose()?;
    let changes = Changes {
        role: patch.role,
        name,
        password_hash,
    };
    apply(db, actor, id, changes).await
}

/// Writes `changes` to user `id` in one transaction, with the sessions they end and their
/// audit entry.
async fn apply(db: &Db, actor: &Actor, id: i64, changes: Changes) -> Result<User> {
    let mut tx = db.begin_write().await?;
    users::lock_account(&mut *tx, actor.account_id).await?;
    let old = users::find_in(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(user_not_found)?;
    let role = changes.role.unwrap_or(old.role());
    if old.role() == Role::SuperUser
        && role != Role::SuperUser
        && users::other_super_users(&mut *tx, actor.account_id, id).await? == 0
    {
        return Err(last_super_user());
    }
    let name = changes
        .name
        .as_ref()
        .map_or(old.name.as_str(), PersonName::as_str);
    let new_hash = changes.password_hash.as_ref().map(|h| h.0.as_str());
    let fields = Fields {
        role,
        name,
        password_hash: new_hash.unwrap_or(&old.password_hash),
    };
    users::update(&mut *tx, actor.account_id, id, &fields, now()).await?;
    let mut detail = Vec::new();
    if role != old.role() {
        detail.push(format!("role: {} -> {}", old.role().label(), role.label()));
    }
    if name != old.name {
        detail.push(format!("name: {:?} -> {:?}", old.name, name));
    }
    if new_hash.is_some() {
        detail.push("password changed".to_string());
    }
    if role != old.role() || new_hash.is_some() {
        let keep = actor.session_id.as_deref().unwrap_or_default();
        sessions::delete_for_user_except(&mut *tx, id, keep).await?;
    }
    if new_hash.is_some() {
        // A pending reset link must not undo the password just set.
        password_resets::delete_for_user(&mut *tx, id).await?;
    }
    let detail = detail.join("; ");
    let entry = AuditEntry::one("user.update", &old.email, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    let row = users::find_in(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(user_not_found)?;
    tx.commit().await?;
    Ok(row.to_dto())
}

/// Deletes a user of the actor's account and ends their sessions (Super User only). Nobody
/// deletes themselves (409 `cannot_delete_self`), and the last Super User stays (409
/// `last_super_user`).
#[tracing::instrument(skip(db, actor), fields(account_id = actor.account_id))]
pub async fn delete(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    actor.require_super_user()?;
    let mut tx = db.begin_write().await?;
    users::lock_account(&mut *tx, actor.account_id).await?;
    let user = users::find_in(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(user_not_found)?;
    if Some(user.id) == actor.user_id {
        return Err(Error::conflict(
            "cannot_delete_self",
            "You cannot delete yourself. Ask another Super User.",
        ));
    }
    if user.role() == Role::SuperUser
        && users::other_super_users(&mut *tx, actor.account_id, id).await? == 0
    {
        return Err(last_super_user());
    }
    sessions::delete_for_user(&mut *tx, id).await?;
    users::delete(&mut *tx, actor.account_id, id).await?;
    let entry = AuditEntry::one("user.delete", &user.email, user.role().label());
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    Ok(())
}

/// The actor's own user record; a session whose user is gone is no longer valid (401).
pub async fn me(db: &Db, actor: &Actor) -> Result<User> {
    let user_id = actor.user_id.ok_or_else(Error::invalid_token)?;
    let row = users::find_in_account(db, actor.account_id, user_id)
        .await?
        .ok_or_else(Error::invalid_token)?;
    Ok(row.to_dto())
}

/// The actor's preferences, parsed. `None` leaves a field as it is.
struct ProfileChanges {
    name: Option<PersonName>,
    address: Option<Address>,
    phone1: Option<PhoneNumber>,
    phone2: Option<PhoneNumber>,
}

impl ProfileChanges {
    fn parse(patch: &ProfilePatch) -> Result<ProfileChanges> {
        let phone = |p: &Option<String>, field| {
            p.as_deref()
                .map(|p| PhoneNumber::parse(p, field))
                .transpose()
        };
        Ok(ProfileChanges {
            name: patch.name.as_deref().map(PersonName::parse).transpose()?,
            address: patch.address.as_deref().map(Address::parse).transpose()?,
            phone1: phone(&patch.phone1, "Phone 1")?,
            phone2: phone(&patch.phone2, "Phone 2")?,
        })
    }
}

/// Changes the actor's own preferences; absent fields stay as they are.
#[tracing::instrument(skip_all, fields(account_id = actor.account_id))]
pub async fn update_profile(db: &Db, actor: &Actor, patch: &ProfilePatch) -> Result<User> {
    let changes = ProfileChanges::parse(patch)?;
    let user_id = actor.user_id.ok_or_else(Error::invalid_token)?;
    let mut tx = db.begin_write().await?;
    let old = users::find_in(&mut *tx, actor.account_id, user_id)
        .await?
        .ok_or_else(Error::invalid_token)?;
    let new = Profile {
        name: changes
            .name
            .as_ref()
            .map_or(old.name.as_str(), PersonName::as_str),
        address: changes
            .address
            .as_ref()
            .map_or(old.address.as_str(), Address::as_str),
        phone1: changes
            .phone1
            .as_ref()
            .map_or(old.phone1.as_str(), PhoneNumber::as_str),
        phone2: changes
            .phone2
            .as_ref()
            .map_or(old.phone2.as_str(), PhoneNumber::as_str),
    };
    users::update_profile(&mut *tx, actor.account_id, user_id, &new, now()).await?;
    let changed: Vec<&str> = [
        ("name", old.name.as_str(), new.name),
        ("address", old.address.as_str(), new.address),
        ("phone1", old.phone1.as_str(), new.phone1),
        ("phone2", old.phone2.as_str(), new.phone2),
    ]
    .into_iter()
    .filter(|(_, before, after)| before != after)
    .map(|(field, _, _)| field)
    .collect();
    let detail = changed.join(", ");
    let entry = AuditEntry::one("me.update", &old.email, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    let row = users::find_in(&mut *tx, actor.account_id, user_id)
        .await?
        .ok_or_else(Error::invalid_token)?;
    tx.commit().await?;
    Ok(row.to_dto())
}

/// Changes the actor's own password: the current one must be right (throttled like logins,
/// see [`super::sessions::check_current_password`]) and the new one must meet the policy.
/// Every other session of the actor ends; the one that made the change stays open.
#[tracing::instrument(skip_all, fields(account_id = actor.account_id))]
pub async fn change_own_password(
    db: &Db,
    settings: &crate::config::Settings,
    actor: &Actor,
    current: &str,
    new: &str,
) -> Result<()> {
    super::sessions::check_current_password(db, settings, actor, current).await?;
    let hash = hash_new_password(new).await?;
    let user_id = actor.user_id.ok_or_else(Error::invalid_token)?;
    let mut tx = db.begin_write().await?;
    users::set_password(&mut *tx, actor.account_id, user_id, &hash.0, now()).await?;
    let keep = actor.session_id.as_deref().unwrap_or_default();
    let ended = sessions::delete_for_user_except(&mut *tx, user_id, keep).await?;
    password_resets::delete_for_user(&mut *tx, user_id).await?;
    let detail = format!("{ended} other sessions ended");
    let entry = AuditEntry::one("me.password", &actor.name, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    Ok(())
}

/// The answer for a reset link that is unknown, expired, replaced or used.
pub fn invalid_reset_link() -> Error {
    Error::bad_request(
        "invalid_reset_link",
        "This password reset link is no longer valid. Ask for a new one.",
    )
}

/// Sets a new password with the reset link whose token hashes to `token_hash`, and returns
/// its user.
///
/// The link is checked before the password is hashed, so junk tokens cost one indexed
/// lookup, not argon2 work; a password that breaks the policy leaves the link usable. Then,
/// in one transaction: the link is used up, the password set, every session of the user ended
/// (whoever held the old password or a stolen token is logged out) and the change recorded.
#[tracing::instrument(skip_all)]
pub async fn reset_password(db: &Db, token_hash: &str, new_password: &str) -> Result<User> {
    if password_resets::find_user(db, token_hash, now())
        .await?
        .is_none()
    {
        return Err(invalid_reset_link());
    }
    let hash = hash_new_password(new_password).await?;
    let now = now();
    let mut tx = db.begin_write().await?;
    let user_id = password_resets::take(&mut *tx, token_hash, now)
        .await?
        .ok_or_else(invalid_reset_link)?;
    let account_id = users::set_password_by_id(&mut *tx, user_id, &hash.0, now)
        .await?
        .ok_or_else(invalid_reset_link)?;
    let user = users::find_in(&mut *tx, account_id, user_id)
        .await?
        .ok_or_else(invalid_reset_link)?;
    let ended = sessions::delete_for_user(&mut *tx, user_id).await?;
    // The user acts on their own account here; the trail names them as the actor.
    let actor = Actor {
        account_id,
        user_id: Some(user_id),
        role: user.role(),
        name: user.email.clone(),
        session_id: None,
    };
    let detail = format!("reset by emailed link; {ended} sessions ended");
    let entry = AuditEntry::one("me.password_reset", &user.email, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    Ok(user.to_dto())
}
