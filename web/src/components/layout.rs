//! The frame of every signed-in screen: the account name on top, who is logged in, the menu
//! (which depends on the role: Users do not see Users), and Logout.

use rcs_shared::{Role, User};
use yew::prelude::*;

use crate::hooks::{use_action, Action};
use crate::route::{ConsolePage, Route};
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
                    <h1 id="account-name" class="account-name">{
                        if user.role == Role::Operator { "Platform console" } else { user.account_name.as_str() }
                    }</h1>
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
///
/// On narrow screens (the CSS breakpoint) the entries hide behind a "Menu" button, so the
/// page starts on the first screenful instead of three rows of links; the button says
/// whether the list is open (`aria-expanded`), Escape closes it and gives the focus back to
/// the button, and following an entry closes it.
#[function_component]
fn Menu(props: &MenuProps) -> Html {
    let open = use_state(|| false);
    let toggle_ref = use_node_ref();
    {
        let open = open.clone();
        use_effect_with(props.route.clone(), move |_| open.set(false));
    }
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let onkeydown = {
        let (open, toggle_ref) = (open.clone(), toggle_ref.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" && *open {
                open.set(false);
                if let Some(button) = toggle_ref.cast::<web_sys::HtmlElement>() {
                    let _ = button.focus();
                }
            }
        })
    };
    let mut items = if props.role == Role::Operator {
        vec![
            (
                "nav-platform",
                "Platform",
                Route::Console(ConsolePage::Summary),
            ),
            (
                "nav-accounts",
                "Accounts",
                Route::Console(ConsolePage::Accounts),
            ),
            (
                "nav-catalog",
                "Firmware",
                Route::Console(ConsolePage::Firmware),
            ),
            (
                "nav-trust",
                "Device Trust",
                Route::Console(ConsolePage::Trust),
            ),
            (
                "nav-unknown",
                "Unknown Phones",
                Route::Console(ConsolePage::UnknownPhones),
            ),
            (
                "nav-operator-audit",
                "Operator Audit",
                Route::Console(ConsolePage::Audit),
            ),
        ]
    } else {
        vec![
            ("nav-summary", "Summary", Route::Summary),
            ("nav-phones", "Phones", Route::phones()),
            ("nav-servers", "Servers", Route::Servers),
            ("nav-brandings", "Brandings", Route::Brandings),
            ("nav-firmware", "Firmware", Route::Firmware),
        ]
    };
    if props.role == Role::SuperUser {
        items.push(("nav-users", "Users", Route::Users));
        items.push(("nav-api-keys", "API keys", Route::ApiKeys));
        items.push(("nav-webhooks", "Webhooks", Route::Webhooks));
        items.push(("nav-audit", "Audit", Route::Audit));
    }
    items.push(("nav-preferences", "Preferences", Route::Preferences));
    items.push(("nav-password", "Change Password", Route::Password));

    let current = |route: &Route| match (&props.route, route) {
        (Route::Phones { .. } | Route::Phone(_), Route::Phones { .. }) => true,
        (Route::Webhook(_), Route::Webhooks) => true,
        (Route::Summary, Route::Console(ConsolePage::Summary)) => true,
        (a, b) => a == b,
    };
    html! {
        <nav class={classes!("menu", open.then_some("open"))} aria-label="Main" {onkeydown}>
            <button id="menu-toggle" class="menu-toggle" type="button" ref={toggle_ref}
                aria-expanded={open.to_string()} aria-controls="main-menu" onclick={toggle}>
                <span class="menu-icon" aria-hidden="true"></span>{ "Menu" }
            </button>
            <ul id="main-menu">
                { for items.into_iter().map(|(id, label, route)| {
                    let is_current = current(&route);
                    // Following the entry of the page one is on changes no route: close here.
                    let close = { let open = open.clone(); Callback::from(move |_: MouseEvent| open.set(false)) };
                    html! {
                        <li>
                            <a {id} href={route.href()} onclick={close}
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
    let logout: Action = use_action();

    let onclick = {
        let logout = logout.clone();
        Callback::from(move |_: MouseEvent| {
            let session = session.clone();
            // On success the session switches to the login page and this button goes away.
            logout.run(move |_| async move { session.logout().await }, |()| {});
        })
    };

    html! {
        <>
            if let Some(e) = logout.error() {
                <span id="logout-error" class="inline-error" role="alert">{ e.to_string() }</span>
            }
            <button id="logout-button" class="button button-secondary" type="button"
                {onclick} disabled={logout.busy()}>
                { "Logout" }
            </button>
        </>
    }
}
