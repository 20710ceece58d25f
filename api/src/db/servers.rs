//! Configuration servers of an account, with how many phones each one serves.
//!
//! Every query is scoped by `account_id`: another account's server is simply not found.

use rcs_shared::Server;
use sqlx::{Any, Executor, FromRow};

use super::audit::{self, AuditEntry};
use super::{now, rfc3339, Db};
use crate::auth::AuthUser;
use crate::domain::{ServerName, ServerUrl};
use crate::error::{Error, Result, ResultExt};

#[derive(Debug, Clone, FromRow)]
pub struct ServerRow {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub phone_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ServerRow {
    pub fn to_dto(&self) -> Server {
        Server {
            id: self.id,
            name: self.name.clone(),
            url: self.url.clone(),
            phone_count: self.phone_count,
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
        }
    }
}

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

const SELECT_SERVER: &str = "SELECT s.id, s.name, s.url, \
     (SELECT COUNT(*) FROM phones p WHERE p.account_id = s.account_id AND p.server_id = s.id) \
       AS phone_count, \
     s.created_at, s.updated_at FROM servers s";

fn name_taken(name: &str) -> Error {
    Error::conflict(
        "server_name_taken",
        format!("A server named \"{name}\" already exists."),
    )
}

pub fn server_not_found() -> Error {
    Error::not_found("server_not_found", "No such server.")
}

#[tracing::instrument(skip(db))]
pub async fn list(db: &Db, account_id: i64) -> sqlx::Result<Vec<ServerRow>> {
    sqlx::query_as(&format!(
        "{SELECT_SERVER} WHERE s.account_id = $1 ORDER BY s.name, s.id"
    ))
    .bind(account_id)
    .fetch_all(&db.pool)
    .await
}

pub async fn find<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    id: i64,
) -> sqlx::Result<Option<ServerRow>> {
    sqlx::query_as(&format!(
        "{SELECT_SERVER} WHERE s.account_id = $1 AND s.id = $2"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(exec)
    .await
}

/// Creates a server and its audit entry; a taken name is a 409 decided by the UNIQUE
/// constraint, so two concurrent creations cannot both succeed.
#[tracing::instrument(skip(db, actor))]
pub async fn create(
    db: &Db,
    actor: &AuthUser,
    name: &ServerName,
    url: &ServerUrl,
) -> Result<ServerRow> {
    let now = now();
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO servers (account_id, name, url, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(actor.account_id)
    .bind(name.as_str())
    .bind(url.as_str())
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .on_unique_violation(|| name_taken(name.as_str()))?;
    let entry = AuditEntry::one("server.create", name.as_str(), url.as_str());
    audit::record(&mut *tx, actor.author(), entry).await?;
    let row = find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(server_not_found)?;
    tx.commit().await?;
    Ok(row)
}

/// Changes the name and/or URL of a server of the caller's account.
#[tracing::instrument(skip(db, actor))]
pub async fn update(
    db: &Db,
    actor: &AuthUser,
    id: i64,
    name: Option<&ServerName>,
    url: Option<&ServerUrl>,
) -> Result<ServerRow> {
    let mut tx = db.begin_write().await?;
    let old = find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(server_not_found)?;
    let new_name = name.map_or(old.name.as_str(), ServerName::as_str);
    let new_url = url.map_or(old.url.as_str(), ServerUrl::as_str);
    sqlx::query(
        "UPDATE servers SET name = $1, url = $2, updated_at = $3 WHERE account_id = $4 AND id = $5",
    )
    .bind(new_name)
    .bind(new_url)
    .bind(now())
    .bind(actor.account_id)
    .bind(id)
    .execute(&mut *tx)
    .await
    .on_unique_violation(|| name_taken(new_name))?;
    let detail = describe_changes(&old, new_name, new_url);
    let entry = AuditEntry::one("server.update", new_name, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    let row = find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(server_not_found)?;
    tx.commit().await?;
    Ok(row)
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

/// Deletes a server of the caller's account, first dealing with the phones assigned to it
/// as `on_phones` says, all in one transaction: either the phones are moved and the server is
/// gone, or nothing changed.
#[tracing::instrument(skip(db, actor))]
pub async fn delete(db: &Db, actor: &AuthUser, id: i64, on_phones: OnAssignedPhones) -> Result<()> {
    let account_id = actor.account_id;
    let mut tx = db.begin_write().await?;
    let server = find(&mut *tx, account_id, id)
        .await?
        .ok_or_else(server_not_found)?;
    let in_use = server.phone_count;
    // A bad reassign_to is refused even when no phone needs it: the caller's intent is wrong.
    let detail = match on_phones {
        OnAssignedPhones::ReassignTo(target) => {
            let target = find(&mut *tx, account_id, target)
                .await?
                .filter(|t| t.id != id)
                .ok_or_else(|| {
                    Error::unprocessable(
                        "invalid_reassign_to",
                        "reassign_to must be another server of your account.",
                    )
                })?;
            let moved = move_phones(&mut *tx, account_id, id, Some(target.id)).await?;
            format!("{moved} phones reassigned to {:?}", target.name)
        }
        _ if in_use == 0 => String::new(),
        OnAssignedPhones::Refuse => return Err(server_in_use(in_use)),
        OnAssignedPhones::Unassign => {
            let moved = move_phones(&mut *tx, account_id, id, None).await?;
            format!("{moved} phones unassigned")
        }
    };
    let deleted = sqlx::query("DELETE FROM servers WHERE account_id = $1 AND id = $2")
        .bind(account_id)
        .bind(id)
        .execute(&mut *tx)
        .await
        // A phone assigned between the count and the delete trips the foreign key.
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                server_in_use(in_use.max(1))
            }
            _ => Error::from(e),
        })?;
    if deleted.rows_affected() == 0 {
        return Err(server_not_found());
    }
    let entry = AuditEntry::one("server.delete", &server.name, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    Ok(())
}

fn server_in_use(count: i64) -> Error {
    let message = if count == 1 {
        "1 phone uses this server. Reassign or unassign it first.".to_string()
    } else {
        format!("{count} phones use this server. Reassign or unassign them first.")
    };
    Error::conflict("server_in_use", message)
}

/// Points every phone of server `from` at `to` (`None`: unaffiliated).
async fn move_phones<'e>(
    exec: impl Executor<'e, Database = Any>,
    account_id: i64,
    from: i64,
    to: Option<i64>,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE phones SET server_id = $1, updated_at = $2 WHERE account_id = $3 AND server_id = $4",
    )
    .bind(to)
    .bind(now())
    .bind(account_id)
    .bind(from)
    .execute(exec)
    .await?
    .rows_affected())
}
