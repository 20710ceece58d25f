//! Reading phones: one by MAC, a filtered and sorted page, and the CSV export.
//!
//! Pages are keyset pages ([`crate::db::phone_list::list`]); the cursors handed to clients are the
//! sort keys of a page's first and last rows, encoded so they survive any query string. A page
//! before a cursor (and the last page) is the same index walked the other way, so going back
//! costs what going forward does. `total` is a `COUNT(*)` of the filter that stops past
//! [`TOTAL_COUNT_LIMIT`] unless the caller asks for the exact number (`exact_total=true`),
//! so a page of a million-phone account costs what a page of a 1,000-phone one does; the
//! web UI asks for the exact number once per view, apart from the page.
//!
//! The sorts are those an index serves: `mac` (`(account_id, mac)`) and `last_seen`
//! (`(account_id, last_seen_at, mac)`). The firmware pin is not a sort: its index
//! `(account_id, firmware, mac)` is partial (`WHERE firmware IS NOT NULL`, migration 0009), so
//! it cannot order a list in which most phones have no pin.

use rcs_shared::{
    ExportColumns, ExportQuery, ExportSelection, Phone, PhoneFilter, PhonePage, PhoneQuery,
    PhoneSort, SortOrder, TOTAL_COUNT_LIMIT,
};

use super::phone_not_found;
use super::selection::{db_filter, Selection};
use crate::db::phone_list::{self, Cursor, Filter, Page};
use crate::db::phones::{self, PhoneRow};
use crate::db::{mac_search, phone_selection, rfc3339, Db};
use crate::domain::mac::Mac;
use crate::error::{Error, Result};
use crate::services::Actor;

/// One phone of the account.
pub async fn get(db: &Db, actor: &Actor, mac: &Mac) -> Result<Phone> {
    phones::find(db, actor.account_id, mac.as_str())
        .await?
        .map(|row| row.to_dto())
        .ok_or_else(|| phone_not_found(mac))
}

/// Where a page starts.
#[derive(Debug, Clone)]
enum Start {
    First,
    /// The page after this key (`cursor`).
    After(Cursor),
    /// The page before this key (`before`).
    Before(Cursor),
    /// The last page (`last=true`).
    Last,
}

/// The cursor in `text`, when it was issued for this sort and order.
fn decode(text: &str, sort: PhoneSort, order: SortOrder) -> Result<Cursor> {
    Cursor::decode(text, sort, order).ok_or_else(|| {
        Error::bad_request(
            "invalid_cursor",
            "The cursor is not valid for this sort order.",
        )
    })
}

/// Where the query's page starts: at most one of `cursor`, `before` and `last=true`.
fn start(q: &PhoneQuery, sort: PhoneSort, order: SortOrder) -> Result<Start> {
    let given = |c: &Option<String>| c.clone().filter(|c| !c.is_empty());
    match (given(&q.cursor), given(&q.before), q.last.unwrap_or(false)) {
        (None, None, false) => Ok(Start::First),
        (Some(c), None, false) => Ok(Start::After(decode(&c, sort, order)?)),
        (None, Some(c), false) => Ok(Start::Before(decode(&c, sort, order)?)),
        (None, None, true) => Ok(Start::Last),
        _ => Err(Error::bad_request(
            "conflicting_page",
            "Give at most one of cursor, before and last=true.",
        )),
    }
}

/// The opposite direction.
fn reverse(order: SortOrder) -> SortOrder {
    match order {
        SortOrder::Asc => SortOrder::Desc,
        SortOrder::Desc => SortOrder::Asc,
    }
}

/// A page of the account's phones, filtered and sorted, with cursors for the pages before and
/// after it and how many phones match in all. Pages before a cursor and the last page are read
/// in the reverse order (the same index, walked backwards) and turned round.
pub async fn list(db: &Db, actor: &Actor, query: PhoneQuery) -> Result<PhonePage> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return Err(Error::unprocessable(
            "invalid_limit",
            "limit must be between 1 and 1000.",
        ));
    }
    let (sort, order) = (
        query.sort.unwrap_or_default(),
        query.order.unwrap_or_default(),
    );
    let start = start(&query, sort, order)?;
    let Some(filter) = db_filter(&query.filter()) else {
        // A search no MAC can match.
        return Ok(PhonePage {
            items: vec![],
            next_cursor: None,
            prev_cursor: None,
            total: 0,
            total_exact: true,
        });
    };
    let filter = mac_search::planned(db, actor.account_id, filter).await?;
    let backwards = matches!(start, Start::Before(_) | Start::Last);
    let after = match &start {
        Start::After(c) | Start::Before(c) => Some(c.clone()),
        Start::First | Start::Last => None,
    };
    // One extra row tells whether a page beyond this one exists without a second COUNT.
    let page = Page {
        sort,
        order: if backwards { reverse(order) } else { order },
        after,
        limit: limit + 1,
    };
    let exact = query.exact_total.unwrap_or(false);
    let (mut rows, (total, total_exact)) =
        page_and_total(db, actor.account_id, &filter, &page, exact).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    if backwards {
        rows.reverse();
    }
    let key = |r: Option<&PhoneRow>| r.map(|r| Cursor::after(r, sort).encode(order));
    let (first, last) = (key(rows.first()), key(rows.last()));
    let (next_cursor, prev_cursor) = match start {
        Start::First => (last.filter(|_| more), None),
        // The cursor's own row is before this page.
        Start::After(_) => (last.filter(|_| more), first),
        // The cursor's own row is after this page.
        Start::Before(_) => (last, first.filter(|_| more)),
        Start::Last => (None, first.filter(|_| more)),
    };
    let items = rows.iter().map(PhoneRow::to_dto).collect();
    Ok(PhonePage {
        items,
        next_cursor,
        prev_cursor,
        total,
        total_exact,
    })
}

/// A page of `filter`'s phones and their total (all of it when `exact`, else capped at
/// [`TOTAL_COUNT_LIMIT`]), with whether it is exact.
async fn page_and_total(
    db: &Db,
    account_id: i64,
    filter: &Filter,
    page: &Page,
    exact: bool,
) -> Result<(Vec<PhoneRow>, (u64, bool))> {
    let shown = |n: u64| {
        if exact {
            (n, true)
        } else {
            (n.min(TOTAL_COUNT_LIMIT), n <= TOTAL_COUNT_LIMIT)
        }
    };
    let total = async {
        let limit = (!exact).then_some(TOTAL_COUNT_LIMIT);
        let n = phone_selection::count_read(db, account_id, filter, limit).await?;
        Ok::<_, Error>(shown(n))
    };
    if filter.reads_trigrams() {
        // The index's candidates give the page and the total at once.
        return Ok(
            match phone_list::search_page(db, account_id, filter, page).await? {
                (rows, Some(n)) => (rows, shown(n)),
                (rows, None) => (rows, total.await?),
            },
        );
    }
    let rows = async { Ok(phone_list::list(db, account_id, filter, page).await?) };
    // The total and the page are independent reads, each on its own pooled connection, so
    // they run at once: a page costs the slower of the two, not their sum.
    let (total, rows) = tokio::try_join!(total, rows)?;
    Ok((rows, total))
}

/// Rows per page of a streamed export.
const EXPORT_PAGE: u32 = 1000;

/// One page of an export (the phones matching `filter` in the export's sort, `EXPORT_PAGE`
/// at a time) after `after` (`None`: the first page) as CSV lines, and where the next page
/// starts (`None`: this was the last).
pub async fn export_page(
    db: &Db,
    actor: &Actor,
    export: &Export,
    after: Option<Cursor>,
) -> Result<(String, Option<Cursor>)> {
    let Some(filter) = &export.filter else {
        return Ok((String::new(), None));
    };
    let filter = &mac_search::planned(db, actor.account_id, filter.clone()).await?;
    let page = Page {
        sort: export.sort,
        order: export.order,
        after,
        limit: EXPORT_PAGE,
    };
    let rows = phone_list::list(db, actor.account_id, filter, &page).await?;
    let next = (rows.len() == EXPORT_PAGE as usize)
        .then(|| rows.last().map(|r| Cursor::after(r, export.sort)))
        .flatten();
    Ok((csv_rows(&rows, export.columns), next))
}

/// What an export writes: which phones (`None`: a MAC search that matches none), in which
/// order, with which columns.
#[derive(Debug, Clone)]
pub struct Export {
    filter: Option<Filter>,
    sort: PhoneSort,
    order: SortOrder,
    columns: ExportColumns,
}

impl Export {
    pub fn new(filter: &PhoneFilter, query: &ExportQuery) -> Export {
        Export::of(db_filter(filter), query)
    }

    /// The export of the phones `filter` selects (`None`: none).
    fn of(filter: Option<Filter>, query: &ExportQuery) -> Export {
        Export {
            filter,
            sort: query.sort.unwrap_or_default(),
            order: query.order.unwrap_or_default(),
            columns: query.columns.unwrap_or_default(),
        }
    }

    /// The export of POST /phones/export: the listed phones (each must be in the account,
    /// else 404 and nothing is written) or those matching the filter, never both (400).
    pub async fn selected(db: &Db, actor: &Actor, body: ExportSelection) -> Result<Export> {
        let query = ExportQuery {
            sort: body.sort,
            order: body.order,
            columns: body.columns,
        };
        match Selection::parse(body.macs, body.filter, None)? {
            Selection::Matching { filter, .. } => Ok(Export::new(&filter, &query)),
            Selection::Macs(macs) => {
                let filter = Filter {
                    macs: Some(macs.iter().map(|m| m.as_str().to_string()).collect()),
                    ..Filter::default()
                };
                let found =
                    phone_selection::count(&db.pool, db.dialect, actor.account_id, &filter).await?;
                let missing = macs.len() as u64 - found;
                if missing > 0 {
                    return Err(Error::not_found(
                        "phone_not_found",
                        format!(
                            "{missing} of the {} listed phone(s) are not in your account; \
                             nothing was exported.",
                            macs.len()
                        ),
                    ));
                }
                Ok(Export::of(Some(filter), &query))
            }
        }
    }

    /// The header line.
    pub fn header(&self) -> &'static str {
        match self.columns {
            ExportColumns::Import => "mac,server,branding,firmware\n",
            ExportColumns::All => {
                "mac,server,branding,firmware,reported_firmware,model,vendor,last_seen,\
                 last_address,state,created\n"
            }
        }
    }
}

/// CSV lines of `rows`: `mac,server,branding,firmware` as the import reads them back, then
/// with [`ExportColumns::All`] the list's read-only columns (times in RFC 3339).
fn csv_rows(rows: &[PhoneRow], columns: ExportColumns) -> String {
    let mut out = String::with_capacity(rows.len() * 40);
    for r in rows {
        let mut cells = vec![
            Some(r.mac.clone()),
            r.server_name.clone(),
            r.branding_name.clone(),
            r.firmware.clone(),
        ];
        if columns == ExportColumns::All {
            cells.extend([
                r.reported_firmware.clone(),
                r.model.clone(),
                r.vendor.clone(),
                r.last_seen_at.map(rfc3339),
                r.last_seen_addr.clone(),
                r.state.clone(),
                Some(rfc3339(r.created_at)),
            ]);
        }
        let cells: Vec<String> = cells
            .iter()
            .map(|c| csv_cell(c.as_deref().unwrap_or("")))
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// A CSV field, made inert when a spreadsheet would run it ([`super::csv_file::neutralise`]) and
/// quoted when it holds a comma, quote, line break or edge space.
fn csv_cell(value: &str) -> String {
    let value = &*super::csv_file::neutralise(value);
    let needs_quotes = value.contains([',', '"', '\n', '\r']) || value.trim() != value;
    if needs_quotes {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}
