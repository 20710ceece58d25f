//! The phone list's statements: its filters, the keyset pages a cursor walks, and the SQL both
//! are written into. `Conditions` is the one place a list filter becomes a `WHERE`: the
//! list's pages and the statements on a selection ([`super::phone_selection`]) both build on
//! it, so what a user sees listed is what a selection touches.

use rcs_shared::{PhoneSort, SortOrder};

use super::phones::{bind_all, Arg, PhoneRow, SELECT};
use super::{Db, Dialect};

/// List filters; all combine with AND. `mac_fragment` is canonical (upper-case hex).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub unaffiliated: Option<bool>,
    pub server_id: Option<i64>,
    pub branding_id: Option<i64>,
    pub firmware: Option<String>,
    pub mac_fragment: Option<String>,
    /// How `mac_fragment` is looked for ([`plan_search`] chooses).
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
    /// Whether the statements read SQLite's trigram index for the MAC search (the index is
    /// SQLite's; PostgreSQL's planner reads its own from the `LIKE`).
    fn reads_trigrams(&self, dialect: Dialect) -> bool {
        self.mac_search == MacSearch::Trigrams
            && self.mac_fragment.is_some()
            && dialect == Dialect::Sqlite
    }
}

/// How the MAC search finds its phones on SQLite. PostgreSQL's planner chooses between its
/// trigram index and the account's indexes by its statistics, so there it is always `Scan`
/// (the plain `LIKE`, which PostgreSQL answers from either).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MacSearch {
    /// `p.mac LIKE '%…%'` on the account's phones, walked in the page's order: the cheapest
    /// when the fragment is common, as the page and its capped total fill within a few rows.
    #[default]
    Scan,
    /// The rows the trigram index `phone_macs` names (each fetched by rowid and rechecked with
    /// `LIKE`): the cheapest when the fragment is rare, where a walk would visit every phone
    /// of the account to find a handful.
    Trigrams,
}

/// Candidates from the trigram index (in all accounts) from which on the MAC search walks the
/// account instead. Fetching a candidate costs a few times what walking past a phone does
/// (about 1.5 µs against 0.2 µs), and a fragment this common fills a page within a few
/// thousand phones of a walk; below it the index's cost is bounded at a few milliseconds
/// whatever the account's size.
pub const TRIGRAM_CANDIDATES: i64 = 4_000;

/// The FTS5 query for `fragment`'s trigrams (all of them: without positions in the index,
/// `detail=none`, a phrase cannot be asked for, so a candidate holds each of them somewhere
/// and the `LIKE` decides). `fragment` is canonical hex, which needs no escaping.
fn trigram_query(fragment: &str) -> String {
    (0..fragment.len().saturating_sub(2))
        .map(|i| format!("\"{}\"", &fragment[i..i + 3]))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// How to look for `fragment` (canonical hex): [`MacSearch::Trigrams`] on SQLite when it has
/// at least three digits (the index's unit) and fewer than [`TRIGRAM_CANDIDATES`] phones of
/// any account hold its trigrams, counted from the index alone (a fraction of a millisecond;
/// the index knows no accounts), else [`MacSearch::Scan`]. A MAC's first digits are its maker's (a fleet of one maker's phones
/// shares them), so a fragment may be in every phone or in one: the count tells which.
pub async fn plan_search(db: &Db, fragment: &str) -> sqlx::Result<MacSearch> {
    if db.dialect != Dialect::Sqlite || fragment.len() < 3 {
        return Ok(MacSearch::Scan);
    }
    let candidates: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM phone_macs WHERE phone_macs MATCH $1 LIMIT $2)",
    )
    .bind(trigram_query(fragment))
    .bind(TRIGRAM_CANDIDATES)
    .fetch_one(&db.pool)
    .await?;
    Ok(if candidates < TRIGRAM_CANDIDATES {
        MacSearch::Trigrams
    } else {
        MacSearch::Scan
    })
}

/// `filter` with its MAC search planned by [`plan_search`]: what every statement on a
/// filtered selection is given, so each reads the trigram index exactly when it pays.
pub async fn planned(db: &Db, mut filter: Filter) -> sqlx::Result<Filter> {
    if let Some(fragment) = &filter.mac_fragment {
        filter.mac_search = plan_search(db, fragment).await?;
    }
    Ok(filter)
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
    /// condition is written `+p.account_id` (SQLite's documented way to keep a term from
    /// choosing an index), so SQLite starts from the index's candidates and not from a walk of
    /// the account's indexes that tests each phone against them.
    pub(super) fn new(account_id: i64, filter: &Filter, dialect: Dialect) -> Conditions {
        let account = if filter.reads_trigrams(dialect) {
            "+p.account_id = $1"
        } else {
            "p.account_id = $1"
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
            if filter.reads_trigrams(dialect) {
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
    bind_all(sqlx::query_as::<_, PhoneRow>(&sql), args)
        .fetch_all(&db.pool)
        .await
}
