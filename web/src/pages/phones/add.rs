//! Add Phones, as in the original: an Enter field checked while typing, a MAC List (remove
//! selected, clear all), then Server, Branding and Firmware for all of them, and Add.

use rcs_shared::AddPhones;
use wasm_bindgen::JsCast;
use web_sys::{HtmlOptionElement, HtmlSelectElement};
use yew::prelude::*;

use super::edit::{PropertySelects, PROPERTY_CODES};
use crate::components::dialog::Dialog;
use crate::components::errors::{except_codes, ErrorAlert, ErrorText};
use crate::components::options::{event_value, parse_id, Choices};
use crate::hooks::{use_action, Action};
use crate::mac::{self, pretty, MacCheck};
use crate::services::phones;

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
    let add: Action = use_action();

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
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
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
        let (list, list_ref) = (list.clone(), list_ref.clone());
        Callback::from(move |_: MouseEvent| {
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
        let list = list.clone();
        Callback::from(move |_: MouseEvent| list.set(Vec::new()))
    };
    let submit = {
        let (list, server, branding, firmware) = (
            list.clone(),
            server.clone(),
            branding.clone(),
            firmware.clone(),
        );
        let (add, on_done) = (add.clone(), props.on_done.clone());
        Callback::from(move |_: MouseEvent| {
            let body = AddPhones {
                macs: (*list).clone(),
                server_id: parse_id(&server),
                branding_id: parse_id(&branding),
                firmware: (!firmware.is_empty()).then(|| (*firmware).clone()),
                ..AddPhones::default()
            };
            let on_done = on_done.clone();
            add.run(
                |token| async move { phones::add(&token, &body).await },
                move |r| {
                    let message = format!("Added {} phone(s), updated {}.", r.added, r.updated);
                    on_done.emit((message, false));
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
                <select id="mac-list" multiple=true size="6" ref={list_ref} class="mac-list mono">
                    { for list.iter().map(|m| html! { <option value={m.clone()}>{ pretty(m) }</option> }) }
                </select>
                <div class="button-row">
                    <button id="mac-list-remove" type="button" class="button button-small" onclick={remove_selected}
                        disabled={list.is_empty()}>{ "Remove Selected" }</button>
                    <button id="mac-list-clear" type="button" class="button button-small" onclick={clear_all}
                        disabled={list.is_empty()}>{ "Clear All" }</button>
                </div>
            </div>
            <PropertySelects prefix="add" choices={props.choices.clone()} unchanged=false
                server={server.clone()} branding={branding.clone()} firmware={firmware.clone()}
                error={add.error().clone()} />
            <ErrorAlert id="add-phones-error" error={except_codes(add.error(), PROPERTY_CODES)} />
            <div class="form-actions">
                <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                <button id="add-phones-submit" type="button" class="button button-primary"
                    disabled={add.busy() || list.is_empty()} onclick={submit}>
                    { if add.busy() { "Adding…" } else { "Add" } }
                </button>
            </div>
        </Dialog>
    }
}
