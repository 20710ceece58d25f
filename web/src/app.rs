//! The root component: provides the session and picks the page to show.
//!
//! There is no router library: the one address with a page of its own is the emailed
//! password-reset link (`/reset-password?token=...`, read from `window.location`); every
//! other page follows from the session state alone (checking, signed out, signed in), so a
//! reload or an expired token can never leave the user on a page they may not see.

use yew::prelude::*;

use crate::pages::{reset_link_token, HomePage, LoginPage, ResetPasswordPage};
use crate::session::{use_session, Notice, SessionProvider, SessionState};

/// The whole app.
#[function_component]
pub fn App() -> Html {
    html! {
        <SessionProvider>
            <Shell />
        </SessionProvider>
    }
}

/// Shows the reset page for a reset link, otherwise the page that matches the session.
#[function_component]
fn Shell() -> Html {
    let session = use_session();
    let reset_token = use_state(reset_link_token);

    if let Some(token) = &*reset_token {
        let on_done = {
            let (session, reset_token) = (session.clone(), reset_token.clone());
            Callback::from(move |()| {
                leave_reset_address();
                reset_token.set(None);
                session.show_login(Notice::PasswordChanged);
            })
        };
        return html! { <ResetPasswordPage token={token.clone()} {on_done} /> };
    }

    match session.state() {
        SessionState::Restoring => html! {
            <main class="centered">
                <p class="muted" role="status">{ "Checking your session…" }</p>
            </main>
        },
        SessionState::SignedOut(notice) => html! { <LoginPage notice={notice.clone()} /> },
        SessionState::SignedIn { user, .. } => html! { <HomePage user={user.clone()} /> },
    }
}

/// Replaces the reset link in the address bar with `/`, so a reload shows the login page
/// instead of a used link, and the token does not linger in the address bar.
fn leave_reset_address() {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/"));
    }
}
