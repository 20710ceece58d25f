//! The operator console: the platform's operators run the service here, above the accounts
//! (the guide's "RCS Administrator"). Every screen calls `/api/v1/admin/...`, the same
//! services as the `rcs` commands on the server.

mod account_dialogs;
mod accounts;
mod audit;
mod firmware;
mod summary;
mod trust;
mod unknown;

use wasm_bindgen::JsCast;
use web_sys::{File, HtmlInputElement};
use yew::prelude::*;

use crate::route::ConsolePage;

#[derive(Properties, PartialEq)]
pub struct ConsoleProps {
    pub page: ConsolePage,
}

/// The console screen the address names.
#[function_component]
pub fn Console(props: &ConsoleProps) -> Html {
    match props.page {
        ConsolePage::Summary => html! { <summary::PlatformPage /> },
        ConsolePage::Accounts => html! { <accounts::AccountsPage /> },
        ConsolePage::Firmware => html! { <firmware::CatalogPage /> },
        ConsolePage::Trust => html! { <trust::TrustPage /> },
        ConsolePage::UnknownPhones => html! { <unknown::UnknownPhonesPage /> },
        ConsolePage::Audit => html! { <audit::OperatorAuditPage /> },
    }
}

/// The file a file input's change event chose, if any.
fn picked(e: &Event) -> Option<File> {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        .and_then(|i| i.files())
        .and_then(|f| f.get(0))
}
