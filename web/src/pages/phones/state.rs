//! The phone list's state as one value changed by named events, so every rule about how
//! one choice affects the others (another filter or sort clears the selection, opening a
//! dialog hides the last notice, ...) is in one place and tested.
//!
//! The view (filters, sort, page size, page) comes from the address (`view`): controls
//! change the address, and the address's change arrives here as [`ListEvent::View`].

use std::collections::BTreeSet;
use std::rc::Rc;

use rcs_shared::PhoneFilter;
use yew::Reducible;

use super::toolbar::Open;
use super::view::ListView;

/// Everything the phone list remembers between renders (the loaded page itself lives in
/// `use_resource`).
#[derive(Debug, Clone, PartialEq)]
pub struct ListState {
    pub view: ListView,
    /// MACs ticked in the list.
    pub selected: BTreeSet<String>,
    /// "Select all N phones matching this filter": the filter and the count the user saw,
    /// instead of `selected`.
    pub matching: Option<(PhoneFilter, u64)>,
    pub open: Open,
    /// What the last dialog did ("Added 3 phones, ...").
    pub notice: Option<String>,
}

/// What can happen on the phone list.
#[derive(Debug, Clone, PartialEq)]
pub enum ListEvent {
    /// The address names another view.
    View(ListView),
    Select(BTreeSet<String>),
    /// Select every phone matching the current filter; the count is the list's total.
    SelectMatching(u64),
    Open(Open),
    /// A dialog changed phones: close it, say what happened, maybe clear the selection.
    Done {
        message: String,
        clear: bool,
    },
}

impl ListState {
    /// The list as the address `view` names it.
    pub fn new(view: ListView) -> ListState {
        ListState {
            view,
            selected: BTreeSet::new(),
            matching: None,
            open: Open::None,
            notice: None,
        }
    }

    /// True when something is selected.
    #[cfg(test)]
    pub fn has_selection(&self) -> bool {
        self.matching.is_some() || !self.selected.is_empty()
    }

    /// Applies one event.
    pub fn apply(&mut self, event: ListEvent) {
        match event {
            ListEvent::View(v) => {
                // Other phones or another order: what was selected is no longer what is
                // shown. Another page of the same list keeps it.
                if !self.view.same_list(&v) {
                    self.clear();
                }
                self.view = v;
            }
            ListEvent::Select(s) => {
                self.matching = None;
                self.selected = s;
            }
            ListEvent::SelectMatching(count) => {
                self.selected.clear();
                self.matching = Some((self.view.filters.to_query().filter(), count));
            }
            ListEvent::Open(o) => {
                self.notice = None;
                self.open = o;
            }
            ListEvent::Done { message, clear } => {
                self.open = Open::None;
                self.notice = Some(message);
                if clear {
                    self.clear();
                }
            }
        }
    }

    fn clear(&mut self) {
        self.selected.clear();
        self.matching = None;
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
    use super::super::filters::Filters;
    use super::super::view::At;
    use super::*;
    use rcs_shared::{PhoneSort, SortOrder};

    fn state() -> ListState {
        let mut s = ListState::new(ListView::default());
        s.apply(ListEvent::Select(["00085D1A2B3C".to_string()].into()));
        s
    }

    #[test]
    fn another_page_or_page_size_keeps_the_selection() {
        let mut s = state();
        s.apply(ListEvent::View(ListView {
            at: At::After("c1".into()),
            limit: 100,
            ..ListView::default()
        }));
        assert_eq!(s.selected.len(), 1);
        assert_eq!(s.view.api_query().cursor.as_deref(), Some("c1"));
    }

    #[test]
    fn another_filter_search_or_sort_clears_the_selection() {
        let views = [
            ListView {
                filters: Filters {
                    q: "5d1a".into(),
                    ..Filters::default()
                },
                ..ListView::default()
            },
            ListView {
                sort: (PhoneSort::LastSeen, SortOrder::Desc),
                ..ListView::default()
            },
        ];
        for view in views {
            let mut s = state();
            s.apply(ListEvent::SelectMatching(7));
            s.apply(ListEvent::View(view.clone()));
            assert!(!s.has_selection(), "{view:?}");
        }
    }

    #[test]
    fn select_matching_remembers_the_filter_and_count() {
        let mut s = ListState::new(ListView::parse("unaffiliated=true"));
        s.apply(ListEvent::SelectMatching(10_000));
        let (filter, count) = s.matching.clone().unwrap();
        assert_eq!((filter.unaffiliated, count), (Some(true), 10_000));
        assert!(s.selected.is_empty());
        s.apply(ListEvent::Select(["00085D1A2B3C".to_string()].into()));
        assert_eq!(s.matching, None);
    }

    #[test]
    fn a_dialog_hides_the_last_notice_and_its_end_shows_a_new_one() {
        let mut s = state();
        s.apply(ListEvent::Done {
            message: "Changed 1 phone.".into(),
            clear: false,
        });
        assert_eq!(s.notice.as_deref(), Some("Changed 1 phone."));
        assert_eq!(s.selected.len(), 1);
        s.apply(ListEvent::Open(Open::Delete));
        assert_eq!((s.open.clone(), s.notice.clone()), (Open::Delete, None));
        s.apply(ListEvent::Done {
            message: "Deleted 1 phone.".into(),
            clear: true,
        });
        assert_eq!(s.open, Open::None);
        assert!(!s.has_selection());
    }
}
