//! The root component: provides the session and picks the page to show.
//!
//! There is no router yet: which page is visible follows from the session state alone
//! (checking, signed out, signed in), so a reload or an expired token can never leave the
//! user on a page they may not see.

use yew::prelude::*;

use crate::pages::{HomePage, LoginPage};
use crate::session::{use_session, SessionProvider, SessionState};

/// The whole app.
#[function_component]
pub fn App() -> Html {
    html! {
        <SessionProvider>
            <Shell />
        </SessionProvider>
    }
}

/// Shows the page that matches the session.
#[function_component]
fn Shell() -> Html {
    let session = use_session();
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
