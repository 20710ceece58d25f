//! Phones: the list with its filters, search, sort and keyset pagination, and the dialogs
//! that act on it (add, CSV upload, edit properties, delete), plus one phone's detail.
//!
//! Pagination follows the API's cursors (`next_cursor`, `prev_cursor` as `before`, `last`):
//! no page asks the server to skip rows, which keeps every page turn as fast at a million
//! phones as at ten. The view (filters, search, sort, page size, page) lives in the address
//! (`view`), so reload, bookmarks and Back from a phone's page show the same list.
//!
//! The list's other state (selection, open dialog, notice) is one value changed by events
//! (`state`), not separate pieces kept in step by hand.

mod add;
mod delete;
mod detail;
mod edit;
mod filters;
mod import;
mod selection;
mod state;
mod table;
mod toolbar;
mod view;

use yew::prelude::*;

use crate::components::errors::ErrorAlert;
use crate::components::options::{use_choices, Choices};
use crate::hooks::use_resource;
use crate::number::thousands;
use crate::route::{navigate, Route};
use crate::services::phones;
pub use detail::PhonePage;
use filters::{FilterBar, Filters};
use selection::{in_words, Selection};
use state::{ListEvent, ListState};
use table::PhoneTable;
use toolbar::{Open, Pager, Toolbar};
use view::{At, ListView};

#[derive(Properties, PartialEq)]
pub struct PhonesPageProps {
    /// The view as the address's query string (`unaffiliated=true&sort=last_seen`).
    #[prop_or_default]
    pub query: AttrValue,
}

thread_local! {
    /// The list's last address, for "Back to Phones" and after deleting on a phone's page.
    static LAST_LIST: std::cell::RefCell<String> = Default::default();
}

/// The phone list as it was last shown (its filters, sort and page).
pub fn last_list() -> Route {
    Route::Phones {
        query: LAST_LIST.with(|l| l.borrow().clone()),
    }
}

/// Shows `view` by putting it in the address; `replace` for changes Back should skip.
fn go(view: &ListView, replace: bool) {
    navigate(
        &Route::Phones {
            query: view.to_query(),
        }
        .href(),
        replace,
    );
}

/// The phone list.
#[function_component]
pub fn PhonesPage(props: &PhonesPageProps) -> Html {
    let choices: Choices = use_choices();
    let state = use_reducer(|| ListState::new(ListView::parse(&props.query)));
    {
        let dispatch = state.dispatcher();
        use_effect_with(props.query.clone(), move |q| {
            LAST_LIST.with(|l| *l.borrow_mut() = q.to_string());
            dispatch.dispatch(ListEvent::View(ListView::parse(q)))
        });
    }
    let (page, reload) = use_resource(state.view.api_query(), phones::list);
    // A page counts only up to 1,000; past that the exact number is asked once for the
    // filters, apart from the page, and kept while the pages turn.
    let filters = state.view.filters.to_query();
    let uncounted = page
        .data
        .as_ref()
        .filter(|p| !p.total_exact)
        .map(|_| filters.clone());
    let (counted, recount) = use_resource(uncounted, phones::count);
    let dispatch = state.dispatcher();
    // After a dialog changed phones: say what happened, reload this page (and its count).
    let on_done = {
        let dispatch = dispatch.clone();
        Callback::from(move |(message, clear): (String, bool)| {
            dispatch.dispatch(ListEvent::Done { message, clear });
            reload.emit(());
            recount.emit(());
        })
    };
    let close = send(&dispatch, |()| ListEvent::Open(Open::None));
    let on_clear = send(&dispatch, |()| ListEvent::Select(Default::default()));
    let view = state.view.clone();
    let on_filter = Callback::from({
        let view = view.clone();
        move |filters: Filters| {
            // Typing in the search box replaces the entry; picking a filter adds one.
            let typed = Filters {
                q: view.filters.q.clone(),
                ..filters.clone()
            } == view.filters;
            go(
                &ListView {
                    filters,
                    ..view.at(At::First, 1)
                },
                typed,
            );
        }
    });
    let on_sort = Callback::from({
        let view = view.clone();
        move |sort| {
            go(
                &ListView {
                    sort,
                    ..view.at(At::First, 1)
                },
                false,
            )
        }
    });
    let on_limit = Callback::from({
        let view = view.clone();
        move |limit| {
            go(
                &ListView {
                    limit,
                    ..view.at(At::First, 1)
                },
                false,
            )
        }
    });
    let on_page = Callback::from({
        let view = view.clone();
        move |(at, page): (At, u64)| go(&view.at(at, page), false)
    });

    let data = page.data.clone();
    let items = data.as_ref().map(|p| p.items.clone()).unwrap_or_default();
    let (total, exact) = match (data.as_deref(), counted.data.as_deref()) {
        (Some(p), _) if p.total_exact => (p.total, true),
        (Some(_), Some(Some((of, n)))) if *of == filters => (*n, true),
        (Some(p), _) => (p.total, false),
        (None, _) => (0, true),
    };
    let words = in_words(&view.filters, &choices);
    let selection = match &state.matching {
        Some((filter, count)) => Selection::Matching {
            filter: filter.clone(),
            count: *count,
            words: words.clone(),
        },
        None => Selection::Macs(state.selected.iter().cloned().collect()),
    };
    // With every matching phone selected, every row shows ticked.
    let ticked = if state.matching.is_some() {
        items.iter().map(|p| p.mac.clone()).collect()
    } else {
        state.selected.clone()
    };
    let page_full = !items.is_empty() && items.iter().all(|p| ticked.contains(&p.mac));
    let export = toolbar::export_path(&view);
    let ticked_export = match &selection {
        Selection::Macs(macs) if !macs.is_empty() => {
            Some(toolbar::ticked_export(&view, macs.clone()))
        }
        _ => None,
    };
    html! {
        <>
            <div class="page-header">
                <h2>{ "Phones" }</h2>
                if data.is_some() {
                    <p id="phones-total" class="muted" role="status">
                        { selection::total_line(total, exact) }
                    </p>
                }
            </div>
            <Toolbar count={selection.count()} on_open={send(&dispatch, ListEvent::Open)} {on_clear} {export} ticked={ticked_export} />
            if let Some(message) = &state.notice {
                <p id="phones-notice" class="alert alert-success" role="status">{ message }</p>
            }
            { select_bar(&state, page_full, items.len(), exact.then_some(total), &words, &dispatch) }
            <FilterBar filters={view.filters.clone()} choices={choices.clone()} on_change={on_filter} />
            <ErrorAlert id="phones-error" error={page.error.clone().or(choices.error.clone())} />
            <PhoneTable phones={items} loading={page.loading} selected={ticked}
                on_select={send(&dispatch, ListEvent::Select)} sort={view.sort} {on_sort} />
            <Pager page={view.page} {total} {exact} pages={total.div_ceil(u64::from(view.limit)).max(1)}
                prev={data.as_ref().and_then(|p| p.prev_cursor.clone())}
                next={data.as_ref().and_then(|p| p.next_cursor.clone())}
                limit={view.limit} {on_page} {on_limit} />
            { toolbar::dialog(&state.open, &choices, &selection, close, on_done) }
        </>
    }
}

/// The bar that offers to extend a full page's selection to every matching phone (once
/// their exact number, `total`, is known), or says that every matching phone is selected.
fn select_bar(
    state: &ListState,
    page_full: bool,
    on_page: usize,
    total: Option<u64>,
    words: &str,
    dispatch: &UseReducerDispatcher<ListState>,
) -> Html {
    let clear = send(dispatch, |_: MouseEvent| {
        ListEvent::Select(Default::default())
    });
    if let Some((_, count)) = &state.matching {
        return html! {
            <p id="select-bar" class="alert alert-info" role="status">
                { format!("All {} {} matching {words} are selected. ", thousands(*count as i64), selection::phones(*count)) }
                <button id="select-bar-clear" type="button" class="link-button" onclick={clear}>{ "Clear selection" }</button>
            </p>
        };
    }
    let Some(total) = total.filter(|t| page_full && *t > on_page as u64) else {
        return html! {};
    };
    let select_all = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(ListEvent::SelectMatching(total)))
    };
    html! {
        <p id="select-bar" class="alert alert-info" role="status">
            { format!("All {} on this page are selected. ", thousands(on_page as i64)) }
            <button id="select-matching" type="button" class="link-button" onclick={select_all}>
                { format!("Select all {} phones matching {words}", thousands(total as i64)) }
            </button>
        </p>
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
