//! API keys of an account: listed, created and revoked by its Super Users.
//!
//! The credential (the secret's shape, its lookup on each request) is `auth::api_key`'s; who
//! may hold which key is decided here. Only Super Users manage keys, and only from a session
//! (the routes take a `SessionUser`): a key cannot mint other keys. A Super User may create a
//! key of any role up to their own, so a key never has more than its creator.

use rcs_shared::{ApiKey, ApiKeyCreated, ApiKeyRole, NewApiKey};

use super::Actor;
use crate::auth::api_key;
use crate::db::api_keys::{self, NewKeyRow};
use crate::db::audit::{self, AuditEntry};
use crate::db::{now, rfc3339, Db};
use crate::error::{Error, Result, ResultExt};

/// Longest key name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// A key name: trimmed, 1 to 64 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyName(String);

impl KeyName {
    pub fn parse(input: &str) -> Result<KeyName> {
        let name = input.trim();
        let len = name.chars().count();
        if len == 0 || len > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(Error::unprocessable(
                "invalid_key_name",
                format!(
                    "Name must be 1 to {MAX_NAME_CHARS} characters, without control characters."
                ),
            ));
        }
        Ok(KeyName(name.to_string()))
    }
}

/// An expiry: an RFC 3339 time in the future, as Unix seconds.
fn parse_expiry(input: Option<&str>, now: i64) -> Result<Option<i64>> {
    let Some(text) = input.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let invalid = |message: &str| Error::unprocessable("invalid_expiry", message.to_string());
    let at = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|_| invalid("Expires must be an RFC 3339 time, e.g. 2027-06-30T00:00:00Z."))?
        .unix_timestamp();
    if at <= now {
        return Err(invalid("Expires must be in the future."));
    }
    Ok(Some(at))
}

/// Whether an actor of `role` may hold a key of `wanted`: never more than the creator.
fn within(actor: &Actor, wanted: ApiKeyRole) -> bool {
    match wanted {
        ApiKeyRole::SuperUser => actor.role == rcs_shared::Role::SuperUser,
        // Keys belong to accounts; an operator has none to give one to.
        ApiKeyRole::User | ApiKeyRole::ReadOnly => actor.role != rcs_shared::Role::Operator,
    }
}

fn key_not_found() -> Error {
    Error::not_found("api_key_not_found", "No such API key in this account.")
}

/// The account's keys, live ones first; never a secret.
#[tracing::instrument(skip_all)]
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<ApiKey>> {
    actor.require_super_user()?;
    let rows = api_keys::list(db, actor.account_id).await?;
    Ok(rows.iter().map(|r| r.to_dto()).collect())
}

/// Creates a key and its audit entry, and answers its secret: the only time it is shown. A
/// name taken by a live key is a 409 decided by the unique index.
#[tracing::instrument(skip_all)]
pub async fn create(db: &Db, actor: &Actor, new: &NewApiKey) -> Result<ApiKeyCreated> {
    actor.require_super_user()?;
    let name = KeyName::parse(&new.name)?;
    let now = now();
    let expires_at = parse_expiry(new.expires_at.as_deref(), now)?;
    if !within(actor, new.role) {
        return Err(Error::Forbidden);
    }
    let secret = api_key::generate();
    let mut tx = db.begin_write().await?;
    let row = NewKeyRow {
        account_id: actor.account_id,
        name: &name.0,
        role: new.role.as_str(),
        prefix: &secret.prefix,
        secret_hash: &secret.hash,
        created_by_user_id: actor.user_id,
        created_by: &actor.name,
        created_at: now,
        expires_at,
    };
    let id = api_keys::insert(&mut *tx, &row)
        .await
        .on_unique_violation(|| {
            Error::conflict(
                "api_key_name_taken",
                format!("A live API key is already named {:?}.", name.0),
            )
        })?;
    let expiry = expires_at.map_or("no expiry".to_string(), |e| {
        format!("expires {}", rfc3339(e))
    });
    let detail = format!("{}; {expiry}", new.role.label());
    let entry = AuditEntry::one("api_key.create", &name.0, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    let key = api_keys::find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(key_not_found)?;
    tx.commit().await?;
    tracing::info!(key_id = id, "API key created");
    Ok(ApiKeyCreated {
        key: key.to_dto(),
        secret: secret.secret,
    })
}

/// Revokes a key of the actor's account: from the next request on, on every node, it is
/// refused. Revoking a revoked key changes nothing (and is not audited again); another
/// account's key is a 404, as if it did not exist.
#[tracing::instrument(skip(db, actor))]
pub async fn revoke(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    actor.require_super_user()?;
    let mut tx = db.begin_write().await?;
    let key = api_keys::find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(key_not_found)?;
    if api_keys::revoke(&mut *tx, actor.account_id, id, now()).await? {
        let entry = AuditEntry::one("api_key.revoke", &key.name, &key.prefix);
        audit::record(&mut *tx, actor.author(), entry).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(KeyName::parse("  sync ").unwrap().0, "sync");
        assert!(KeyName::parse("  ").is_err());
        assert!(KeyName::parse(&"x".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert!(KeyName::parse("a\nb").is_err());
    }

    #[test]
    fn an_expiry_is_a_future_rfc3339_time() {
        assert_eq!(parse_expiry(None, 0).unwrap(), None);
        assert_eq!(parse_expiry(Some(""), 0).unwrap(), None);
        assert_eq!(
            parse_expiry(Some("1970-01-01T00:01:40Z"), 0).unwrap(),
            Some(100)
        );
        assert!(parse_expiry(Some("1970-01-01T00:01:40Z"), 100).is_err());
        assert!(parse_expiry(Some("tomorrow"), 0).is_err());
    }
}
