//! Add Phones, as in the original: an Enter field checked while typing, a MAC List (remove
//! selected, clear all), then Server, Branding and Firmware for all of them, and Add.

use rcs_shared::AddPhones;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{HtmlOptionElement, HtmlSelectElement};
use yew::prelude::*;

use super::edit::{PropertySelects, PROPERTY_CODES};
use crate::components::dialog::Dialog;
use crate::components::errors::{except_codes, ErrorAlert, ErrorText};
use crate::components::options::{event_value, parse_id, Choices};
use crate::mac::{self, pretty, MacCheck};
use crate::services::{api, phones};
use crate::session::use_session;

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
    let session = use_session();
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
    let busy = use_state(|| false);
    let error = use_state(|| None::<api::Error>);

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
            let mut next = (*list).clone();
            let mut rejected = Vec::new();
            for part in entry.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
                match mac::check(part) {
                    MacCheck::Empty => {}
                    MacCheck::Valid(m) => {
                        if !next.contains(&m) {
                            next.push(m);
                        }
                    }
                    MacCheck::Incomplete | MacCheck::Invalid(_) => rejected.push(part.to_string()),
                }
            }
            if rejected.is_empty() && next.len() == list.len() && entry.trim().is_empty() {
                entry_error.set(Some(mac::REENTER.to_string()));
                return;
            }
            list.set(next);
            if rejected.is_empty() {
                entry.set(String::new());
            } else {
                entry_error.set(Some(format!(
                    "{} Not added: {}",
                    mac::REENTER,
                    rejected.join(" ")
                )));
                entry.set(rejected.join(" "));
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
        let (busy, error, on_done) = (busy.clone(), error.clone(), props.on_done.clone());
        Callback::from(move |_: MouseEvent| {
            let body = AddPhones {
                macs: (*list).clone(),
                server_id: parse_id(&server),
                branding_id: parse_id(&branding),
                firmware: (!firmware.is_empty()).then(|| (*firmware).clone()),
            };
            busy.set(true);
            error.set(None);
            let (session, busy, error, on_done) = (
                session.clone(),
                busy.clone(),
                error.clone(),
                on_done.clone(),
            );
            spawn_local(async move {
                match session.check(phones::add(&session.token(), &body).await) {
                    Ok(r) => on_done.emit((
                        format!("Added {} phone(s), updated {}.", r.added, r.updated),
                        false,
                    )),
                    Err(e) => {
                        error.set(Some(e));
                        busy.set(false);
                    }
                }
            });
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
                error={(*error).clone()} />
            <ErrorAlert id="add-phones-error" error={except_codes(&error, PROPERTY_CODES)} />
            <div class="form-actions">
                <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                <button id="add-phones-submit" type="button" class="button button-primary"
                    disabled={*busy || list.is_empty()} onclick={submit}>
                    { if *busy { "Adding…" } else { "Add" } }
                </button>
            </div>
        </Dialog>
    }
}
