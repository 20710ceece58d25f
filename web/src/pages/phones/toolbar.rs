//! The phone list's actions (Add Phones, Upload CSV, Edit Properties, Delete, Export CSV),
//! the dialog each opens, and the pager under the table.

use rcs_shared::{ExportColumns, ExportSelection, PhoneSort, SortOrder};
use yew::prelude::*;

use super::add::AddPhonesDialog;
use super::delete::DeletePhonesDialog;
use super::edit::EditPropertiesDialog;
use super::import::ImportDialog;
use super::selection::Selection;
use super::view::{At, ListView, PAGE_SIZES};
use crate::components::errors::ErrorText;
use crate::components::options::{event_value, Choices};
use crate::hooks::{use_action, Action};
use crate::number::thousands;
use crate::services::api::with_query;
use crate::services::download;

/// Which dialog is open.
#[derive(Debug, Clone, PartialEq)]
pub enum Open {
    None,
    Add,
    Import,
    Edit,
    Delete,
}

#[derive(Properties, PartialEq)]
pub struct ToolbarProps {
    /// How many phones are selected (ticked, or all matching the filter).
    pub count: u64,
    pub on_open: Callback<Open>,
    pub on_clear: Callback<()>,
    /// The export's address for the list's filter and sort.
    pub export: AttrValue,
    /// The ticked phones' export (POST /phones/export), when phones are ticked: then Export
    /// writes those phones only.
    #[prop_or_default]
    pub ticked: Option<ExportSelection>,
}

/// GET /api/v1/phones/export with the view's filter and sort: the file holds what the list
/// lists, in its order, with every column.
pub fn export_path(view: &ListView) -> String {
    let q = view.filters.to_query();
    let sort = match view.sort.0 {
        PhoneSort::Mac => "mac",
        PhoneSort::LastSeen => "last_seen",
    };
    let order = match view.sort.1 {
        SortOrder::Asc => "asc",
        SortOrder::Desc => "desc",
    };
    with_query(
        "/api/v1/phones/export",
        &[
            ("unaffiliated", q.unaffiliated.map(|b| b.to_string())),
            ("server_id", q.server_id.map(|i| i.to_string())),
            ("branding_id", q.branding_id.map(|i| i.to_string())),
            ("firmware", q.firmware),
            ("q", q.q),
            ("seen", q.seen.map(|b| b.to_string())),
            ("firmware_pinned", q.firmware_pinned.map(|b| b.to_string())),
            ("own_branding", q.own_branding.map(|b| b.to_string())),
            ("sort", Some(sort.into())),
            ("order", Some(order.into())),
            ("columns", Some("all".into())),
        ],
    )
}

/// The export of the ticked phones, in the view's sort, with every column.
pub fn ticked_export(view: &ListView, macs: Vec<String>) -> ExportSelection {
    ExportSelection {
        macs: Some(macs),
        sort: Some(view.sort.0),
        order: Some(view.sort.1),
        columns: Some(ExportColumns::All),
        ..ExportSelection::default()
    }
}

/// The buttons above the table.
#[function_component]
pub fn Toolbar(props: &ToolbarProps) -> Html {
    let export: Action = use_action();
    let open = |o: Open| {
        let on_open = props.on_open.clone();
        Callback::from(move |_: MouseEvent| on_open.emit(o.clone()))
    };
    let start_export = {
        let (export, path, ticked) = (export.clone(), props.export.clone(), props.ticked.clone());
        Callback::from(move |_: MouseEvent| {
            let (path, ticked) = (path.clone(), ticked.clone());
            export.run(
                |token| async move {
                    match ticked {
                        Some(body) => {
                            let blob =
                                download::post_for_blob(&token, "/api/v1/phones/export", &body)
                                    .await?;
                            download::save(&blob, "phones-selected.csv")
                        }
                        None => {
                            let blob = download::fetch_blob(&token, &path).await?;
                            download::save(&blob, "phones.csv")
                        }
                    }
                },
                |()| {},
            );
        })
    };
    let export_label = match &props.ticked {
        Some(_) => format!("Export {} selected", thousands(props.count as i64)),
        None => "Export CSV".to_string(),
    };
    let export_title = match &props.ticked {
        Some(_) => "The ticked phones, in the list's order, with every column",
        None => "Every phone the list's filter selects, in the list's order",
    };
    let exporting = export.busy();
    let export_error = export.error().as_ref().map(|e| e.to_string());
    let none = props.count == 0;
    let count = props.count;
    html! {
        <div class="toolbar" role="toolbar" aria-label="Phone actions">
            <button id="phones-add" type="button" class="button button-primary" onclick={open(Open::Add)}>
                { "Add Phones" }
            </button>
            <button id="phones-import" type="button" class="button button-secondary" onclick={open(Open::Import)}>
                { "Upload CSV" }
            </button>
            <button id="phones-edit" type="button" class="button button-secondary" disabled={none}
                onclick={open(Open::Edit)}>{ "Edit Properties" }</button>
            <button id="phones-delete" type="button" class="button button-secondary button-danger-text" disabled={none}
                onclick={open(Open::Delete)}>{ "Delete" }</button>
            <button id="phones-export" type="button" class="button button-secondary" disabled={exporting}
                title={export_title}
                onclick={start_export}>{ if exporting { "Exporting…".to_string() } else { export_label } }</button>
            <span id="selected-count" class="muted selected-count" aria-live="polite">
                if count > 0 {
                    { format!("{} selected ", thousands(count as i64)) }
                    <button type="button" class="link-button"
                        onclick={let c = props.on_clear.clone(); move |_: MouseEvent| c.emit(())}>
                        { "Clear selection" }
                    </button>
                }
            </span>
            <ErrorText id="export-error" error={export_error} />
        </div>
    }
}

/// The open dialog, if any.
pub fn dialog(
    open: &Open,
    choices: &Choices,
    selection: &Selection,
    close: Callback<()>,
    on_done: Callback<(String, bool)>,
) -> Html {
    let selection = selection.clone();
    match open {
        Open::None => html! {},
        Open::Add => {
            html! { <AddPhonesDialog choices={choices.clone()} on_close={close} {on_done} /> }
        }
        Open::Import => {
            html! { <ImportDialog choices={choices.clone()} on_close={close} {on_done} /> }
        }
        Open::Edit => {
            html! { <EditPropertiesDialog {selection} choices={choices.clone()} on_close={close} {on_done} /> }
        }
        Open::Delete => html! { <DeletePhonesDialog {selection} on_close={close} {on_done} /> },
    }
}

#[derive(Properties, PartialEq)]
pub struct PagerProps {
    /// 1-based number of the current page, and how many there are.
    pub page: u64,
    pub pages: u64,
    /// Phones on all pages; with `exact` false, more than this (the count is on its way).
    pub total: u64,
    pub exact: bool,
    /// The API's cursors of the current page.
    pub prev: Option<String>,
    pub next: Option<String>,
    pub limit: u32,
    /// The page to show and its number.
    pub on_page: Callback<(At, u64)>,
    pub on_limit: Callback<u32>,
}

/// First, Previous, Next, Last and the page size.
#[function_component]
pub fn Pager(props: &PagerProps) -> Html {
    let to = |at: Option<At>, page: u64| {
        let on_page = props.on_page.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(at) = &at {
                on_page.emit((at.clone(), page));
            }
        })
    };
    let (page, pages) = (props.page, props.pages.max(props.page));
    let first = to(Some(At::First), 1);
    let prev = to(props.prev.clone().map(At::Before), page.saturating_sub(1));
    let next = to(props.next.clone().map(At::After), page + 1);
    // What the last page holds, so that Previous from it shows the pages as from the first.
    let rest = (props.total % u64::from(props.limit)) as u32;
    let last = to(Some(At::Last(rest)), props.pages);
    let on_limit = {
        let on_limit = props.on_limit.clone();
        Callback::from(move |e: Event| {
            if let Ok(l) = event_value(&e).parse() {
                on_limit.emit(l);
            }
        })
    };
    let no_prev = props.prev.is_none();
    let no_next = props.next.is_none();
    // The last page's number and size need the exact count.
    let no_last = no_next || !props.exact;
    html! {
        <nav class="pager" aria-label="Pages">
            <button id="page-first" type="button" class="button button-secondary" disabled={no_prev}
                onclick={first} aria-label="First page">{ "« First" }</button>
            <button id="page-prev" type="button" class="button button-secondary" disabled={no_prev}
                onclick={prev}>{ "‹ Previous" }</button>
            <span class="muted"><span id="page-number">{ format!("Page {page}") }</span>
                if props.exact {
                    <span id="page-count">{ format!(" of {}", thousands(pages as i64)) }</span>
                }</span>
            <button id="page-next" type="button" class="button button-secondary" disabled={no_next}
                onclick={next}>{ "Next ›" }</button>
            <button id="page-last" type="button" class="button button-secondary" disabled={no_last}
                onclick={last} aria-label="Last page">{ "Last »" }</button>
            <label for="page-size" class="pager-size">{ "Per page" }</label>
            <select id="page-size" onchange={on_limit}>
                { for PAGE_SIZES.into_iter().map(|n| html! {
                    <option value={n.to_string()} selected={n == props.limit}>{ n }</option>
                }) }
            </select>
        </nav>
    }
}
