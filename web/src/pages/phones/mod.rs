//! Phones: the list with its filters, search, sort and keyset pagination, and the dialogs
//! that act on it (add, CSV upload, edit properties, delete), plus one phone's detail.
//!
//! Pagination follows the API's cursors: the page keeps the stack of cursors that led to the
//! current page, so "Previous" pops one and "Next" pushes `next_cursor`. No page asks the
//! server to count or skip rows, which keeps every page turn as fast at a million phones as
//! at ten.

mod add;
mod delete;
mod detail;
mod edit;
mod filters;
mod import;
mod table;
mod toolbar;

use std::collections::BTreeSet;

use rcs_shared::{PhoneQuery, PhoneSort, SortOrder};
use yew::prelude::*;

use crate::components::errors::ErrorAlert;
use crate::components::options::{use_choices, Choices};
use crate::hooks::use_resource;
use crate::services::phones;
pub use detail::PhonePage;
use filters::{FilterBar, Filters};
use table::PhoneTable;
use toolbar::{Open, Pager, Toolbar};

#[derive(Properties, PartialEq)]
pub struct PhonesPageProps {
    /// Open filtered to phones without a server ("Set Unaffiliated Phones").
    #[prop_or_default]
    pub unaffiliated: bool,
}

/// The phone list.
#[function_component]
pub fn PhonesPage(props: &PhonesPageProps) -> Html {
    let choices: Choices = use_choices();
    let filters = use_state(|| Filters {
        server: if props.unaffiliated {
            "none".into()
        } else {
            String::new()
        },
        ..Filters::default()
    });
    let sort = use_state(|| (PhoneSort::Mac, SortOrder::Asc));
    let limit = use_state(|| 50u32);
    // Cursors of the pages that led here; the last one fetched the current page.
    let cursors = use_state(|| vec![None::<String>]);
    let selected = use_state(BTreeSet::<String>::new);
    let open = use_state(|| Open::None);
    let notice = use_state(|| None::<String>);

    let query = PhoneQuery {
        limit: Some(*limit),
        sort: Some(sort.0),
        order: Some(sort.1),
        cursor: cursors.last().cloned().flatten(),
        ..filters.to_query()
    };
    let (page, reload) = use_resource(query, phones::list);

    // Any change of what is listed starts again at page one with nothing selected.
    let restart = {
        let (cursors, selected) = (cursors.clone(), selected.clone());
        move || {
            cursors.set(vec![None]);
            selected.set(BTreeSet::new());
        }
    };
    let on_filters = {
        let (filters, restart) = (filters.clone(), restart.clone());
        Callback::from(move |f: Filters| {
            filters.set(f);
            restart();
        })
    };
    let on_sort = {
        let (sort, restart) = (sort.clone(), restart.clone());
        Callback::from(move |s: (PhoneSort, SortOrder)| {
            sort.set(s);
            restart();
        })
    };
    let on_limit = {
        let (limit, restart) = (limit.clone(), restart.clone());
        Callback::from(move |l: u32| {
            limit.set(l);
            restart();
        })
    };
    let on_page = {
        let cursors = cursors.clone();
        Callback::from(move |next: Option<String>| {
            let mut stack = (*cursors).clone();
            match next {
                Some(cursor) => stack.push(Some(cursor)),
                None if stack.len() > 1 => {
                    stack.pop();
                }
                None => {}
            }
            cursors.set(stack);
        })
    };
    // After a dialog changed phones: say what happened, reload this page.
    let on_done = {
        let (open, notice, selected, reload) = (
            open.clone(),
            notice.clone(),
            selected.clone(),
            reload.clone(),
        );
        Callback::from(move |(message, clear): (String, bool)| {
            open.set(Open::None);
            notice.set(Some(message));
            if clear {
                selected.set(BTreeSet::new());
            }
            reload.emit(());
        })
    };
    let on_open = {
        let (open, notice) = (open.clone(), notice.clone());
        Callback::from(move |o: Open| {
            notice.set(None);
            open.set(o);
        })
    };
    let on_select = {
        let selected = selected.clone();
        Callback::from(move |s: BTreeSet<String>| selected.set(s))
    };

    let data = page.data.clone();
    let next = data.as_ref().and_then(|p| p.next_cursor.clone());
    html! {
        <>
            <div class="page-header">
                <h2>{ "Phones" }</h2>
            </div>
            <Toolbar selected={(*selected).clone()} on_open={on_open.clone()}
                on_clear={let s = selected.clone(); move |()| s.set(BTreeSet::new())} />
            if let Some(message) = &*notice {
                <p id="phones-notice" class="alert alert-success" role="status">{ message }</p>
            }
            <FilterBar filters={(*filters).clone()} choices={choices.clone()} on_change={on_filters} />
            <ErrorAlert id="phones-error" error={page.error.clone().or(choices.error.clone())} />
            <PhoneTable phones={data.map(|p| p.items.clone()).unwrap_or_default()}
                loading={page.loading} selected={(*selected).clone()} {on_select}
                sort={*sort} {on_sort} />
            <Pager page={cursors.len()} has_next={next.is_some()} {next} limit={*limit}
                {on_page} {on_limit} />
            { toolbar::dialog(&open, &choices, &selected, on_done) }
        </>
    }
}
