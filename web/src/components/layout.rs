//! The frame of every signed-in screen: the account name on top, who is logged in, the menu
//! (which depends on the role: Users do not see Users), and Logout.

use rcs_shared::{Role, User};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::route::Route;
use crate::session::use_session;

#[derive(Properties, PartialEq)]
pub struct LayoutProps {
    pub user: User,
    pub route: Route,
    pub children: Html,
}

/// Top bar, menu and the current screen.
#[function_component]
pub fn Layout(props: &LayoutProps) -> Html {
    let user = &props.user;
    html! {
        <div class="layout">
            <a class="skip-link" href="#main">{ "Skip to content" }</a>
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
            <Menu role={user.role} route={props.route.clone()} />
            <main id="main" class="content" tabindex="-1">{ props.children.clone() }</main>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct MenuProps {
    role: Role,
    route: Route,
}

/// The menu under the account name. Its entries tell Users and Super Users apart, as in
/// the original ("you can identify your user type by looking at the menu options").
#[function_component]
fn Menu(props: &MenuProps) -> Html {
    let mut items = vec![
        ("nav-summary", "Summary", Route::Summary),
        (
            "nav-phones",
            "Phones",
            Route::Phones {
                unaffiliated: false,
            },
        ),
        ("nav-servers", "Servers", Route::Servers),
        ("nav-brandings", "Brandings", Route::Brandings),
        ("nav-firmware", "Firmware", Route::Firmware),
    ];
    if props.role == Role::SuperUser {
        items.push(("nav-users", "Users", Route::Users));
    }
    items.push(("nav-preferences", "Preferences", Route::Preferences));
    items.push(("nav-password", "Change Password", Route::Password));

    let current = |route: &Route| match (&props.route, route) {
        (Route::Phones { .. } | Route::Phone(_), Route::Phones { .. }) => true,
        (a, b) => a == b,
    };
    html! {
        <nav class="menu" aria-label="Main">
            <ul>
                { for items.into_iter().map(|(id, label, route)| {
                    let is_current = current(&route);
                    html! {
                        <li>
                            <a {id} href={route.href()}
                                class={classes!(is_current.then_some("active"))}
                                aria-current={is_current.then_some("page")}>
                                { label }
                            </a>
                        </li>
                    }
                }) }
            </ul>
        </nav>
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
