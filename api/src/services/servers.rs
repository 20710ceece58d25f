//! Configuration servers: creating, renaming, deleting (with what happens to their phones).
//!
//! Any user of the account may manage servers. Each change runs in one transaction with its
//! audit entry; a taken name is decided by the database's unique constraint, and a server
//! still in use by a count taken once the server's row is locked, so two concurrent requests
//! cannot both slip past a check (see [`delete`]).

use rcs_shared::{NewServer, Server, ServerPatch};

use super::constraints::ForeignKeyExt;
use super::Actor;
use crate::db::audit::{self, AuditEntry};
use crate::db::phones::{self, Named};
use crate::db::servers::{self, ServerRow};
use crate::db::{now, Db, LockFor};
use crate::domain::{ServerName, ServerUrl};
use crate::error::{Error, Result, ResultExt};
use crate::services::accounts;

/// What to do with the phones of a server being deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnAssignedPhones {
    /// Refuse (409) while any phone uses the server.
    Refuse,
    /// Move them to this other server of the same account.
    ReassignTo(i64),
    /// Leave them unaffiliated.
    Unassign,
}

fn name_taken(name: &str) -> Error {
    Error::conflict(
        "server_name_taken",
        format!("A server named \"{name}\" already exists."),
    )
}

pub fn server_not_found() -> Error {
    Error::not_found("server_not_found", "No such server.")
}

fn server_in_use(count: i64) -> Error {
    let message = if count == 1 {
        "1 phone uses this server. Reassign or unassign it first.".to_string()
    } else {
        format!("{count} phones use this server. Reassign or unassign them first.")
    };
    Error::conflict("server_in_use", message)
}

/// The account's servers, by name, with their phone counts.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Server>> {
    let rows = servers::list(&db.pool, actor.account_id).await?;
    Ok(rows.iter().map(ServerRow::to_dto).collect())
}

/// One server of the account.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Server> {
    let row = servers::find(&db.pool, actor.account_id, id)
        .await?
        .ok_or_else(server_not_found)?;
    Ok(row.to_dto())
}

/// Creates a server and its audit entry; a taken name is a 409 decided by the UNIQUE
/// constraint, so two concurrent creations cannot both succeed.
#[tracing::instrument(skip(db, actor, new))]
pub async fn create(db: &Db, actor: &Actor, new: &NewServer) -> Result<Server> {
    let name = ServerName::parse(&new.name)?;
    let url = ServerUrl::parse(&new.url)?;
    let mut tx = db.begin_write().await?;
    let id = servers::insert(
        &mut *tx,
        actor.account_id,
        name.as_str(),
        url.as_str(),
        now(),
    )
    .await
    .on_unique_violation(|| name_taken(name.as_str()))?;
    let entry = AuditEntry::one("server.create", name.as_str(), url.as_str());
    audit::record(&mut *tx, actor.author(), entry).await?;
    let row = servers::find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(server_not_found)?;
    tx.commit().await?;
    Ok(row.to_dto())
}

/// Changes the name and/or URL of a server of the actor's account; absent fields stay.
#[tracing::instrument(skip(db, actor, patch))]
pub async fn update(db: &Db, actor: &Actor, id: i64, patch: &ServerPatch) -> Result<Server> {
    let name = patch.name.as_deref().map(ServerName::parse).transpose()?;
    let url = patch.url.as_deref().map(ServerUrl::parse).transpose()?;
    let mut tx = db.begin_write().await?;
    let old = servers::find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(server_not_found)?;
    let new_name = name.as_ref().map_or(old.name.as_str(), ServerName::as_str);
    let new_url = url.as_ref().map_or(old.url.as_str(), ServerUrl::as_str);
    servers::update(&mut *tx, actor.account_id, id, new_name, new_url, now())
        .await
        .on_unique_violation(|| name_taken(new_name))?;
    let detail = describe_changes(&old, new_name, new_url);
    let entry = AuditEntry::one("server.update", new_name, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    let row = servers::find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(server_not_found)?;
    tx.commit().await?;
    Ok(row.to_dto())
}

/// `name: "a" -> "b"; url: ...` for the audit trail, or `no change`.
fn describe_changes(old: &ServerRow, name: &str, url: &str) -> String {
    let mut changes = Vec::new();
    if old.name != name {
        changes.push(format!("name: {:?} -> {:?}", old.name, name));
    }
    if old.url != url {
        changes.push(format!("url: {:?} -> {:?}", old.url, url));
    }
    audit::describe(changes)
}

/// Deletes a server of the actor's account, first dealing with the phones assigned to it
/// as `on_phones` says, all in one transaction: either the phones are moved and the server is
/// gone, or nothing changed.
///
/// The server (and a reassign target) is locked before its phones are counted: a write that
/// is pointing phones at it has committed by then, and its phones are counted and moved, or
/// waits and then finds the server gone ([`phones::lock_row`]; PostgreSQL keeps no foreign
/// key on the phones' references). The account row is locked before them, and the two rows
/// in the order of their ids, so neither the account's deletion nor two servers deleted into
/// each other can deadlock with it.
#[tracing::instrument(skip(db, actor))]
pub async fn delete(db: &Db, actor: &Actor, id: i64, on_phones: OnAssignedPhones) -> Result<()> {
    let account_id = actor.account_id;
    let mut tx = db.begin_write().await?;
    // The account first, as every phone write and the account's own deletion lock it first:
    // a delete that held the server while the account's deletion held its phones would
    // deadlock with it.
    accounts::lock_for_phones(&mut tx, account_id).await?;
    let mut locks = vec![(id, LockFor::Delete)];
    if let OnAssignedPhones::ReassignTo(target) = on_phones {
        if target != id {
            locks.push((target, LockFor::Reference));
        }
    }
    locks.sort_by_key(|&(row, _)| row);
    for (row, purpose) in locks {
        phones::lock_row(&mut tx, Named::Servers, account_id, row, purpose).await?;
    }
    let server = servers::find(&mut *tx, account_id, id)
        .await?
        .ok_or_else(server_not_found)?;
    let in_use = server.phone_count;
    // A bad reassign_to is refused even when no phone needs it: the caller's intent is wrong.
    let detail = match on_phones {
        OnAssignedPhones::ReassignTo(target) => {
            let target = servers::find(&mut *tx, account_id, target)
                .await?
                .filter(|t| t.id != id)
                .ok_or_else(|| {
                    Error::unprocessable(
                        "invalid_reassign_to",
                        "reassign_to must be another server of your account.",
                    )
                })?;
            let moved =
                servers::move_phones(&mut *tx, account_id, id, Some(target.id), now()).await?;
            format!("{moved} phones reassigned to {:?}", target.name)
        }
        _ if in_use == 0 => String::new(),
        OnAssignedPhones::Refuse => return Err(server_in_use(in_use)),
        OnAssignedPhones::Unassign => {
            let moved = servers::move_phones(&mut *tx, account_id, id, None, now()).await?;
            format!("{moved} phones unassigned")
        }
    };
    let deleted = servers::delete(&mut *tx, account_id, id)
        .await
        // SQLite's foreign key (its write transactions take turns, so this is a backstop).
        .on_foreign_key_violation(|| server_in_use(in_use.max(1)))?;
    if deleted == 0 {
        return Err(server_not_found());
    }
    let entry = AuditEntry::one("server.delete", &server.name, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    Ok(())
}
