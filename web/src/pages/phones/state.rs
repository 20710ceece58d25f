//! The phone list's state as one value changed by named events, so every rule about how
//! one choice affects the others (a new filter starts again at page one with nothing
//! selected, opening a dialog hides the last notice, ...) is in one place and tested.

use std::collections::BTreeSet;
use std::rc::Rc;

use rcs_shared::{PhoneQuery, PhoneSort, SortOrder};
use yew::Reducible;

use super::filters::Filters;
use super::toolbar::Open;

/// Everything the phone list remembers between renders (the loaded page itself lives in
/// `use_resource`).
#[derive(Debug, Clone, PartialEq)]
pub struct ListState {
    pub filters: Filters,
    pub sort: (PhoneSort, SortOrder),
    pub limit: u32,
    /// Cursors of the pages that led here; the last one fetched the current page.
    pub cursors: Vec<Option<String>>,
    pub selected: BTreeSet<String>,
    pub open: Open,
    /// What the last dialog did ("Added 3 phone(s), ...").
    pub notice: Option<String>,
}

/// What can happen on the phone list.
#[derive(Debug, Clone, PartialEq)]
pub enum ListEvent {
    Filter(Filters),
    Sort((PhoneSort, SortOrder)),
    Limit(u32),
    /// `Some(cursor)`: the next page; `None`: the previous one.
    Page(Option<String>),
    Select(BTreeSet<String>),
    Open(Open),
    /// A dialog changed phones: close it, say what happened, maybe clear the selection.
    Done {
        message: String,
        clear: bool,
    },
}

impl ListState {
    /// The list as first shown; `unaffiliated` filters to phones without a server.
    pub fn new(unaffiliated: bool) -> ListState {
        ListState {
            filters: Filters {
                server: if unaffiliated {
                    "none".into()
                } else {
                    String::new()
                },
                ..Filters::default()
            },
            sort: (PhoneSort::Mac, SortOrder::Asc),
            limit: 50,
            cursors: vec![None],
            selected: BTreeSet::new(),
            open: Open::None,
            notice: None,
        }
    }

    /// The API query for the current page.
    pub fn query(&self) -> PhoneQuery {
        PhoneQuery {
            limit: Some(self.limit),
            sort: Some(self.sort.0),
            order: Some(self.sort.1),
            cursor: self.cursors.last().cloned().flatten(),
            ..self.filters.to_query()
        }
    }

    /// 1-based number of the current page.
    pub fn page(&self) -> usize {
        self.cursors.len()
    }

    /// Applies one event.
    pub fn apply(&mut self, event: ListEvent) {
        match event {
            ListEvent::Filter(f) => {
                self.filters = f;
                self.restart();
            }
            ListEvent::Sort(s) => {
                self.sort = s;
                self.restart();
            }
            ListEvent::Limit(l) => {
                self.limit = l;
                self.restart();
            }
            ListEvent::Page(Some(cursor)) => self.cursors.push(Some(cursor)),
            ListEvent::Page(None) => {
                if self.cursors.len() > 1 {
                    self.cursors.pop();
                }
            }
            ListEvent::Select(s) => self.selected = s,
            ListEvent::Open(o) => {
                self.notice = None;
                self.open = o;
            }
            ListEvent::Done { message, clear } => {
                self.open = Open::None;
                self.notice = Some(message);
                if clear {
                    self.selected.clear();
                }
            }
        }
    }

    /// Any change of what is listed starts again at page one with nothing selected.
    fn restart(&mut self) {
        self.cursors = vec![None];
        self.selected.clear();
    }
}

impl Reducible for ListState {
    type Action = ListEvent;

    fn reduce(self: Rc<Self>, event: ListEvent) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(event);
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> ListState {
        let mut s = ListState::new(false);
        s.apply(ListEvent::Page(Some("c1".into())));
        s.apply(ListEvent::Page(Some("c2".into())));
        s.apply(ListEvent::Select(["00085D1A2B3C".to_string()].into()));
        s
    }

    #[test]
    fn pages_are_a_stack_of_cursors() {
        let mut s = state();
        assert_eq!((s.page(), s.query().cursor.as_deref()), (3, Some("c2")));
        s.apply(ListEvent::Page(None));
        assert_eq!((s.page(), s.query().cursor.as_deref()), (2, Some("c1")));
        s.apply(ListEvent::Page(None));
        s.apply(ListEvent::Page(None));
        assert_eq!((s.page(), s.query().cursor), (1, None));
        // Turning pages keeps the selection.
        assert_eq!(s.selected.len(), 1);
    }

    #[test]
    fn a_new_filter_sort_or_page_size_starts_again_with_nothing_selected() {
        let events = [
            ListEvent::Filter(Filters {
                q: "5d1a".into(),
                ..Filters::default()
            }),
            ListEvent::Sort((PhoneSort::LastSeen, SortOrder::Desc)),
            ListEvent::Limit(100),
        ];
        for event in events {
            let mut s = state();
            s.apply(event.clone());
            assert_eq!((s.page(), s.selected.len()), (1, 0), "{event:?}");
        }
        let mut s = state();
        s.apply(ListEvent::Limit(25));
        assert_eq!(s.query().limit, Some(25));
    }

    #[test]
    fn unaffiliated_opens_filtered_to_phones_without_a_server() {
        assert_eq!(ListState::new(true).query().unaffiliated, Some(true));
        assert_eq!(ListState::new(false).query().unaffiliated, None);
    }

    #[test]
    fn a_dialog_hides_the_last_notice_and_its_end_shows_a_new_one() {
        let mut s = state();
        s.apply(ListEvent::Done {
            message: "Changed 1 phone(s).".into(),
            clear: false,
        });
        assert_eq!(s.notice.as_deref(), Some("Changed 1 phone(s)."));
        assert_eq!(s.selected.len(), 1);
        s.apply(ListEvent::Open(Open::Delete));
        assert_eq!((s.open.clone(), s.notice.clone()), (Open::Delete, None));
        s.apply(ListEvent::Done {
            message: "Deleted 1 phone(s).".into(),
            clear: true,
        });
        assert_eq!(s.open, Open::None);
        assert!(s.selected.is_empty());
    }
}
