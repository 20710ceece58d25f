//! Reading phones: one by MAC, a filtered and sorted page, and the CSV export.
//!
//! Pages are keyset pages ([`crate::db::phones::list`]); the cursor handed to clients is the sort
//! key of a page's last row, encoded so it survives any query string.

use rcs_shared::{Phone, PhonePage, PhoneQuery, PhoneSort};

use super::phone_not_found;
use crate::db::phones::{self, Cursor, Filter, Page, PhoneRow};
use crate::db::Db;
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

/// The filter and page a list query asks for (`limit` 1..=1000, default 50), or `None`
/// when its MAC search cannot match any MAC.
fn plan(q: PhoneQuery) -> Result<Option<(Filter, Page)>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return Err(Error::unprocessable(
            "invalid_limit",
            "limit must be between 1 and 1000.",
        ));
    }
    let (sort, order) = (q.sort.unwrap_or_default(), q.order.unwrap_or_default());
    let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(Cursor::decode(c, sort, order).ok_or_else(|| {
            Error::bad_request(
                "invalid_cursor",
                "The cursor is not valid for this sort order.",
            )
        })?),
        None => None,
    };
    let mac_fragment = match q.q.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(text) => match Mac::fragment(text) {
            Some(fragment) => Some(fragment),
            None => return Ok(None),
        },
        None => None,
    };
    let filter = Filter {
        unaffiliated: q.unaffiliated,
        server_id: q.server_id,
        branding_id: q.branding_id,
        firmware: q.firmware,
        mac_fragment,
        seen: q.seen,
    };
    let page = Page {
        sort,
        order,
        after,
        limit,
    };
    Ok(Some((filter, page)))
}

/// A page of the account's phones, filtered and sorted, with a cursor for the next page.
pub async fn list(db: &Db, actor: &Actor, query: PhoneQuery) -> Result<PhonePage> {
    let Some((filter, page)) = plan(query)? else {
        // A search no MAC can match.
        return Ok(PhonePage {
            items: vec![],
            next_cursor: None,
        });
    };
    let (limit, sort, order) = (page.limit, page.sort, page.order);
    // One extra row tells whether a next page exists without a COUNT.
    let page = Page {
        limit: limit + 1,
        ..page
    };
    let mut rows = phones::list(db, actor.account_id, &filter, &page).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = rows
        .last()
        .filter(|_| more)
        .map(|r| Cursor::after(r, sort).encode(order));
    let items = rows.iter().map(PhoneRow::to_dto).collect();
    Ok(PhonePage { items, next_cursor })
}

/// Rows per page of a streamed export.
const EXPORT_PAGE: u32 = 1000;

/// One page of the export (all of the account's phones by MAC, `EXPORT_PAGE` at a time)
/// after `after` (`None`: the first page) as CSV lines, and where the next page starts
/// (`None`: this was the last).
pub async fn export_page(
    db: &Db,
    actor: &Actor,
    after: Option<Cursor>,
) -> Result<(String, Option<Cursor>)> {
    let page = Page {
        sort: PhoneSort::Mac,
        order: Default::default(),
        after,
        limit: EXPORT_PAGE,
    };
    let rows = phones::list(db, actor.account_id, &Filter::default(), &page).await?;
    let next = (rows.len() == EXPORT_PAGE as usize)
        .then(|| rows.last().map(|r| Cursor::after(r, PhoneSort::Mac)))
        .flatten();
    Ok((csv_rows(&rows), next))
}

/// `mac,server,branding,firmware` lines, as the import reads them back.
fn csv_rows(rows: &[PhoneRow]) -> String {
    let mut out = String::with_capacity(rows.len() * 40);
    for r in rows {
        let cells = [
            Some(r.mac.as_str()),
            r.server_name.as_deref(),
            r.branding_name.as_deref(),
            r.firmware.as_deref(),
        ];
        let cells: Vec<String> = cells.iter().map(|c| csv_cell(c.unwrap_or(""))).collect();
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
