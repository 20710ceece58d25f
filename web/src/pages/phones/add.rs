//! Add Phones, as in the original: an Enter field checked while typing, a MAC List (remove
//! selected, clear all), then Server, Branding and Firmware for all of them, and Add.
//!
//! A list with entries that cannot be registered (another account's MAC, ...) is refused
//! whole: every problem shows at its entry, and "Add the N valid phones" is offered as an
//! explicit choice (`skip_invalid`).

use rcs_shared::{AddPhones, PhoneProblem};
use wasm_bindgen::JsCast;
use web_sys::{HtmlOptionElement, HtmlSelectElement};
use yew::prelude::*;

use super::edit::{PropertySelects, PROPERTY_CODES};
use crate::components::dialog::Dialog;
use crate::components::errors::{except_codes, ErrorAlert, ErrorText};
use crate::components::options::{event_value, parse_id, Choices};
use crate::hooks::{use_action, Action, ActionError};
use crate::mac::{self, pretty, MacCheck};
use crate::services::api;
use crate::services::phones::{self, AddError};

impl ActionError for AddError {
    fn as_api(&self) -> Option<&api::Error> {
        match self {
            AddError::Other(e) => Some(e),
            AddError::Problems(_) => None,
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct AddPhonesProps {
    pub choices: Choices,
    pub on_close: Callback<()>,
    /// (message, clear the selection)
    pub on_done: Callback<(String, bool)>,
}

/// The Add Phones dialog.
#[function_component]
pub fn AddPhonesDialog(props: &AddPhonesProps) -> Html {
    let entry = use_state(String::new);
    // Shown after Add to List with an entry that is not (yet) a MAC.
    let entry_error = use_state(|| None::<String>);
    let list = use_state(Vec::<String>::new);
    let list_ref = use_node_ref();
    let server = use_state(|| {
        props
            .choices
            .servers
            .first()
            .map(|s| s.id.to_string())
            .unwrap_or_default()
    });
    let branding = use_state(String::new);
    let firmware = use_state(String::new);
    let add: Action<AddError> = use_action();
    let (api_error, problems) = match add.error() {
        Some(AddError::Other(e)) => (Some(e.clone()), Vec::new()),
        Some(AddError::Problems(p)) => (None, p.problems.clone()),
        None => (None, Vec::new()),
    };

    let check = mac::check(&entry);
    let live_error = match &check {
        MacCheck::Invalid(m) => Some(m.clone()),
        _ => (*entry_error).clone(),
    };

    let oninput = {
        let (entry, entry_error) = (entry.clone(), entry_error.clone());
        Callback::from(move |e: InputEvent| {
            entry.set(event_value(&e));
            entry_error.set(None);
        })
    };
    // Add to List: one MAC, or several pasted at once (separated by spaces, commas, lines).
    let add_to_list = {
        let (entry, entry_error, list) = (entry.clone(), entry_error.clone(), list.clone());
        let add = add.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            add.clear_error();
            match mac::add_to_list(&list, &entry) {
                Err(message) => entry_error.set(Some(message)),
                Ok(added) => {
                    list.set(added.list);
                    entry.set(added.left);
                    if added.error.is_some() {
                        entry_error.set(added.error);
                    }
                }
            }
        })
    };
    let remove_selected = {
        let (list, list_ref, add) = (list.clone(), list_ref.clone(), add.clone());
        Callback::from(move |_: MouseEvent| {
            add.clear_error();
            let Some(select) = list_ref.cast::<HtmlSelectElement>() else {
                return;
            };
            let chosen = select.selected_options();
            let picked: Vec<String> = (0..chosen.length())
                .filter_map(|i| chosen.item(i))
                .filter_map(|o| o.dyn_into::<HtmlOptionElement>().ok())
                .map(|o| o.value())
                .collect();
            list.set(
                list.iter()
                    .filter(|m| !picked.contains(m))
                    .cloned()
                    .collect(),
            );
        })
    };
    let clear_all = {
        let (list, add) = (list.clone(), add.clone());
        Callback::from(move |_: MouseEvent| {
            add.clear_error();
            list.set(Vec::new())
        })
    };
    let submit = {
        let (list, server, branding, firmware) = (
            list.clone(),
            server.clone(),
            branding.clone(),
            firmware.clone(),
        );
        let (add, on_done) = (add.clone(), props.on_done.clone());
        Callback::from(move |skip_invalid: bool| {
            let body = AddPhones {
                macs: (*list).clone(),
                server_id: parse_id(&server),
                branding_id: parse_id(&branding),
                firmware: (!firmware.is_empty()).then(|| (*firmware).clone()),
                skip_invalid,
            };
            let on_done = on_done.clone();
            add.run(
                |token| async move { phones::add(&token, &body).await },
                move |r| {
                    let mut message = format!("Added {} phone(s), updated {}", r.added, r.updated);
                    if !r.skipped.is_empty() {
                        message += &format!("; skipped {} that cannot be added", r.skipped.len());
                    }
                    on_done.emit((message + ".", false));
                },
            );
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let hint = match &check {
        MacCheck::Valid(m) => format!("{} is valid. Press Enter to add it to the list.", pretty(m)),
        _ => "12 hex digits in any usual spelling: 00085D1A2B3C, 00:08:5D:1A:2B:3C, 00-08-5D-1A-2B-3C or 0008.5D1A.2B3C.".to_string(),
    };
    let invalid = live_error.is_some();

    html! {
        <Dialog id="add-phones-dialog" title="Add Phones" wide=true on_close={props.on_close.clone()}>
            <form class="form" onsubmit={add_to_list}>
                <div class="field">
                    <label for="add-mac">{ "Enter" }</label>
                    <div class="input-row">
                        <input id="add-mac" type="text" autocomplete="off" spellcheck="false"
                            class={classes!(invalid.then_some("invalid"))}
                            aria-invalid={invalid.to_string()}
                            aria-describedby="add-mac-hint add-mac-error"
                            value={(*entry).clone()} {oninput} />
                        <button id="add-mac-button" type="submit" class="button button-secondary">{ "Add to List" }</button>
                    </div>
                    <p id="add-mac-hint" class={classes!("hint", matches!(check, MacCheck::Valid(_)).then_some("hint-ok"))}>{ hint }</p>
                    <ErrorText id="add-mac-error" error={live_error} />
                </div>
            </form>
            <div class="field">
                <label for="mac-list">{ format!("MAC List ({})", list.len()) }</label>
                <select id="mac-list" multiple=true size="6" ref={list_ref} class="mac-list mono"
                    aria-invalid={(!problems.is_empty()).to_string()} aria-describedby="add-problems">
                    { for list.iter().enumerate().map(|(i, m)| entry_option(i, m, &problems)) }
                </select>
                { problem_list(&problems, list.len(), &submit) }
                <div class="button-row">
                    <button id="mac-list-remove" type="button" class="button button-small" onclick={remove_selected}
                        disabled={list.is_empty()}>{ "Remove Selected" }</button>
                    <button id="mac-list-clear" type="button" class="button button-small" onclick={clear_all}
                        disabled={list.is_empty()}>{ "Clear All" }</button>
                </div>
            </div>
            <PropertySelects prefix="add" choices={props.choices.clone()} unchanged=false
                server={server.clone()} branding={branding.clone()} firmware={firmware.clone()}
                error={api_error.clone()} />
            <ErrorAlert id="add-phones-error" error={except_codes(&api_error, PROPERTY_CODES)} />
            <div class="form-actions">
                <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                <button id="add-phones-submit" type="button" class="button button-primary"
                    disabled={add.busy() || list.is_empty()} onclick={submit.reform(|_: MouseEvent| false)}>
                    { if add.busy() { "Adding…" } else { "Add" } }
                </button>
            </div>
        </Dialog>
    }
}

/// One entry of the MAC List, with its problem after it when the last Add refused it.
fn entry_option(index: usize, mac: &str, problems: &[PhoneProblem]) -> Html {
    match problems.iter().find(|p| p.index == index as u64) {
        Some(p) => html! {
            <option value={mac.to_string()} class="invalid" id={format!("mac-entry-{index}")}
                title={p.message.clone()}>
                { format!("{} ⚠ {}", p.mac, p.message) }
            </option>
        },
        None => html! {
            <option value={mac.to_string()} id={format!("mac-entry-{index}")}>{ pretty(mac) }</option>
        },
    }
}

/// Every problem of the last Add, by entry, and the choice to add the others.
fn problem_list(problems: &[PhoneProblem], listed: usize, submit: &Callback<bool>) -> Html {
    if problems.is_empty() {
        return html! {};
    }
    let valid = listed.saturating_sub(problems.len());
    let skip = submit.reform(|_: MouseEvent| true);
    html! {
        <div id="add-problems" class="alert alert-error" role="alert">
            <p>{ format!("{} of the {listed} MAC addresses cannot be added; nothing was added. Remove them, or add the others.", problems.len()) }</p>
            <ul class="mono small">
                { for problems.iter().map(|p| html! {
                    <li class="add-problem">{ format!("Entry {}: {} — {}", p.index + 1, p.mac, p.message) }</li>
                }) }
            </ul>
            if valid > 0 {
                <button id="add-phones-skip-invalid" type="button" class="button button-secondary" onclick={skip}>
                    { format!("Add the {valid} valid {}", if valid == 1 { "phone" } else { "phones" }) }
                </button>
            }
        </div>
    }
}
