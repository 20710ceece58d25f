//! Phones of an account, keyed by canonical MAC.
//!
//! Every query is scoped by `account_id`. Bulk statements go in chunks (see
//! [`Dialect::chunk_rows`]) that stay far below SQLite's 32766 and PostgreSQL's 65535
//! bound-parameter limits. Statements only: `services::phones` checks requests,
//! decides what a missing or foreign phone means and records the audit entries.

use std::collections::{BTreeMap, HashMap, HashSet};

use rcs_shared::{Phone, PhoneChanges, PhoneSort, SortOrder};
use sqlx::any::AnyArguments;
use sqlx::query::QueryAs;
use sqlx::{Any, AnyConnection, FromRow};

use super::{rfc3339, Db, Dialect, LockFor};

const SELECT: &str = "SELECT p.mac, p.server_id, s.name AS server_name, p.branding_id, \
     b.name AS branding_name, p.firmware, p.model, p.reported_firmware, p.vendor, p.last_seen_at, \
     p.last_seen_addr, p.state, p.created_at, p.updated_at \
     FROM phones p LEFT JOIN servers s ON s.id = p.server_id \
     LEFT JOIN brandings b ON b.id = p.branding_id";

/// A phone row with its server and branding names.
#[derive(Debug, Clone, FromRow)]
pub struct PhoneRow {
    pub mac: String,
    pub server_id: Option<i64>,
    pub server_name: Option<String>,
    pub branding_id: Option<i64>,
    pub branding_name: Option<String>,
    pub firmware: Option<String>,
    pub model: Option<String>,
    pub reported_firmware: Option<String>,
    pub vendor: Option<String>,
    pub last_seen_at: Option<i64>,
    pub last_seen_addr: Option<String>,
    pub state: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl PhoneRow {
    pub fn to_dto(&self) -> Phone {
        Phone {
            mac: self.mac.clone(),
            server_id: self.server_id,
            server_name: self.server_name.clone(),
            branding_id: self.branding_id,
            branding_name: self.branding_name.clone(),
            firmware: self.firmware.clone(),
            model: self.model.clone(),
            reported_firmware: self.reported_firmware.clone(),
            vendor: self.vendor.clone(),
            last_seen_at: self.last_seen_at.map(rfc3339),
            last_seen_addr: self.last_seen_addr.clone(),
            state: self.state.clone(),
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
        }
    }
}

/// The properties staff set on a phone (canonical MAC, ids already checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPhone {
    pub mac: String,
    pub server_id: Option<i64>,
    pub branding_id: Option<i64>,
    pub firmware: Option<String>,
}

/// A value bound to a dynamically built statement.
pub(super) enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
}

fn bind_all<'q, O>(
    mut q: QueryAs<'q, Any, O, AnyArguments<'q>>,
    args: Vec<Arg>,
) -> QueryAs<'q, Any, O, AnyArguments<'q>> {
    for arg in args {
        q = match arg {
            Arg::Int(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
        };
    }
    q
}

/// True when `table` (servers or brandings) has row `id` in the account.
async fn owns(
    conn: &mut AnyConnection,
    table: &str,
    account_id: i64,
    id: i64,
) -> sqlx::Result<bool> {
    let sql = format!("SELECT id FROM {table} WHERE account_id = $1 AND id = $2");
    let found: Option<i64> = sqlx::query_scalar(&sql)
        .bind(account_id)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

pub async fn server_in_account(
    conn: &mut AnyConnection,
    account_id: i64,
    id: i64,
) -> sqlx::Result<bool> {
    owns(conn, "servers", account_id, id).await
}

pub async fn branding_in_account(
    conn: &mut AnyConnection,
    account_id: i64,
    id: i64,
) -> sqlx::Result<bool> {
    owns(conn, "brandings", account_id, id).await
}

/// Name → id of the account's servers or brandings (a few hundred at most), for imports
/// that name them.
pub async fn names(
    conn: &mut AnyConnection,
    table: Named,
    account_id: i64,
) -> sqlx::Result<HashMap<String, i64>> {
    let sql = format!(
        "SELECT name, id FROM {} WHERE account_id = $1",
        table.table()
    );
    let rows: Vec<(String, i64)> = sqlx::query_as(&sql)
        .bind(account_id)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Tables whose rows phones refer to by name in CSV files.
#[derive(Debug, Clone, Copy)]
pub enum Named {
    Servers,
    Brandings,
}

impl Named {
    fn table(self) -> &'static str {
        match self {
            Named::Servers => "servers",
            Named::Brandings => "brandings",
        }
    }
}

/// Of `macs`, those registered to another account (checked before writing, in chunks).
pub async fn foreign_macs(
    conn: &mut AnyConnection,
    account_id: i64,
    macs: &[&str],
) -> sqlx::Result<Vec<String>> {
    select_macs(conn, false, account_id, macs).await
}

/// Of `macs`, those the account already has.
pub async fn own_macs(
    conn: &mut AnyConnection,
    account_id: i64,
    macs: &[&str],
) -> sqlx::Result<HashSet<String>> {
    Ok(select_macs(conn, true, account_id, macs)
        .await?
        .into_iter()
        .collect())
}

/// Of `macs`, those the account has, locked until the transaction ends. On PostgreSQL the
/// rows are locked in MAC order before anything is written: two bulk edits of overlapping
/// phones then queue behind each other instead of each locking some rows in its plan's order
/// and waiting for the other's (a deadlock PostgreSQL ends by failing one of them; the order
/// of an `UPDATE`'s row locks is its plan's, which new statistics can change between two
/// statements). On SQLite the write transaction already holds the database's single write
/// lock.
pub async fn lock_own(
    conn: &mut AnyConnection,
    account_id: i64,
    macs: &[&str],
    purpose: LockFor,
) -> sqlx::Result<HashSet<String>> {
    let dialect = Dialect::of(conn);
    let Some(lock) = dialect.row_lock(purpose) else {
        return own_macs(conn, account_id, macs).await;
    };
    let sql = format!(
        "SELECT mac FROM phones WHERE account_id = $1 AND mac IN ({}) ORDER BY mac {lock}",
        dialect.json_text_set(2)
    );
    let mut sorted = macs.to_vec();
    sorted.sort_unstable();
    let mut found = HashSet::with_capacity(macs.len());
    for chunk in sorted.chunks(JSON_CHUNK_ROWS) {
        let list = serde_json::to_string(chunk).expect("strings serialize");
        let rows: Vec<String> = sqlx::query_scalar(&sql)
            .bind(account_id)
            .bind(list)
            .fetch_all(&mut *conn)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Of `macs`, those held by an account that is (`own`) or is not `account_id`.
///
/// The statement looks the MACs up by primary key only and the owner is compared here: an
/// `account_id <> $1` in SQL let PostgreSQL, once its statistics said nearly every phone
/// belongs to one account, estimate one matching row and plan a nested loop of every
/// foreign phone against the whole MAC list (2.3 s per 1,000 MACs; a 100,000-row import
/// took minutes). A primary-key probe per MAC has no such plan.
async fn select_macs(
    conn: &mut AnyConnection,
    own: bool,
    account_id: i64,
    macs: &[&str],
) -> sqlx::Result<Vec<String>> {
    let set = Dialect::of(conn).json_text_set(1);
    let sql = format!("SELECT mac, account_id FROM phones WHERE mac IN ({set})");
    let mut found = Vec::new();
    for chunk in macs.chunks(JSON_CHUNK_ROWS) {
        let list = serde_json::to_string(chunk).expect("strings serialize");
        found.extend(
            sqlx::query_as::<_, (String, i64)>(&sql)
                .bind(list)
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .filter(|(_, owner)| (*owner == account_id) == own)
                .map(|(mac, _)| mac),
        );
    }
    Ok(found)
}

/// Rows sent in one JSON parameter by the bulk statements ([`upsert`], [`select_macs`]).
///
/// Bulk writes pass their rows as one JSON text that the engine unpacks (`json_each` on
/// SQLite, `json_array_elements` on PostgreSQL) instead of four bound parameters a row:
/// profiling a 100,000-row import showed binding dominating (sqlx looks every `$n` up by name,
/// which SQLite answers with a linear scan, so a statement's binding cost grows with the square
/// of its parameters), and one parameter per 10,000 rows makes that vanish on both engines.
const JSON_CHUNK_ROWS: usize = 10_000;

/// Inserts or updates `rows` (distinct MACs) for the account. Rows that give a phone the same
/// server, branding and firmware (in an import, nearly all rows share one of a handful of such
/// combinations) go together: one statement per combination and [`JSON_CHUNK_ROWS`] MACs, the
/// MACs as one JSON array of strings and the properties as three parameters. The engine then
/// reads each MAC straight from the array, where an array of per-row arrays had it rebuild
/// and reparse every row's text (profiled: a tenth of SQLite's time in a 1,000,000-row
/// import). A MAC held by another account is left alone by the `WHERE` of the upsert; the
/// returned count of written rows then falls short, which callers treat as a lost race.
pub async fn upsert(
    conn: &mut AnyConnection,
    account_id: i64,
    rows: &[NewPhone],
    now: i64,
) -> sqlx::Result<u64> {
    type Properties<'a> = (Option<i64>, Option<i64>, Option<&'a str>);
    // Ordered by the properties, so the statements go in the same order on every run.
    let mut groups: BTreeMap<Properties, Vec<&str>> = BTreeMap::new();
    for r in rows {
        let key = (r.server_id, r.branding_id, r.firmware.as_deref());
        groups.entry(key).or_default().push(r.mac.as_str());
    }
    let sql = match Dialect::of(conn) {
        Dialect::Sqlite => UPSERT_SQLITE,
        Dialect::Postgres => UPSERT_POSTGRES,
    };
    let mut written = 0;
    for ((server_id, branding_id, firmware), macs) in &groups {
        for macs in macs.chunks(JSON_CHUNK_ROWS) {
            let json = serde_json::to_string(macs).expect("strings serialize");
            written += sqlx::query(sql)
                .bind(account_id)
                .bind(now)
                .bind(json)
                .bind(server_id)
                .bind(branding_id)
                .bind(firmware)
                .execute(&mut *conn)
                .await?
                .rows_affected();
        }
    }
    Ok(written)
}

/// [`upsert`] on SQLite: `$3` is a JSON array of MACs, `$4`..`$6` server, branding, firmware.
/// (`WHERE true` is SQLite's documented way to let an `INSERT ... SELECT` take an upsert
/// clause.)
const UPSERT_SQLITE: &str = "INSERT INTO phones \
     (account_id, created_at, updated_at, mac, server_id, branding_id, firmware) \
     SELECT $1, $2, $2, value, $4, $5, $6 FROM json_each($3) WHERE true \
     ON CONFLICT (mac) DO UPDATE SET server_id = excluded.server_id, \
     branding_id = excluded.branding_id, firmware = excluded.firmware, \
     updated_at = excluded.updated_at WHERE phones.account_id = excluded.account_id";

/// [`upsert`] on PostgreSQL (the casts type the parameters, which may be NULL).
const UPSERT_POSTGRES: &str = "INSERT INTO phones \
     (account_id, created_at, updated_at, mac, server_id, branding_id, firmware) \
     SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($2 AS BIGINT), m, \
     CAST($4 AS BIGINT), CAST($5 AS BIGINT), CAST($6 AS TEXT) \
     FROM json_array_elements_text(CAST($3 AS json)) AS m \
     ON CONFLICT (mac) DO UPDATE SET server_id = excluded.server_id, \
     branding_id = excluded.branding_id, firmware = excluded.firmware, \
     updated_at = excluded.updated_at WHERE phones.account_id = excluded.account_id";

/// Of the MACs in `macs` (a JSON array of canonical MACs), how many are registered at all
/// and how many of those to another account: one aggregate row, so an import's check costs
/// one round trip per chunk whatever the answer. As in [`select_macs`], the MACs are looked
/// up by primary key only and the owner is compared in the aggregate.
pub async fn count_registered(
    conn: &mut AnyConnection,
    account_id: i64,
    macs: String,
) -> sqlx::Result<(u64, u64)> {
    let set = Dialect::of(conn).json_text_set(2);
    let sql = format!(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN account_id = $1 THEN 0 ELSE 1 END), 0) \
         FROM phones WHERE mac IN ({set})"
    );
    let (all, foreign): (i64, i64) = sqlx::query_as(&sql)
        .bind(account_id)
        .bind(macs)
        .fetch_one(&mut *conn)
        .await?;
    Ok((all as u64, foreign as u64))
}

pub async fn find(db: &Db, account_id: i64, mac: &str) -> sqlx::Result<Option<PhoneRow>> {
    let sql = format!("{SELECT} WHERE p.account_id = $1 AND p.mac = $2");
    sqlx::query_as(&sql)
        .bind(account_id)
        .bind(mac)
        .fetch_optional(&db.pool)
        .await
}

/// Applies `changes` to every MAC of `macs` in the account; returns how many rows changed.
pub async fn update(
    conn: &mut AnyConnection,
    account_id: i64,
    macs: &[&str],
    changes: &PhoneChanges,
    now: i64,
) -> sqlx::Result<u64> {
    let mut sets = vec!["updated_at = $2".to_string()];
    let mut args = vec![Arg::Int(Some(account_id)), Arg::Int(Some(now))];
    if let Some(v) = changes.server_id {
        args.push(Arg::Int(v));
        sets.push(format!("server_id = ${}", args.len()));
    }
    if let Some(v) = changes.branding_id {
        args.push(Arg::Int(v));
        sets.push(format!("branding_id = ${}", args.len()));
    }
    if let Some(v) = &changes.firmware {
        args.push(Arg::Text(v.clone()));
        sets.push(format!("firmware = ${}", args.len()));
    }
    let dialect = Dialect::of(conn);
    let mut changed = 0;
    for chunk in macs.chunks(dialect.chunk_rows()) {
        let sql = format!(
            "UPDATE phones SET {} WHERE account_id = $1 AND mac IN ({})",
            sets.join(", "),
            dialect.value_set(args.len() + 1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for arg in &args {
            q = match arg {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.clone()),
            };
        }
        for mac in chunk {
            q = q.bind(*mac);
        }
        changed += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(changed)
}

pub async fn delete(conn: &mut AnyConnection, account_id: i64, macs: &[&str]) -> sqlx::Result<u64> {
    let dialect = Dialect::of(conn);
    let mut deleted = 0;
    for chunk in macs.chunks(dialect.chunk_rows()) {
        let sql = format!(
            "DELETE FROM phones WHERE account_id = $1 AND mac IN ({})",
            dialect.value_set(2, chunk.len())
        );
        let mut q = sqlx::query(&sql).bind(account_id);
        for mac in chunk {
            q = q.bind(*mac);
        }
        deleted += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(deleted)
}

/// List filters; all combine with AND. `mac_fragment` is canonical (upper-case hex).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub unaffiliated: Option<bool>,
    pub server_id: Option<i64>,
    pub branding_id: Option<i64>,
    pub firmware: Option<String>,
    pub mac_fragment: Option<String>,
    pub seen: Option<bool>,
    /// `true`: a firmware release is pinned (the column is not empty).
    pub firmware_pinned: Option<bool>,
    /// `true`: the phone has a branding of its own.
    pub own_branding: Option<bool>,
    /// Only these phones (canonical MACs): an export of the phones a user ticked. At most
    /// 10,000, each its own bound value, far below either engine's limit.
    pub macs: Option<Vec<String>>,
}

/// Where a page starts: the sort key of the last row of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    Mac(String),
    LastSeen(Option<i64>, String),
}

impl Cursor {
    /// Opaque text for clients: hex of `sort|order|key`, so it survives any query string.
    pub fn encode(&self, order: SortOrder) -> String {
        let o = if order == SortOrder::Asc { "a" } else { "d" };
        let text = match self {
            Cursor::Mac(mac) => format!("m|{o}|{mac}"),
            Cursor::LastSeen(at, mac) => {
                let at = at.map(|t| t.to_string()).unwrap_or_else(|| "-".into());
                format!("s|{o}|{at}|{mac}")
            }
        };
        hex::encode(text)
    }

    /// The cursor in `text` if it was issued for this sort and order.
    pub fn decode(text: &str, sort: PhoneSort, order: SortOrder) -> Option<Cursor> {
        let text = String::from_utf8(hex::decode(text).ok()?).ok()?;
        let o = if order == SortOrder::Asc { "a" } else { "d" };
        let parts: Vec<&str> = text.split('|').collect();
        let valid_mac = |m: &str| m.len() == 12 && m.bytes().all(|b| b.is_ascii_hexdigit());
        match (sort, parts.as_slice()) {
            (PhoneSort::Mac, ["m", co, mac]) if *co == o && valid_mac(mac) => {
                Some(Cursor::Mac(mac.to_string()))
            }
            (PhoneSort::LastSeen, ["s", co, at, mac]) if *co == o && valid_mac(mac) => {
                let at = if *at == "-" {
                    None
                } else {
                    Some(at.parse().ok()?)
                };
                Some(Cursor::LastSeen(at, mac.to_string()))
            }
            _ => None,
        }
    }

    pub fn after(row: &PhoneRow, sort: PhoneSort) -> Cursor {
        match sort {
            PhoneSort::Mac => Cursor::Mac(row.mac.clone()),
            PhoneSort::LastSeen => Cursor::LastSeen(row.last_seen_at, row.mac.clone()),
        }
    }
}

/// One keyset page: rows strictly after `after` in the sort order.
#[derive(Debug, Clone)]
pub struct Page {
    pub sort: PhoneSort,
    pub order: SortOrder,
    pub after: Option<Cursor>,
    pub limit: u32,
}

/// A `WHERE` clause being built: its conditions and the values they bind, in order.
pub(super) struct Conditions {
    pub(super) args: Vec<Arg>,
    pub(super) wheres: Vec<String>,
}

impl Conditions {
    /// Adds a condition that binds nothing.
    fn fixed(&mut self, cond: &str) {
        self.wheres.push(cond.to_string());
    }

    /// Binds `arg` and adds `cond` with `#` standing for its placeholder.
    pub(super) fn bind(&mut self, arg: Arg, cond: &str) {
        self.args.push(arg);
        self.wheres
            .push(cond.replace('#', &format!("${}", self.args.len())));
    }

    /// The list's filters; `dialect` writes the MAC list as the engine plans it best.
    pub(super) fn filter(&mut self, filter: &Filter, dialect: Dialect) {
        match filter.unaffiliated {
            Some(true) => self.fixed("p.server_id IS NULL"),
            Some(false) => self.fixed("p.server_id IS NOT NULL"),
            None => {}
        }
        match filter.seen {
            Some(true) => self.fixed("p.last_seen_at IS NOT NULL"),
            Some(false) => self.fixed("p.last_seen_at IS NULL"),
            None => {}
        }
        if let Some(id) = filter.server_id {
            self.bind(Arg::Int(Some(id)), "p.server_id = #");
        }
        if let Some(id) = filter.branding_id {
            self.bind(Arg::Int(Some(id)), "p.branding_id = #");
        }
        if let Some(fw) = &filter.firmware {
            self.bind(Arg::Text(Some(fw.clone())), "p.firmware = #");
        }
        if let Some(fragment) = &filter.mac_fragment {
            self.bind(Arg::Text(Some(format!("%{fragment}%"))), "p.mac LIKE #");
        }
        match filter.firmware_pinned {
            Some(true) => self.fixed("(p.firmware IS NOT NULL AND p.firmware <> '')"),
            Some(false) => self.fixed("(p.firmware IS NULL OR p.firmware = '')"),
            None => {}
        }
        match filter.own_branding {
            Some(true) => self.fixed("p.branding_id IS NOT NULL"),
            Some(false) => self.fixed("p.branding_id IS NULL"),
            None => {}
        }
        if let Some(macs) = &filter.macs {
            if macs.is_empty() {
                self.fixed("1 = 0");
            } else {
                let set = dialect.value_set(self.args.len() + 1, macs.len());
                self.args
                    .extend(macs.iter().map(|m| Arg::Text(Some(m.clone()))));
                self.wheres.push(format!("p.mac IN ({set})"));
            }
        }
    }

    /// Rows strictly after the page's cursor in its sort order. Never-seen phones sort as the
    /// oldest: first ascending, last descending.
    pub(super) fn after(&mut self, page: &Page, dialect: Dialect) {
        let key = dialect.mac_key();
        let (cmp, asc) = match page.order {
            SortOrder::Asc => (">", true),
            SortOrder::Desc => ("<", false),
        };
        match &page.after {
            None => {}
            Some(Cursor::Mac(mac)) => {
                self.bind(Arg::Text(Some(mac.clone())), &format!("{key} {cmp} #"));
            }
            Some(Cursor::LastSeen(None, mac)) => {
                let rest = if asc {
                    " OR p.last_seen_at IS NOT NULL"
                } else {
                    ""
                };
                self.bind(
                    Arg::Text(Some(mac.clone())),
                    &format!("((p.last_seen_at IS NULL AND {key} {cmp} #){rest})"),
                );
            }
            Some(Cursor::LastSeen(Some(at), mac)) => {
                let rest = if asc {
                    ""
                } else {
                    " OR p.last_seen_at IS NULL"
                };
                self.args.push(Arg::Int(Some(*at)));
                let at_n = self.args.len();
                self.bind(
                    Arg::Text(Some(mac.clone())),
                    &format!("(p.last_seen_at {cmp} ${at_n} OR (p.last_seen_at = ${at_n} AND {key} {cmp} #){rest})"),
                );
            }
        }
    }
}

/// The `ORDER BY` of a page in `sort` and `order` (never-seen phones as the oldest).
pub(super) fn order_by(sort: PhoneSort, order: SortOrder, dialect: Dialect) -> String {
    let key = dialect.mac_key();
    let dir = match order {
        SortOrder::Asc => "ASC",
        SortOrder::Desc => "DESC",
    };
    match sort {
        PhoneSort::Mac => format!("{key} {dir}"),
        PhoneSort::LastSeen => {
            let nulls = if order == SortOrder::Asc {
                "FIRST"
            } else {
                "LAST"
            };
            format!("p.last_seen_at {dir} NULLS {nulls}, {key} {dir}")
        }
    }
}

/// A page of the account's phones. Keyset pagination (never OFFSET) keeps each page an
/// index range scan however deep the client walks. Never-seen phones sort as the oldest.
pub async fn list(
    db: &Db,
    account_id: i64,
    filter: &Filter,
    page: &Page,
) -> sqlx::Result<Vec<PhoneRow>> {
    let mut conditions = Conditions {
        args: vec![Arg::Int(Some(account_id))],
        wheres: vec!["p.account_id = $1".to_string()],
    };
    conditions.filter(filter, db.dialect);
    conditions.after(page, db.dialect);
    let Conditions { args, wheres } = conditions;
    // The limit is written into the statement, not bound: a generic plan (PostgreSQL's, after
    // a prepared statement's fifth run) would otherwise be costed for an unknown row count.
    let sql = format!(
        "{SELECT} WHERE {} ORDER BY {} LIMIT {}",
        wheres.join(" AND "),
        order_by(page.sort, page.order, db.dialect),
        page.limit
    );
    bind_all(sqlx::query_as::<_, PhoneRow>(&sql), args)
        .fetch_all(&db.pool)
        .await
}

/// Refreshes the planner's statistics of `phones` after a bulk write, where the engine needs
/// it ([`Dialect::analyzes_after_bulk_write`] says why).
pub async fn refresh_statistics(db: &Db) -> sqlx::Result<()> {
    if db.dialect.analyzes_after_bulk_write() {
        sqlx::query("ANALYZE phones").execute(&db.pool).await?;
    }
    Ok(())
}
