//! The page an emailed reset link opens: `/reset-password?token=...`.
//!
//! It asks for the new password twice (a typo here would lock the user out again), sends it
//! with the token, and on success hands over to the login page with a success message. The
//! server's "no longer valid" answer for used, expired or replaced links is shown as-is.

use rcs_shared::PasswordResetConfirm;
use yew::prelude::*;

use super::login::value_of;
use crate::hooks::use_public_action;
use crate::services::api;

/// The path of the page, as in the mailed link.
pub const RESET_PATH: &str = "/reset-password";

/// `Some(token)` when the page was opened from a reset link (the token may be empty if the
/// link was cut short), `None` for every other address.
pub fn reset_link_token() -> Option<String> {
    let location = web_sys::window()?.location();
    if location.pathname().ok()? != RESET_PATH {
        return None;
    }
    let search = location.search().unwrap_or_default();
    let token = web_sys::UrlSearchParams::new_with_str(&search)
        .ok()
        .and_then(|params| params.get("token"))
        .unwrap_or_default();
    Some(token)
}

/// Whether the link is a new user's invitation (`&welcome=1`): the same form, worded as a
/// welcome.
fn is_invitation() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok())
        .and_then(|params| params.get("welcome"))
        .is_some_and(|v| v == "1")
}

#[derive(Properties, PartialEq)]
pub struct ResetPasswordPageProps {
    /// The token of the link.
    pub token: String,
    /// Called once the password has been changed.
    pub on_done: Callback<()>,
}

/// The "choose a new password" form.
#[function_component]
pub fn ResetPasswordPage(props: &ResetPasswordPageProps) -> Html {
    let new_password = use_node_ref();
    let confirm_password = use_node_ref();
    let confirm = use_public_action();
    // What the page itself found wrong before asking the server.
    let problem = use_state(|| {
        props
            .token
            .is_empty()
            .then(|| "This link is incomplete. Copy the whole link from the email.".to_string())
    });

    let onsubmit = {
        let (new_password, confirm_password) = (new_password.clone(), confirm_password.clone());
        let (confirm, problem) = (confirm.clone(), problem.clone());
        let (token, on_done) = (props.token.clone(), props.on_done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if confirm.busy() {
                return;
            }
            let password = value_of(&new_password);
            if password != value_of(&confirm_password) {
                problem.set(Some("The passwords do not match.".into()));
                return;
            }
            let body = PasswordResetConfirm {
                token: token.clone(),
                new_password: password,
            };
            problem.set(None);
            let on_done = on_done.clone();
            confirm.run(
                |_| async move { api::confirm_password_reset(&body).await },
                move |()| on_done.emit(()),
            );
        })
    };
    let error = (*problem)
        .clone()
        .or_else(|| confirm.error().as_ref().map(|e| e.to_string()));
    let welcome = is_invitation();

    html! {
        <main class="centered">
            <section class="card login-card">
                <header class="brand">
                    <h1 class="brand-name">{ "rcs" }</h1>
                    <p id="reset-title" class="brand-tagline">
                        { if welcome { "Welcome: choose your password" } else { "Choose a new password" } }
                    </p>
                </header>
                if let Some(message) = error {
                    <p id="reset-error" class="alert alert-error" role="alert">{ message }</p>
                }
                <form class="form" {onsubmit}>
                    <div class="field">
                        <label for="new-password">{ "New Password" }</label>
                        <input id="new-password" name="new-password" type="password"
                            autocomplete="new-password" required=true minlength="12"
                            aria-describedby="new-password-hint" ref={new_password} />
                        <p id="new-password-hint" class="hint">{ "At least 12 characters; not a common password. A few unrelated words work well." }</p>
                    </div>
                    <div class="field">
                        <label for="confirm-password">{ "Confirm Password" }</label>
                        <input id="confirm-password" name="confirm-password" type="password"
                            autocomplete="new-password" required=true minlength="12"
                            ref={confirm_password} />
                    </div>
                    <button id="reset-submit" class="button button-primary button-block"
                        type="submit" disabled={confirm.busy()}>
                        { if confirm.busy() { "Saving…" } else { "Set Password" } }
                    </button>
                </form>
                <p class="form-footer">
                    <a href="/">{ "Back to Login" }</a>
                </p>
            </section>
        </main>
    }
}
