//! The phone list's view as the address's query string (`#/phones?server_id=3&q=5d1a&
//! sort=last_seen&order=desc&limit=100&cursor=...`): what is listed, in which order, how
//! many per page and which page. The address is the one place the view lives, so a reload,
//! a bookmark or Back from a phone's page shows the same list again.

use rcs_shared::{PhoneQuery, PhoneSort, SortOrder};

use super::filters::{Filters, NOT_PINNED, PINNED};

/// Which page of the list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum At {
    #[default]
    First,
    /// The page after this cursor (`next_cursor` of the page before).
    After(String),
    /// The page before this cursor (`prev_cursor` of the page after).
    Before(String),
    /// The last page, holding this many phones (what is left after the full pages, so
    /// its pages back line up with those from the first); 0: a full page.
    Last(u32),
}

/// Page sizes the list offers; another `limit` in an address falls back to the default.
pub const PAGE_SIZES: [u32; 4] = [25, 50, 100, 250];
const DEFAULT_LIMIT: u32 = 50;

/// Everything the address says about the list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListView {
    pub filters: Filters,
    pub sort: (PhoneSort, SortOrder),
    pub limit: u32,
    pub at: At,
    /// 1-based number of the page, for "Page 2 of 21" only (the cursor finds the page).
    pub page: u64,
}

impl Default for ListView {
    fn default() -> Self {
        ListView {
            filters: Filters::default(),
            sort: (PhoneSort::Mac, SortOrder::Asc),
            limit: DEFAULT_LIMIT,
            at: At::First,
            page: 1,
        }
    }
}

impl ListView {
    /// Reads a query string; unknown names and bad values are ignored (an old bookmark
    /// still opens the list).
    pub fn parse(query: &str) -> ListView {
        let mut v = ListView::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value);
            let f = &mut v.filters;
            match name {
                "unaffiliated" if value == "true" => f.server = "none".into(),
                "unaffiliated" if value == "false" => f.server = "any".into(),
                "server_id" if value.parse::<i64>().is_ok() => f.server = value,
                "branding_id" if value.parse::<i64>().is_ok() => f.branding = value,
                "firmware" => f.firmware = value,
                "firmware_pinned" if value == "true" => f.firmware = PINNED.into(),
                "firmware_pinned" if value == "false" => f.firmware = NOT_PINNED.into(),
                "own_branding" if value == "true" => f.branding = "own".into(),
                "own_branding" if value == "false" => f.branding = "none".into(),
                "seen" if value == "true" || value == "false" => f.seen = value,
                "q" => f.q = value,
                "sort" if value == "last_seen" => v.sort.0 = PhoneSort::LastSeen,
                "order" if value == "desc" => v.sort.1 = SortOrder::Desc,
                "limit" => {
                    if let Some(l) = value.parse().ok().filter(|l| PAGE_SIZES.contains(l)) {
                        v.limit = l;
                    }
                }
                "cursor" if !value.is_empty() => v.at = At::After(value),
                "before" if !value.is_empty() => v.at = At::Before(value),
                "last" if value == "true" => v.at = At::Last(0),
                "last" => {
                    if let Ok(n) = value.parse() {
                        v.at = At::Last(n);
                    }
                }
                "page" => v.page = value.parse().ok().filter(|p| *p > 0).unwrap_or(1),
                _ => {}
            }
        }
        v
    }

    /// The query string of this view; defaults are left out, so all phones is "".
    pub fn to_query(&self) -> String {
        let f = &self.filters;
        let mut pairs: Vec<(&str, String)> = Vec::new();
        match f.server.as_str() {
            "" => {}
            "none" => pairs.push(("unaffiliated", "true".into())),
            "any" => pairs.push(("unaffiliated", "false".into())),
            id => pairs.push(("server_id", id.into())),
        }
        let mut put = |name, value: &str| {
            if !value.is_empty() {
                pairs.push((name, value.to_string()));
            }
        };
        match f.own_branding() {
            Some(own) => put("own_branding", &own.to_string()),
            None => put("branding_id", &f.branding),
        }
        match f.firmware_pinned() {
            Some(pinned) => put("firmware_pinned", &pinned.to_string()),
            None => put("firmware", &f.firmware),
        }
        put("seen", &f.seen);
        put("q", &f.q);
        if self.sort.0 == PhoneSort::LastSeen {
            pairs.push(("sort", "last_seen".into()));
        }
        if self.sort.1 == SortOrder::Desc {
            pairs.push(("order", "desc".into()));
        }
        if self.limit != DEFAULT_LIMIT {
            pairs.push(("limit", self.limit.to_string()));
        }
        match &self.at {
            At::First => {}
            At::After(c) => pairs.push(("cursor", c.clone())),
            At::Before(c) => pairs.push(("before", c.clone())),
            At::Last(0) => pairs.push(("last", "true".into())),
            At::Last(n) => pairs.push(("last", n.to_string())),
        }
        if self.page > 1 {
            pairs.push(("page", self.page.to_string()));
        }
        pairs
            .iter()
            .map(|(n, v)| format!("{n}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The API query of the page this view shows.
    pub fn api_query(&self) -> PhoneQuery {
        let (cursor, before, last) = match &self.at {
            At::First => (None, None, None),
            At::After(c) => (Some(c.clone()), None, None),
            At::Before(c) => (None, Some(c.clone()), None),
            At::Last(_) => (None, None, Some(true)),
        };
        let limit = match self.at {
            At::Last(n) if (1..self.limit).contains(&n) => n,
            _ => self.limit,
        };
        PhoneQuery {
            limit: Some(limit),
            sort: Some(self.sort.0),
            order: Some(self.sort.1),
            cursor,
            before,
            last,
            ..self.filters.to_query()
        }
    }

    /// This list at another page.
    pub fn at(&self, at: At, page: u64) -> ListView {
        ListView {
            at,
            page: page.max(1),
            ..self.clone()
        }
    }

    /// True when `other` lists the same phones in the same order (another page or page size
    /// of the same list keeps the selection).
    pub fn same_list(&self, other: &ListView) -> bool {
        self.filters.to_query() == other.filters.to_query() && self.sort == other.sort
    }
}

/// Percent-encodes everything but unreserved characters.
fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Undoes [`encode`] (and `+` for a space, as forms write it).
fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_survives_the_address() {
        let v = ListView {
            filters: Filters {
                server: "3".into(),
                branding: "2".into(),
                firmware: "4.2.0.181".into(),
                seen: "false".into(),
                q: "5d:1a &x".into(),
            },
            sort: (PhoneSort::LastSeen, SortOrder::Desc),
            limit: 100,
            at: At::Before("6d7c".into()),
            page: 3,
        };
        let q = v.to_query();
        assert_eq!(
            q,
            "server_id=3&branding_id=2&firmware=4.2.0.181&seen=false&q=5d%3A1a%20%26x&sort=last_seen&order=desc&limit=100&before=6d7c&page=3"
        );
        assert_eq!(ListView::parse(&q), v);
        assert_eq!(ListView::default().to_query(), "");
        let last = ListView::parse("unaffiliated=true&last=true");
        assert_eq!(
            (last.filters.server.as_str(), last.at.clone()),
            ("none", At::Last(0))
        );
        assert_eq!(last.api_query().last, Some(true));
        assert_eq!(last.api_query().unaffiliated, Some(true));
        // 60 phones at 25 a page: the last page holds 10.
        let last = ListView::parse("limit=25&last=10");
        assert_eq!(last.api_query().limit, Some(10));
        assert_eq!(ListView::parse(&last.to_query()), last);
        // The summary's tiles: any pinned release, a branding of their own.
        let tiles = ListView::parse("firmware_pinned=true&own_branding=false");
        assert_eq!(tiles.to_query(), "own_branding=false&firmware_pinned=true");
        let api = tiles.api_query();
        assert_eq!(
            (api.firmware_pinned, api.own_branding),
            (Some(true), Some(false))
        );
        assert_eq!((api.firmware, api.branding_id), (None, None));
    }

    #[test]
    fn bad_values_fall_back_to_the_defaults() {
        let v = ListView::parse("server_id=x&limit=7&sort=nope&order=up&junk&q=%zz");
        assert_eq!(v.filters.server, "");
        assert_eq!(v.limit, 50);
        assert_eq!(v.sort, (PhoneSort::Mac, SortOrder::Asc));
        assert_eq!(v.filters.q, "%zz");
    }
}
