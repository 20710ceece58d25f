//! Statements on the phones a list filter selects, run where they are (never loading the
//! MACs), so a selection of 100,000 phones costs a few statements and flat memory: count,
//! lock, update, delete, and the MAC and vendor pages a pin check walks.
//!
//! Every statement is scoped by `account_id` first, then the filter, exactly as the list
//! builds its `WHERE` ([`Conditions::new`]), so what a user sees listed is what a
//! selection touches.

use rcs_shared::{PhoneChanges, PhoneSort, SortOrder};
use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryScalar};
use sqlx::{Any, AnyConnection};

use super::phone_list::{order_by, Conditions, Filter};
use super::phones::Arg;
use super::{Dialect, LockFor};

fn bind_scalar<'q, O>(
    mut q: QueryScalar<'q, Any, O, AnyArguments<'q>>,
    args: Vec<Arg>,
) -> QueryScalar<'q, Any, O, AnyArguments<'q>> {
    for arg in args {
        q = match arg {
            Arg::Int(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
        };
    }
    q
}

fn bind_query<'q>(
    mut q: Query<'q, Any, AnyArguments<'q>>,
    args: Vec<Arg>,
) -> Query<'q, Any, AnyArguments<'q>> {
    for arg in args {
        q = match arg {
            Arg::Int(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
        };
    }
    q
}

/// How many of the account's phones match `filter`: one `COUNT(*)` that the per-account
/// indexes answer (`(account_id, mac)`, or the filter's own `(account_id, column, mac)`), or
/// on SQLite, for a rare MAC fragment, the trigram index's candidates ([`Conditions::new`]).
pub async fn count<'e, E>(
    executor: E,
    dialect: Dialect,
    account_id: i64,
    filter: &Filter,
) -> sqlx::Result<u64>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let Conditions { args, wheres } = Conditions::new(account_id, filter, dialect);
    let sql = format!(
        "SELECT COUNT(*) FROM phones p WHERE {}",
        wheres.join(" AND ")
    );
    let n: i64 = bind_scalar(sqlx::query_scalar(&sql), args)
        .fetch_one(executor)
        .await?;
    Ok(n as u64)
}

/// [`count`], stopping at `limit + 1`: the list's `total` for a page, whose cost is then
/// bounded by the limit and not by the account's size (a million-phone account's full count
/// is a pass over a million index entries on every page).
///
/// The rows are counted in the order of the per-account index the filter pins, so that
/// index is the plan: the last-seen index for `seen` (its `IS NULL` / `IS NOT NULL` is a
/// range of it), otherwise MAC order, which `(account_id, mac)`, the filter's own
/// `(account_id, column, mac)` and the unaffiliated phones' partial index all give. Without
/// an order PostgreSQL may scan the table from its start, through every other account's
/// phones, before it finds the first of this account's (measured: 8 ms for a count that the
/// index answers in 3). On SQLite a rare MAC fragment's candidates come from the trigram
/// index instead, and are sorted (a few thousand at most, [`super::mac_search::plan_search`]).
pub async fn count_upto<'e, E>(
    executor: E,
    dialect: Dialect,
    account_id: i64,
    filter: &Filter,
    limit: u64,
) -> sqlx::Result<u64>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let sort = if filter.seen.is_some() {
        PhoneSort::LastSeen
    } else {
        PhoneSort::Mac
    };
    let Conditions { args, wheres } = Conditions::new(account_id, filter, dialect);
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM phones p WHERE {} ORDER BY {} LIMIT {}) upto",
        wheres.join(" AND "),
        order_by(sort, SortOrder::Asc, dialect),
        limit.saturating_add(1)
    );
    let n: i64 = bind_scalar(sqlx::query_scalar(&sql), args)
        .fetch_one(executor)
        .await?;
    Ok(n as u64)
}

/// The list's total on a reader of the pool: [`count_upto`] `limit`, or with `None` the exact
/// [`count`], in a transaction planned from the trigram index when the filter reads it
/// ([`super::mac_search::trigram_reader`]).
pub async fn count_read(
    db: &super::Db,
    account_id: i64,
    filter: &Filter,
    limit: Option<u64>,
) -> sqlx::Result<u64> {
    let dialect = db.dialect;
    let Some(mut tx) = super::mac_search::trigram_reader(db, filter).await? else {
        return match limit {
            Some(limit) => count_upto(&db.pool, dialect, account_id, filter, limit).await,
            None => count(&db.pool, dialect, account_id, filter).await,
        };
    };
    let n = match limit {
        Some(limit) => count_upto(&mut *tx, dialect, account_id, filter, limit).await?,
        None => count(&mut *tx, dialect, account_id, filter).await?,
    };
    tx.commit().await?;
    Ok(n)
}

/// [`count`], the matching rows locked until the transaction ends. On PostgreSQL they are
/// locked in MAC order, for the reason [`super::phones::lock_own`] gives (two overlapping bulk
/// edits queue instead of deadlocking); the locks are taken in a subquery, so no MAC leaves
/// the database. On SQLite the write transaction already holds the single write lock.
pub async fn lock_count(
    conn: &mut AnyConnection,
    account_id: i64,
    filter: &Filter,
    purpose: LockFor,
) -> sqlx::Result<u64> {
    let dialect = Dialect::of(conn);
    let Some(lock) = dialect.row_lock(purpose) else {
        return count(&mut *conn, dialect, account_id, filter).await;
    };
    let Conditions { args, wheres } = Conditions::new(account_id, filter, Dialect::of(conn));
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT p.mac FROM phones p WHERE {} ORDER BY p.mac {lock}) s",
        wheres.join(" AND ")
    );
    let n: i64 = bind_scalar(sqlx::query_scalar(&sql), args)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n as u64)
}

/// Applies `changes` to every phone of the account matching `filter`, in one statement;
/// returns how many rows changed.
pub async fn update(
    conn: &mut AnyConnection,
    account_id: i64,
    filter: &Filter,
    changes: &PhoneChanges,
    now: i64,
) -> sqlx::Result<u64> {
    let Conditions { mut args, wheres } = Conditions::new(account_id, filter, Dialect::of(conn));
    let mut set = |arg: Arg, column: &str, sets: &mut Vec<String>| {
        args.push(arg);
        sets.push(format!("{column} = ${}", args.len()));
    };
    let mut sets = Vec::new();
    set(Arg::Int(Some(now)), "updated_at", &mut sets);
    if let Some(v) = changes.server_id {
        set(Arg::Int(v), "server_id", &mut sets);
    }
    if let Some(v) = changes.branding_id {
        set(Arg::Int(v), "branding_id", &mut sets);
    }
    if let Some(v) = &changes.firmware {
        set(Arg::Text(v.clone()), "firmware", &mut sets);
    }
    let sql = format!(
        "UPDATE phones AS p SET {} WHERE {}",
        sets.join(", "),
        wheres.join(" AND ")
    );
    Ok(bind_query(sqlx::query(&sql), args)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// Deletes every phone of the account matching `filter`, in one statement.
pub async fn delete(
    conn: &mut AnyConnection,
    account_id: i64,
    filter: &Filter,
) -> sqlx::Result<u64> {
    let Conditions { args, wheres } = Conditions::new(account_id, filter, Dialect::of(conn));
    let sql = format!("DELETE FROM phones AS p WHERE {}", wheres.join(" AND "));
    Ok(bind_query(sqlx::query(&sql), args)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// Up to `limit` (MAC, detected vendor) of the phones matching `filter`, by MAC, after
/// `after`: the pages a pin check walks through a selection of any size.
pub async fn vendors_page(
    conn: &mut AnyConnection,
    account_id: i64,
    filter: &Filter,
    after: Option<&str>,
    limit: u32,
) -> sqlx::Result<Vec<(String, Option<String>)>> {
    let dialect = Dialect::of(conn);
    let key = dialect.mac_key();
    let mut conditions = Conditions::new(account_id, filter, dialect);
    if let Some(mac) = after {
        conditions.bind(Arg::Text(Some(mac.to_string())), &format!("{key} > #"));
    }
    let Conditions { args, wheres } = conditions;
    let sql = format!(
        "SELECT p.mac, p.vendor FROM phones p WHERE {} ORDER BY {key} LIMIT {limit}",
        wheres.join(" AND "),
    );
    let mut q = sqlx::query_as::<_, (String, Option<String>)>(&sql);
    for arg in args {
        q = match arg {
            Arg::Int(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
        };
    }
    q.fetch_all(&mut *conn).await
}
