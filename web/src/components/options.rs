//! The account's servers, brandings and the firmware catalog, as choices for the phone
//! list's filters and dialogs, and small helpers to read form controls.

use std::rc::Rc;

use rcs_shared::{Branding, FirmwareRelease, Server};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::hooks::use_resource;
use crate::services::{self, api};

/// What a phone can be assigned to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Choices {
    pub servers: Rc<Vec<Server>>,
    pub brandings: Rc<Vec<Branding>>,
    pub firmware: Rc<Vec<FirmwareRelease>>,
    /// The first failure loading any of them.
    pub error: Option<api::Error>,
}

/// Loads the choices once per mount (the lists are short: they are per account).
#[hook]
pub fn use_choices() -> Choices {
    let (servers, _) = use_resource((), |token, ()| services::servers::list(token));
    let (brandings, _) = use_resource((), |token, ()| services::brandings::list(token));
    let (firmware, _) = use_resource((), |token, ()| services::firmware(token));
    Choices {
        servers: servers.data.clone().unwrap_or_default(),
        brandings: brandings.data.clone().unwrap_or_default(),
        firmware: firmware.data.clone().unwrap_or_default(),
        error: servers.error.or(brandings.error).or(firmware.error),
    }
}

/// `<option>`s of the servers, by id.
pub fn server_options(choices: &Choices, selected: &str) -> Html {
    choices
        .servers
        .iter()
        .map(|s| {
            let id = s.id.to_string();
            html! { <option value={id.clone()} selected={id == selected}>{ &s.name }</option> }
        })
        .collect()
}

/// `<option>`s of the brandings, by id.
pub fn branding_options(choices: &Choices, selected: &str) -> Html {
    choices
        .brandings
        .iter()
        .map(|b| {
            let id = b.id.to_string();
            let label = if b.is_default {
                format!("{} (default)", b.name)
            } else {
                b.name.clone()
            };
            html! { <option value={id.clone()} selected={id == selected}>{ label }</option> }
        })
        .collect()
}

/// `<option>`s of the firmware releases, by version, labelled with their vendor (a phone
/// takes only its own vendor's releases).
pub fn firmware_options(choices: &Choices, selected: &str) -> Html {
    choices
        .firmware
        .iter()
        .map(|f| {
            let label = format!("{} ({})", f.version, vendor_label(&f.vendor));
            html! {
                <option value={f.version.clone()} selected={f.version == selected}>
                    { label }
                </option>
            }
        })
        .collect()
}

/// How people write a vendor's stored name (a release's `vendor`).
pub fn vendor_label(vendor: &str) -> &str {
    match vendor {
        "aastra" => "Aastra/Mitel",
        "yealink" => "Yealink",
        "snom" => "Snom",
        "polycom" => "Poly (Polycom)",
        "grandstream" => "Grandstream",
        other => other,
    }
}

/// The value of the `<select>` or `<input>` an event came from.
pub fn event_value(e: &Event) -> String {
    let Some(target) = e.target() else {
        return String::new();
    };
    if let Some(select) = target.dyn_ref::<HtmlSelectElement>() {
        return select.value();
    }
    target
        .dyn_ref::<HtmlInputElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

/// A callback that stores the changed control's value in `state`.
pub fn bind(state: &UseStateHandle<String>) -> Callback<Event> {
    let state = state.clone();
    Callback::from(move |e: Event| state.set(event_value(&e)))
}

/// Like [`bind`], on every keystroke (`input` events).
pub fn bind_input(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| state.set(event_value(&e)))
}

/// A selected id: "" is none.
pub fn parse_id(value: &str) -> Option<i64> {
    value.parse().ok()
}
