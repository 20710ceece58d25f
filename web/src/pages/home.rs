//! The page after login: who is logged in, for which account, and the way out.
//!
//! For now it is the frame the later pages (phones, servers, brandings) will sit in: a top
//! bar with the account name and the signed-in user, and an empty content area.

use rcs_shared::User;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::session::use_session;

#[derive(Properties, PartialEq)]
pub struct HomePageProps {
    /// The signed-in user.
    pub user: User,
}

/// The signed-in start page.
#[function_component]
pub fn HomePage(props: &HomePageProps) -> Html {
    let user = &props.user;
    html! {
        <div class="layout">
            <header class="topbar">
                <div class="topbar-brand">
                    <span class="topbar-logo" aria-hidden="true">{ "rcs" }</span>
                    <h1 id="account-name" class="account-name">{ &user.account_name }</h1>
                </div>
                <div class="topbar-user">
                    <span id="logged-in-as" class="logged-in-as">
                        { "Logged in as " }<strong>{ &user.email }</strong>
                        { format!(" ({})", user.role.label()) }
                    </span>
                    <LogoutButton />
                </div>
            </header>
            <main class="content">
                <section class="card">
                    <h2>{ format!("Welcome, {}", display_name(user)) }</h2>
                    <p class="muted">{ "Redirection and Configuration Service" }</p>
                </section>
            </main>
        </div>
    }
}

/// Logs out; on failure stays here and says why.
#[function_component]
fn LogoutButton() -> Html {
    let session = use_session();
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);

    let onclick = {
        let (busy, error) = (busy.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            busy.set(true);
            error.set(None);
            let (session, busy, error) = (session.clone(), busy.clone(), error.clone());
            spawn_local(async move {
                // On success the session switches to the login page and this button goes away.
                if let Err(e) = session.logout().await {
                    error.set(Some(e.to_string()));
                    busy.set(false);
                }
            });
        })
    };

    html! {
        <>
            if let Some(message) = &*error {
                <span id="logout-error" class="inline-error" role="alert">{ message }</span>
            }
            <button id="logout-button" class="button button-secondary" type="button"
                {onclick} disabled={*busy}>
                { "Logout" }
            </button>
        </>
    }
}

/// The user's name, or their email if no name is on record.
fn display_name(user: &User) -> &str {
    if user.name.trim().is_empty() {
        &user.email
    } else {
        &user.name
    }
}
