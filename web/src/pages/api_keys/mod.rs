//! API keys (Super User only): the account's keys for scripts, with who made them, their role,
//! expiry and last use. `create` makes one and shows its secret once; `revoke` revokes one.

mod create;
mod revoke;

use rcs_shared::{ApiKey, ApiKeyCreated};
use yew::prelude::*;

use crate::components::errors::ErrorAlert;
use crate::hooks::use_resource;
use crate::services::api_keys;
use create::{CreateApiKeyDialog, SecretShown};
use revoke::RevokeApiKeyDialog;

#[derive(Clone, PartialEq)]
enum Open {
    None,
    Create,
    Created(ApiKeyCreated),
    Revoke(ApiKey),
}

/// A time as the list shows it: in the user's timezone to the second, or a dash.
fn when(value: &Option<String>) -> String {
    value
        .as_deref()
        .map(crate::time::when)
        .unwrap_or_else(|| "—".to_string())
}

fn row(key: &ApiKey, open: &UseStateHandle<Open>) -> Html {
    let revoke = {
        let (open, key) = (open.clone(), key.clone());
        Callback::from(move |_: MouseEvent| open.set(Open::Revoke(key.clone())))
    };
    let used = match (&key.last_used_at, &key.last_used_addr) {
        (Some(_), Some(addr)) => format!("{} from {addr}", when(&key.last_used_at)),
        _ => "Never".to_string(),
    };
    html! {
        <tr class={classes!(key.revoked_at.is_some().then_some("revoked"))}>
            <th scope="row" data-label="Name" class="wrap-words">{ &key.name }</th>
            <td data-label="Role">{ key.role.label() }</td>
            <td data-label="Key"><code>{ format!("{}…", key.prefix) }</code></td>
            <td data-label="Created" class="wrap-words">{ format!("{}, {}", key.created_by, when(&Some(key.created_at.clone()))) }</td>
            <td data-label="Expires">{ if key.expires_at.is_some() { when(&key.expires_at) } else { "Never".to_string() } }</td>
            <td data-label="Last used" class="wrap-words">{ used }</td>
            <td data-label="Revoked">{ if key.revoked_at.is_some() { when(&key.revoked_at) } else { "—".to_string() } }</td>
            <td class="actions">
                if key.revoked_at.is_none() {
                    <button type="button" class="button button-small button-danger"
                        aria-label={format!("Revoke {}", key.name)} onclick={revoke}>{ "Revoke" }</button>
                }
            </td>
        </tr>
    }
}

/// The key list and its dialogs.
#[function_component]
pub fn ApiKeysPage() -> Html {
    let (list, reload) = use_resource((), |token, ()| api_keys::list(token));
    let open = use_state(|| Open::None);
    let notice = use_state(|| None::<String>);
    let close = {
        let open = open.clone();
        Callback::from(move |()| open.set(Open::None))
    };
    let finish = {
        let (open, reload) = (open.clone(), reload.clone());
        Callback::from(move |()| {
            open.set(Open::None);
            reload.emit(());
        })
    };
    let created = {
        let (open, reload) = (open.clone(), reload.clone());
        Callback::from(move |key: ApiKeyCreated| {
            open.set(Open::Created(key));
            reload.emit(());
        })
    };
    let done = {
        let (open, notice) = (open.clone(), notice.clone());
        Callback::from(move |message: String| {
            open.set(Open::None);
            notice.set(Some(message));
            reload.emit(());
        })
    };
    let add = {
        let (open, notice) = (open.clone(), notice.clone());
        Callback::from(move |_: MouseEvent| {
            notice.set(None);
            open.set(Open::Create);
        })
    };
    let rows = list.data.clone().unwrap_or_default();
    html! {
        <>
            <div class="page-header">
                <h2>{ "API keys" }</h2>
                <button id="api-key-add" class="button button-primary" type="button" onclick={add}>
                    { "Create API key" }
                </button>
            </div>
            <p>{ "Scripts send a key as Authorization: Bearer <key>, instead of a password. Every change made with a key is in the audit trail under key:<name>." }</p>
            if let Some(message) = &*notice {
                <p id="api-keys-notice" class="alert alert-success" role="status">{ message }</p>
            }
            <ErrorAlert id="api-keys-error" error={list.error.clone()} />
            if !rows.is_empty() {
                <div class="table-wrap card">
                    <table id="api-keys-table" class="table stack">
                        <thead><tr>
                            <th scope="col">{ "Name" }</th>
                            <th scope="col">{ "Role" }</th>
                            <th scope="col">{ "Key" }</th>
                            <th scope="col">{ "Created" }</th>
                            <th scope="col">{ "Expires" }</th>
                            <th scope="col">{ "Last used" }</th>
                            <th scope="col">{ "Revoked" }</th>
                            <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
                        </tr></thead>
                        <tbody>{ for rows.iter().map(|k| row(k, &open)) }</tbody>
                    </table>
                </div>
            }
            { match &*open {
                Open::None => html! {},
                Open::Create => html! { <CreateApiKeyDialog on_close={close} on_created={created} /> },
                Open::Created(key) => html! { <SecretShown created={key.clone()} on_close={finish} /> },
                Open::Revoke(key) => html! { <RevokeApiKeyDialog key_={key.clone()} on_close={close} on_done={done} /> },
            } }
        </>
    }
}
