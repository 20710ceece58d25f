//! The phone list's statements: its filters, the keyset pages a cursor walks, and the SQL both
//! are written into. `Conditions` is the one place a list filter becomes a `WHERE`: the
//! list's pages and the statements on a selection ([`super::phone_selection`]) both build on
//! it, so what a user sees listed is what a selection touches.

use rcs_shared::{PhoneSort, SortOrder};

use super::mac_search::{trigram_query, trigram_reader, MacSearch};
use super::phones::{bind_all, select_from, Arg, PhoneRow, SELECT};
use super::{Db, Dialect};

/// List filters; all combine with AND. `mac_fragment` is canonical (upper-case hex).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub unaffiliated: Option<bool>,
    pub server_id: Option<i64>,
    pub branding_id: Option<i64>,
    pub firmware: Option<String>,
    pub mac_fragment: Option<String>,
    /// How `mac_fragment` is looked for ([`super::mac_search::plan_search`] chooses).
    pub mac_search: MacSearch,
    pub seen: Option<bool>,
    /// `true`: a firmware release is pinned (the column is not empty).
    pub firmware_pinned: Option<bool>,
    /// `true`: the phone has a branding of its own.
    pub own_branding: Option<bool>,
    /// Only these phones (canonical MACs): an export of the phones a user ticked. At most
    /// 10,000, each its own bound value, far below either engine's limit.
    pub macs: Option<Vec<String>>,
}

impl Filter {
    /// Whether the statements find the MAC search's phones from the trigram index.
    pub fn reads_trigrams(&self) -> bool {
        self.mac_search == MacSearch::Trigrams && self.mac_fragment.is_some()
    }
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
    /// `p.account_id = $1` and `filter`'s conditions: the `WHERE` of every statement on the
    /// phones a filter selects. When the MAC search reads the trigram index the account's
    /// condition is written so that no index serves it (`+p.account_id`, SQLite's documented
    /// way; `p.account_id + 0` on PostgreSQL), so the engine starts from the index's
    /// candidates and not from a walk of the account's indexes that tests each phone.
    pub(super) fn new(account_id: i64, filter: &Filter, dialect: Dialect) -> Conditions {
        let account = match (filter.reads_trigrams(), dialect) {
            (false, _) => "p.account_id = $1",
            (true, Dialect::Sqlite) => "+p.account_id = $1",
            (true, Dialect::Postgres) => "p.account_id + 0 = $1",
        };
        let mut conditions = Conditions {
            args: vec![Arg::Int(Some(account_id))],
            wheres: vec![account.to_string()],
        };
        conditions.filter(filter, dialect);
        conditions
    }

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
    fn filter(&mut self, filter: &Filter, dialect: Dialect) {
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
            if filter.reads_trigrams() && dialect == Dialect::Sqlite {
                self.bind(
                    Arg::Text(Some(trigram_query(fragment))),
                    "p.rowid IN (SELECT rowid FROM phone_macs WHERE phone_macs MATCH #)",
                );
            }
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
    let mut conditions = Conditions::new(account_id, filter, db.dialect);
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
    let query = bind_all(sqlx::query_as::<_, PhoneRow>(&sql), args);
    match trigram_reader(db, filter).await? {
        Some(mut tx) => {
            let rows = query.fetch_all(&mut *tx).await?;
            tx.commit().await?;
            Ok(rows)
        }
        None => query.fetch_all(&db.pool).await,
    }
}

/// A page of a search that reads the trigram index, and how many phones match `filter` in all
/// (before the cursor too), from one read of the index: its candidates are all fetched for the
/// page's sort anyway, so counting them costs nothing, where the list's separate total would
/// read the index a second time. The servers' and brandings' names are joined to the page's
/// rows only. `None` for the total when the page is empty (past the last match), where the
/// statement has no row to carry it.
pub async fn search_page(
    db: &Db,
    account_id: i64,
    filter: &Filter,
    page: &Page,
) -> sqlx::Result<(Vec<PhoneRow>, Option<u64>)> {
    let mut conditions = Conditions::new(account_id, filter, db.dialect);
    let matching = conditions.wheres.len();
    conditions.after(page, db.dialect);
    let Conditions { args, wheres } = conditions;
    let (matching, after) = wheres.split_at(matching);
    let after = if after.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", after.join(" AND "))
    };
    let order = order_by(page.sort, page.order, db.dialect);
    let select = select_from("page", ", (SELECT COUNT(*) FROM matching) AS matching");
    let sql = format!(
        "WITH matching AS MATERIALIZED (SELECT p.* FROM phones p WHERE {}), \
         page AS (SELECT * FROM matching p {after} ORDER BY {order} LIMIT {}) \
         {select} ORDER BY {order}",
        matching.join(" AND "),
        page.limit,
    );
    let query = bind_all(sqlx::query_as::<_, Counted>(&sql), args);
    let rows = match trigram_reader(db, filter).await? {
        Some(mut tx) => {
            let rows = query.fetch_all(&mut *tx).await?;
            tx.commit().await?;
            rows
        }
        None => query.fetch_all(&db.pool).await?,
    };
    let total = rows.first().map(|r| r.matching as u64);
    Ok((rows.into_iter().map(|r| r.phone).collect(), total))
}

/// A row of [`search_page`]: the phone and the number of phones matching.
#[derive(sqlx::FromRow)]
struct Counted {
    #[sqlx(flatten)]
    phone: PhoneRow,
    matching: i64,
}
