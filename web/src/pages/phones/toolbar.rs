//! The phone list's actions (Add Phones, Upload CSV, Edit Properties, Delete, Export CSV),
//! the dialog each opens, and the pager under the table.

use std::collections::BTreeSet;

use yew::prelude::*;

use super::add::AddPhonesDialog;
use super::delete::DeletePhonesDialog;
use super::edit::EditPropertiesDialog;
use super::import::ImportDialog;
use crate::components::errors::ErrorText;
use crate::components::options::{event_value, Choices};
use crate::hooks::{use_action, Action};
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
    pub selected: BTreeSet<String>,
    pub on_open: Callback<Open>,
    pub on_clear: Callback<()>,
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
        let export = export.clone();
        Callback::from(move |_: MouseEvent| {
            export.run(
                |token| async move {
                    let blob = download::fetch_blob(&token, "/api/v1/phones/export").await?;
                    download::save(&blob, "phones.csv")
                },
                |()| {},
            );
        })
    };
    let exporting = export.busy();
    let export_error = export.error().as_ref().map(|e| e.to_string());
    let none = props.selected.is_empty();
    let count = props.selected.len();
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
                onclick={start_export}>{ if exporting { "Exporting…" } else { "Export CSV" } }</button>
            <span id="selected-count" class="muted selected-count" aria-live="polite">
                if count > 0 {
                    { format!("{count} selected ") }
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
    selected: &BTreeSet<String>,
    close: Callback<()>,
    on_done: Callback<(String, bool)>,
) -> Html {
    let macs: Vec<String> = selected.iter().cloned().collect();
    match open {
        Open::None => html! {},
        Open::Add => {
            html! { <AddPhonesDialog choices={choices.clone()} on_close={close} {on_done} /> }
        }
        Open::Import => {
            html! { <ImportDialog choices={choices.clone()} on_close={close} {on_done} /> }
        }
        Open::Edit => {
            html! { <EditPropertiesDialog {macs} choices={choices.clone()} on_close={close} {on_done} /> }
        }
        Open::Delete => html! { <DeletePhonesDialog {macs} on_close={close} {on_done} /> },
    }
}

#[derive(Properties, PartialEq)]
pub struct PagerProps {
    /// 1-based number of the current page.
    pub page: usize,
    pub has_next: bool,
    pub next: Option<String>,
    pub limit: u32,
    /// `Some(cursor)`: next page; `None`: previous page.
    pub on_page: Callback<Option<String>>,
    pub on_limit: Callback<u32>,
}

/// Previous / Next and the page size.
#[function_component]
pub fn Pager(props: &PagerProps) -> Html {
    let prev = {
        let on_page = props.on_page.clone();
        Callback::from(move |_: MouseEvent| on_page.emit(None))
    };
    let next = {
        let (on_page, cursor) = (props.on_page.clone(), props.next.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(c) = &cursor {
                on_page.emit(Some(c.clone()));
            }
        })
    };
    let on_limit = {
        let on_limit = props.on_limit.clone();
        Callback::from(move |e: Event| {
            if let Ok(l) = event_value(&e).parse() {
                on_limit.emit(l);
            }
        })
    };
    html! {
        <nav class="pager" aria-label="Pages">
            <button id="page-prev" type="button" class="button button-secondary" disabled={props.page <= 1}
                onclick={prev}>{ "‹ Previous" }</button>
            <span id="page-number" class="muted">{ format!("Page {}", props.page) }</span>
            <button id="page-next" type="button" class="button button-secondary" disabled={!props.has_next}
                onclick={next}>{ "Next ›" }</button>
            <label for="page-size" class="pager-size">{ "Per page" }</label>
            <select id="page-size" onchange={on_limit}>
                { for [25u32, 50, 100, 250].into_iter().map(|n| html! {
                    <option value={n.to_string()} selected={n == props.limit}>{ n }</option>
                }) }
            </select>
        </nav>
    }
}
