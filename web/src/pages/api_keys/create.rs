//! Create API key (name, role, optional expiry), then its secret, shown this once.

use rcs_shared::{ApiKeyCreated, ApiKeyRole, NewApiKey};
use yew::prelude::*;

use crate::components::counter::Counter;
use crate::components::dialog::Dialog;
use crate::components::errors::{except_codes, for_codes, ErrorAlert, ErrorText};
use crate::components::options::{bind, bind_input};
use crate::hooks::{use_action, Action};
use crate::services::api_keys;

#[derive(Properties, PartialEq)]
pub struct CreateProps {
    pub on_close: Callback<()>,
    pub on_created: Callback<ApiKeyCreated>,
}

const NAME: &[&str] = &["invalid_key_name", "api_key_name_taken"];
const EXPIRY: &[&str] = &["invalid_expiry"];

/// The form: a name, a role (read-only by default: the least a script needs to read), and an
/// expiry date (midnight UTC of that day; empty: never).
#[function_component]
pub fn CreateApiKeyDialog(props: &CreateProps) -> Html {
    let name = use_state(String::new);
    let role = use_state(|| ApiKeyRole::ReadOnly.as_str().to_string());
    let expires = use_state(String::new);
    let save: Action = use_action();
    let onsubmit = {
        let (name, role, expires) = (name.clone(), role.clone(), expires.clone());
        let (save, on_created) = (save.clone(), props.on_created.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let date = expires.trim();
            let body = NewApiKey {
                name: name.trim().to_string(),
                role: ApiKeyRole::parse(&role).unwrap_or(ApiKeyRole::ReadOnly),
                expires_at: (!date.is_empty()).then(|| format!("{date}T00:00:00Z")),
            };
            let on_created = on_created.clone();
            save.run(
                |token| async move { api_keys::create(&token, &body).await },
                move |created| on_created.emit(created),
            );
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let error = save.error();
    let roles = [
        ApiKeyRole::ReadOnly,
        ApiKeyRole::User,
        ApiKeyRole::SuperUser,
    ];
    html! {
        <Dialog id="api-key-dialog" title="Create API key" on_close={props.on_close.clone()}>
            <form class="form" {onsubmit}>
                <div class="field">
                    <label for="api-key-name">{ "Name" }</label>
                    <input id="api-key-name" type="text" required=true maxlength="64"
                        value={(*name).clone()} oninput={bind_input(&name)} aria-describedby="api-key-name-count" />
                    <Counter id="api-key-name-count" value={(*name).clone()} max={64} />
                    <ErrorText id="api-key-name-error" error={for_codes(error, NAME)} />
                </div>
                <div class="field">
                    <label for="api-key-role">{ "Role" }</label>
                    <select id="api-key-role" onchange={bind(&role)}>
                        { for roles.into_iter().map(|r| html! {
                            <option value={r.as_str()} selected={*role == r.as_str()}>{ r.label() }</option>
                        }) }
                    </select>
                </div>
                <div class="field">
                    <label for="api-key-expires">{ "Expires (UTC, optional)" }</label>
                    <input id="api-key-expires" type="date" value={(*expires).clone()}
                        oninput={bind_input(&expires)} />
                    <ErrorText id="api-key-expires-error" error={for_codes(error, EXPIRY)} />
                </div>
                <ErrorAlert id="api-key-dialog-error" error={except_codes(&except_codes(error, NAME), EXPIRY)} />
                <div class="form-actions">
                    <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                    <button id="api-key-save" type="submit" class="button button-primary" disabled={save.busy()}>{ "Create" }</button>
                </div>
            </form>
        </Dialog>
    }
}

#[derive(Properties, PartialEq)]
pub struct SecretProps {
    pub created: ApiKeyCreated,
    pub on_close: Callback<()>,
}

/// The new key's secret, selectable for copying; rcs keeps only its hash, so closing this is
/// the last time anyone sees it.
#[function_component]
pub fn SecretShown(props: &SecretProps) -> Html {
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <Dialog id="api-key-secret-dialog" title="API key created" on_close={props.on_close.clone()}>
            <p>{ format!("Copy the key {} now: it is shown only this once.", props.created.key.name) }</p>
            <div class="field">
                <label for="api-key-secret">{ "Key" }</label>
                <input id="api-key-secret" type="text" readonly=true spellcheck="false"
                    value={props.created.secret.clone()} />
            </div>
            <p class="hint">{ "Select it and copy (Ctrl+C or ⌘C). Scripts send it as Authorization: Bearer <key>." }</p>
            <div class="form-actions">
                <button id="api-key-secret-done" type="button" class="button button-primary" onclick={close}>{ "Done" }</button>
            </div>
        </Dialog>
    }
}
