//! Revoke API key: confirms, then revokes; the key is refused from the next request on.

use rcs_shared::ApiKey;
use yew::prelude::*;

use crate::components::dialog::Dialog;
use crate::components::errors::ErrorAlert;
use crate::hooks::{use_action, Action};
use crate::services::api_keys;

#[derive(Properties, PartialEq)]
pub struct RevokeProps {
    /// The key to revoke (`key` is reserved by Yew).
    pub key_: ApiKey,
    pub on_close: Callback<()>,
    pub on_done: Callback<String>,
}

/// Confirms revoking a key.
#[function_component]
pub fn RevokeApiKeyDialog(props: &RevokeProps) -> Html {
    let revoke: Action = use_action();
    let onclick = {
        let (revoke, on_done, key) = (revoke.clone(), props.on_done.clone(), props.key_.clone());
        Callback::from(move |_: MouseEvent| {
            let (on_done, name, id) = (on_done.clone(), key.name.clone(), key.id);
            revoke.run(
                move |token| async move { api_keys::revoke(&token, id).await },
                move |()| on_done.emit(format!("API key {name} revoked.")),
            );
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <Dialog id="api-key-revoke-dialog" title="Revoke API key" on_close={props.on_close.clone()}>
            <p>{ format!("Revoke the API key {}? Scripts using it are refused from their next request on. This cannot be undone.", props.key_.name) }</p>
            <ErrorAlert id="api-key-revoke-error" error={revoke.error().clone()} />
            <div class="form-actions">
                <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                <button id="api-key-revoke-confirm" type="button" class="button button-danger" {onclick} disabled={revoke.busy()}>{ "Revoke" }</button>
            </div>
        </Dialog>
    }
}
