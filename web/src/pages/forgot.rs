//! "Forgot Password?": asks for a reset link to be mailed to the username.
//!
//! The confirmation is the server's neutral answer, the same whether or not the account
//! exists, so the page cannot be used to find out which usernames are real.

use rcs_shared::PasswordResetRequest;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::login::value_of;
use crate::services::api;

#[derive(Properties, PartialEq)]
pub struct ForgotPasswordProps {
    /// What the user had typed as username, to save typing it again.
    #[prop_or_default]
    pub email: String,
    /// Back to the login form.
    pub on_back: Callback<()>,
}

/// The small form that replaces the login form after "Forgot Password?".
#[function_component]
pub fn ForgotPassword(props: &ForgotPasswordProps) -> Html {
    let email = use_node_ref();
    let busy = use_state(|| false);
    // The outcome: Ok(confirmation) or Err(reason).
    let outcome = use_state(|| None::<Result<String, String>>);

    let onsubmit = {
        let (email, busy, outcome) = (email.clone(), busy.clone(), outcome.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let body = PasswordResetRequest {
                email: value_of(&email).trim().to_owned(),
            };
            busy.set(true);
            outcome.set(None);
            let (busy, outcome) = (busy.clone(), outcome.clone());
            spawn_local(async move {
                let result = api::request_password_reset(&body).await;
                outcome.set(Some(result.map(|a| a.message).map_err(|e| e.to_string())));
                busy.set(false);
            });
        })
    };
    let on_back = {
        let on_back = props.on_back.clone();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            on_back.emit(());
        })
    };

    let message = match &*outcome {
        Some(Ok(text)) => html! {
            <p id="forgot-message" class="alert alert-success" role="status">{ text }</p>
        },
        Some(Err(text)) => html! {
            <p id="forgot-error" class="alert alert-error" role="alert">{ text }</p>
        },
        None => html! {},
    };

    html! {
        <>
            <h2>{ "Forgot Password?" }</h2>
            <p class="muted">{ "Enter your username. We will email you a link to choose a new password." }</p>
            { message }
            <form class="form" {onsubmit}>
                <div class="field">
                    <label for="forgot-email">{ "Username" }</label>
                    <input id="forgot-email" name="email" type="email" autocomplete="username"
                        required=true value={props.email.clone()} ref={email} />
                </div>
                <button id="forgot-submit" class="button button-primary button-block"
                    type="submit" disabled={*busy}>
                    { if *busy { "Sending…" } else { "Send Link" } }
                </button>
            </form>
            <p class="form-footer">
                <a id="forgot-back" href="#login" onclick={on_back}>{ "Back to Login" }</a>
            </p>
        </>
    }
}
