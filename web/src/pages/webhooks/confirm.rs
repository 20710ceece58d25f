//! The confirmations: deleting a webhook, and rotating its secret.

use rcs_shared::{Webhook, WebhookCreated};
use yew::prelude::*;

use crate::components::dialog::Dialog;
use crate::components::errors::ErrorAlert;
use crate::hooks::{use_action, Action};
use crate::services::webhooks;

#[derive(Properties, PartialEq)]
pub struct DeleteProps {
    pub webhook: Webhook,
    pub on_close: Callback<()>,
    pub on_done: Callback<String>,
}

/// Confirms deleting a webhook: nothing more is sent to it.
#[function_component]
pub fn DeleteWebhookDialog(props: &DeleteProps) -> Html {
    let delete: Action = use_action();
    let onclick = {
        let (delete, on_done) = (delete.clone(), props.on_done.clone());
        let (id, name) = (props.webhook.id, props.webhook.name.clone());
        Callback::from(move |_: MouseEvent| {
            let (on_done, name) = (on_done.clone(), name.clone());
            delete.run(
                move |token| async move { webhooks::delete(&token, id).await },
                move |()| on_done.emit(format!("Webhook {name} deleted.")),
            );
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <Dialog id="webhook-delete-dialog" title="Delete webhook" on_close={props.on_close.clone()}>
            <p>{ format!("Delete the webhook {} ({})? Nothing more is sent to it, and its deliveries are deleted with it. This cannot be undone.", props.webhook.name, props.webhook.url) }</p>
            <ErrorAlert id="webhook-delete-error" error={delete.error().clone()} />
            <div class="form-actions">
                <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                <button id="webhook-delete-confirm" type="button" class="button button-danger" {onclick} disabled={delete.busy()}>{ "Delete" }</button>
            </div>
        </Dialog>
    }
}

#[derive(Properties, PartialEq)]
pub struct RotateProps {
    pub webhook: Webhook,
    pub on_close: Callback<()>,
    pub on_rotated: Callback<WebhookCreated>,
}

/// Confirms rotating a webhook's secret: the receiver needs the new one.
#[function_component]
pub fn RotateSecretDialog(props: &RotateProps) -> Html {
    let rotate: Action = use_action();
    let onclick = {
        let (rotate, on_rotated, id) = (rotate.clone(), props.on_rotated.clone(), props.webhook.id);
        Callback::from(move |_: MouseEvent| {
            let on_rotated = on_rotated.clone();
            rotate.run(
                move |token| async move { webhooks::rotate_secret(&token, id).await },
                move |created| on_rotated.emit(created),
            );
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <Dialog id="webhook-rotate-dialog" title="Rotate secret" on_close={props.on_close.clone()}>
            <p>{ format!("Give the webhook {} a new signing secret? Deliveries from now on are signed with the new secret, shown once; the receiver must be given it.", props.webhook.name) }</p>
            <ErrorAlert id="webhook-rotate-error" error={rotate.error().clone()} />
            <div class="form-actions">
                <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                <button id="webhook-rotate-confirm" type="button" class="button button-danger" {onclick} disabled={rotate.busy()}>{ "Rotate secret" }</button>
            </div>
        </Dialog>
    }
}
