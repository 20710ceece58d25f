//! Showing API errors next to what caused them.

use yew::prelude::*;

use crate::services::api;

#[derive(Properties, PartialEq)]
pub struct ErrorTextProps {
    /// `id` for tests and for `aria-describedby` of the control it belongs to.
    pub id: AttrValue,
    pub error: Option<String>,
}

/// A message in the error colour, announced to screen readers; nothing when `error` is None.
#[function_component]
pub fn ErrorText(props: &ErrorTextProps) -> Html {
    match &props.error {
        Some(message) => html! {
            <p id={props.id.clone()} class="field-error" role="alert">{ message }</p>
        },
        None => html! {},
    }
}

#[derive(Properties, PartialEq)]
pub struct ErrorAlertProps {
    pub id: AttrValue,
    pub error: Option<api::Error>,
}

/// A whole-form or whole-page error (the server's message as-is).
#[function_component]
pub fn ErrorAlert(props: &ErrorAlertProps) -> Html {
    match &props.error {
        Some(e) => html! {
            <p id={props.id.clone()} class="alert alert-error" role="alert">{ e.to_string() }</p>
        },
        None => html! {},
    }
}

/// The message of `error` if its code is one of `codes`: lets a form put each error under
/// the field it is about and the rest at the form's foot.
pub fn for_codes(error: &Option<api::Error>, codes: &[&str]) -> Option<String> {
    error
        .as_ref()
        .filter(|e| codes.contains(&e.code()))
        .map(|e| e.to_string())
}

/// The message of `error` unless its code is one of `codes` (those show at their fields).
pub fn except_codes(error: &Option<api::Error>, codes: &[&str]) -> Option<api::Error> {
    error.clone().filter(|e| !codes.contains(&e.code()))
}
