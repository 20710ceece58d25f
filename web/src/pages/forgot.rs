//! "Forgot Password?": asks for a reset link to be mailed to the username.
//!
//! The confirmation is the server's neutral answer, the same whether or not the account
//! exists, so the page cannot be used to find out which usernames are real.

use rcs_shared::PasswordResetRequest;
use yew::prelude::*;

use super::login::value_of;
use crate::hooks::use_public_action;
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
    let send = use_public_action();
    // The server's neutral confirmation, once it answered.
    let sent = use_state(|| None::<String>);

    let onsubmit = {
        let (email, send, sent) = (email.clone(), send.clone(), sent.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if send.busy() {
                return;
            }
            let body = PasswordResetRequest {
                email: value_of(&email).trim().to_owned(),
            };
            sent.set(None);
            let sent = sent.clone();
            send.run(
                |_| async move { api::request_password_reset(&body).await },
                move |accepted| sent.set(Some(accepted.message)),
            );
        })
    };
    let on_back = {
        let on_back = props.on_back.clone();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            on_back.emit(());
        })
    };

    let message = match (&*sent, send.error()) {
        (Some(text), _) => html! {
            <p id="forgot-message" class="alert alert-success" role="status">{ text }</p>
        },
        (None, Some(e)) => html! {
            <p id="forgot-error" class="alert alert-error" role="alert">{ e.to_string() }</p>
        },
        (None, None) => html! {},
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
                    type="submit" disabled={send.busy()}>
                    { if send.busy() { "Sending…" } else { "Send Link" } }
                </button>
            </form>
            <p class="form-footer">
                <a id="forgot-back" href="#login" onclick={on_back}>{ "Back to Login" }</a>
            </p>
        </>
    }
}
