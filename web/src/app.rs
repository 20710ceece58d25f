//! The root component: provides the session and picks the page to show.
//!
//! There is no router library: the emailed password-reset link (`/reset-password?token=...`)
//! is read from `window.location`; signed out, the login page shows whatever the address;
//! signed in, a tiny hash router ([`crate::route`]) picks the screen. A reload or an expired
//! token can therefore never leave the user on a page they may not see.

use yew::prelude::*;

use rcs_shared::{Role, User};

use crate::components::layout::Layout;
use crate::pages::{reset_link_token, LoginPage, ResetPasswordPage};
use crate::pages::{
    ApiKeysPage, AuditPage, BrandingsPage, Console, FirmwarePage, NotFoundPage, PasswordPage,
    PhonePage, PhonesPage, PreferencesPage, ServersPage, SummaryPage, UsersPage, WebhookPage,
    WebhooksPage,
};
use crate::route::{use_route, ConsolePage, Route};
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
        SessionState::SignedIn { user, .. } => html! { <SignedIn user={user.clone()} /> },
    }
}

#[derive(Properties, PartialEq)]
struct SignedInProps {
    user: User,
}

/// The frame and the screen the address names.
#[function_component]
fn SignedIn(props: &SignedInProps) -> Html {
    let route = use_route();
    if props.user.role == Role::Operator {
        return html! { <OperatorSignedIn user={props.user.clone()} route={route} /> };
    }
    let super_user = props.user.role == Role::SuperUser;
    let page = match &route {
        Route::Summary => html! { <SummaryPage /> },
        // Not keyed: another view of the list (page, filter) keeps the page mounted, and
        // the list follows its address.
        Route::Phones { query } => html! { <PhonesPage query={query.clone()} /> },
        Route::Phone(mac) => html! { <PhonePage key={mac.clone()} mac={mac.clone()} /> },
        Route::Servers => html! { <ServersPage /> },
        Route::Brandings => html! { <BrandingsPage can_edit={super_user} /> },
        Route::Firmware => html! { <FirmwarePage /> },
        Route::Users if super_user => html! { <UsersPage me={props.user.id} /> },
        Route::ApiKeys if super_user => html! { <ApiKeysPage /> },
        Route::Audit if super_user => html! { <AuditPage /> },
        Route::Webhooks if super_user => html! { <WebhooksPage /> },
        Route::Webhook(id) if super_user => html! { <WebhookPage key={*id} id={*id} /> },
        Route::Preferences => html! { <PreferencesPage user={props.user.clone()} /> },
        Route::Password => html! { <PasswordPage /> },
        Route::Users
        | Route::ApiKeys
        | Route::Audit
        | Route::Webhooks
        | Route::Webhook(_)
        | Route::Console(_)
        | Route::NotFound => {
            html! { <NotFoundPage /> }
        }
    };
    html! {
        <Layout user={props.user.clone()} route={route.clone()}>{ page }</Layout>
    }
}

#[derive(Properties, PartialEq)]
struct OperatorProps {
    user: User,
    route: Route,
}

/// An operator's screens: the console above the accounts, and their own preferences. The
/// staff's screens (an account's phones, servers, ...) are not theirs; the start page is the
/// platform's figures.
#[function_component]
fn OperatorSignedIn(props: &OperatorProps) -> Html {
    let page = match &props.route {
        Route::Summary => html! { <Console page={ConsolePage::Summary} /> },
        Route::Console(page) => html! { <Console page={*page} /> },
        Route::Preferences => html! { <PreferencesPage user={props.user.clone()} /> },
        Route::Password => html! { <PasswordPage /> },
        _ => html! { <NotFoundPage /> },
    };
    html! {
        <Layout user={props.user.clone()} route={props.route.clone()}>{ page }</Layout>
    }
}

/// Replaces the reset link in the address bar with `/`, so a reload shows the login page
/// instead of a used link, and the token does not linger in the address bar.
fn leave_reset_address() {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/"));
    }
}
