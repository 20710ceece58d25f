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
