//! Phones: the list with its filters, search, sort and keyset pagination, and the dialogs
//! that act on it (add, CSV upload, edit properties, delete), plus one phone's detail.
//!
//! Pagination follows the API's cursors: the page keeps the stack of cursors that led to the
//! current page, so "Previous" pops one and "Next" pushes `next_cursor`. No page asks the
//! server to count or skip rows, which keeps every page turn as fast at a million phones as
//! at ten.
//!
//! The list's state (filters, sort, page size, cursors, selection, open dialog, notice) is
//! one value changed by events (`state`), not seven separate pieces kept in step by hand.

mod add;
mod delete;
mod detail;
mod edit;
mod filters;
mod import;
mod state;
mod table;
mod toolbar;

use std::collections::BTreeSet;

use yew::prelude::*;

use crate::components::errors::ErrorAlert;
use crate::components::options::{use_choices, Choices};
use crate::hooks::use_resource;
use crate::services::phones;
pub use detail::PhonePage;
use filters::FilterBar;
use state::{ListEvent, ListState};
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
    let state = use_reducer(|| ListState::new(props.unaffiliated));
    let (page, reload) = use_resource(state.query(), phones::list);

    let dispatch = state.dispatcher();
    // After a dialog changed phones: say what happened, reload this page.
    let on_done = {
        let dispatch = dispatch.clone();
        Callback::from(move |(message, clear): (String, bool)| {
            dispatch.dispatch(ListEvent::Done { message, clear });
            reload.emit(());
        })
    };
    let close = send(&dispatch, |()| ListEvent::Open(Open::None));
    let on_clear = send(&dispatch, |()| ListEvent::Select(BTreeSet::new()));

    let data = page.data.clone();
    let next = data.as_ref().and_then(|p| p.next_cursor.clone());
    html! {
        <>
            <div class="page-header">
                <h2>{ "Phones" }</h2>
            </div>
            <Toolbar selected={state.selected.clone()} on_open={send(&dispatch, ListEvent::Open)} {on_clear} />
            if let Some(message) = &state.notice {
                <p id="phones-notice" class="alert alert-success" role="status">{ message }</p>
            }
            <FilterBar filters={state.filters.clone()} choices={choices.clone()} on_change={send(&dispatch, ListEvent::Filter)} />
            <ErrorAlert id="phones-error" error={page.error.clone().or(choices.error.clone())} />
            <PhoneTable phones={data.map(|p| p.items.clone()).unwrap_or_default()}
                loading={page.loading} selected={state.selected.clone()} on_select={send(&dispatch, ListEvent::Select)}
                sort={state.sort} on_sort={send(&dispatch, ListEvent::Sort)} />
            <Pager page={state.page()} has_next={next.is_some()} {next} limit={state.limit}
                on_page={send(&dispatch, ListEvent::Page)} on_limit={send(&dispatch, ListEvent::Limit)} />
            { toolbar::dialog(&state.open, &choices, &state.selected, close, on_done) }
        </>
    }
}

/// A callback that turns its value into `event` on the list's state.
fn send<T: 'static>(
    dispatch: &UseReducerDispatcher<ListState>,
    event: fn(T) -> ListEvent,
) -> Callback<T> {
    let dispatch = dispatch.clone();
    Callback::from(move |value| dispatch.dispatch(event(value)))
}
