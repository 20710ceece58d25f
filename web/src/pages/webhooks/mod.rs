//! Webhooks (Super User only): the account's endpoints that rcs tells about events, with
//! their events, queue and last delivery. `editor` creates and edits one and shows a secret
//! once, `confirm` deletes one or rotates its secret, `deliveries` is one webhook's page.

mod confirm;
mod deliveries;
mod editor;

use rcs_shared::{Webhook, WebhookCreated, WebhookPatch};
use yew::prelude::*;

use crate::components::errors::ErrorAlert;
use crate::hooks::{use_action, use_resource, Action};
use crate::route::Route;
use crate::services::webhooks;
use confirm::{DeleteWebhookDialog, RotateSecretDialog};
pub use deliveries::WebhookPage;
use editor::{SecretShown, WebhookDialog};

#[derive(Clone, PartialEq)]
enum Open {
    None,
    Create,
    Edit(Webhook),
    /// The secret after a creation (`false`) or a rotation (`true`).
    Secret(WebhookCreated, bool),
    Rotate(Webhook),
    Delete(Webhook),
}

/// A time as the pages show it: in the user's timezone to the second, or a dash.
pub fn when(value: Option<&str>) -> String {
    value
        .map(crate::time::when)
        .unwrap_or_else(|| "—".to_string())
}

/// The events of a webhook in words.
pub fn event_labels(w: &Webhook) -> String {
    w.events
        .iter()
        .map(|t| t.label())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The last delivery: a badge and its time, or "Never".
pub fn last_delivery(w: &Webhook) -> Html {
    match w.last_delivery_ok {
        None => html! { { "Never" } },
        Some(ok) => html! {
            <>
                <span class={if ok { "badge badge-ok" } else { "badge badge-error" }}>
                    { if ok { "OK" } else { "Failed" } }
                </span>
                { format!(" {}", when(w.last_delivery_at.as_deref())) }
            </>
        },
    }
}

/// Sends a test event, or enables or disables a webhook, from its row; `done` gets the
/// notice to show.
pub fn quick_action(
    act: &Action,
    w: &Webhook,
    what: Quick,
    done: &Callback<String>,
) -> Callback<MouseEvent> {
    let (act, done, id, name, enabled) =
        (act.clone(), done.clone(), w.id, w.name.clone(), w.enabled);
    Callback::from(move |_: MouseEvent| {
        let done = done.clone();
        match what {
            Quick::Test => {
                let message = format!("Test event queued for {name}.");
                act.run(
                    move |token| async move { webhooks::send_test(&token, id).await },
                    move |()| done.emit(message),
                );
            }
            Quick::Toggle => {
                let message = format!(
                    "Webhook {name} {}.",
                    if enabled { "disabled" } else { "enabled" }
                );
                let body = WebhookPatch {
                    enabled: Some(!enabled),
                    ..WebhookPatch::default()
                };
                act.run(
                    move |token| async move { webhooks::update(&token, id, &body).await },
                    move |()| done.emit(message),
                );
            }
        }
    })
}

/// What a row's quick buttons do.
#[derive(Clone, Copy, PartialEq)]
pub enum Quick {
    Test,
    Toggle,
}

fn row(w: &Webhook, open: &UseStateHandle<Open>, act: &Action, done: &Callback<String>) -> Html {
    let opener = |make: fn(Webhook) -> Open| {
        let (open, w) = (open.clone(), w.clone());
        Callback::from(move |_: MouseEvent| open.set(make(w.clone())))
    };
    let name = &w.name;
    html! {
        <tr key={w.id} class={classes!((!w.enabled).then_some("muted"))}>
            <th scope="row" data-label="Name" class="break"><a href={Route::Webhook(w.id).href()}>{ name }</a></th>
            <td data-label="URL" class="url">{ &w.url }</td>
            <td data-label="Events">{ event_labels(w) }</td>
            <td data-label="Enabled">{ if w.enabled { "Yes" } else { "No" } }</td>
            <td data-label="Pending" class="num">{ w.pending }</td>
            <td data-label="Dropped" class="num">{ w.dropped }</td>
            <td data-label="Last delivery">{ last_delivery(w) }</td>
            <td class="actions webhook-actions">
                <button type="button" class="button button-small" aria-label={format!("Send a test event to {name}")}
                    onclick={quick_action(act, w, Quick::Test, done)} disabled={act.busy()}>{ "Send test event" }</button>
                <button type="button" class="button button-small" aria-label={format!("Edit {name}")}
                    onclick={opener(Open::Edit)}>{ "Edit" }</button>
                <button type="button" class="button button-small" aria-label={format!("{} {name}", if w.enabled { "Disable" } else { "Enable" })}
                    onclick={quick_action(act, w, Quick::Toggle, done)} disabled={act.busy()}>{ if w.enabled { "Disable" } else { "Enable" } }</button>
                <button type="button" class="button button-small" aria-label={format!("Rotate the secret of {name}")}
                    onclick={opener(Open::Rotate)}>{ "Rotate secret" }</button>
                <button type="button" class="button button-small button-danger" aria-label={format!("Delete {name}")}
                    onclick={opener(Open::Delete)}>{ "Delete" }</button>
            </td>
        </tr>
    }
}

fn table(
    rows: &[Webhook],
    open: &UseStateHandle<Open>,
    act: &Action,
    done: &Callback<String>,
) -> Html {
    html! {
        <div class="table-wrap card">
            <table id="webhooks-table" class="table stack">
                <thead><tr>
                    <th scope="col">{ "Name" }</th>
                    <th scope="col">{ "URL" }</th>
                    <th scope="col">{ "Events" }</th>
                    <th scope="col">{ "Enabled" }</th>
                    <th scope="col" class="num">{ "Pending" }</th>
                    <th scope="col" class="num">{ "Dropped" }</th>
                    <th scope="col">{ "Last delivery" }</th>
                    <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
                </tr></thead>
                <tbody>{ for rows.iter().map(|w| row(w, open, act, done)) }</tbody>
            </table>
        </div>
    }
}

/// The webhook list and its dialogs.
#[function_component]
pub fn WebhooksPage() -> Html {
    let (list, reload) = use_resource((), |token, ()| webhooks::list(token));
    let open = use_state(|| Open::None);
    let notice = use_state(|| None::<String>);
    let act: Action = use_action();
    let close = {
        let open = open.clone();
        Callback::from(move |()| open.set(Open::None))
    };
    let show_secret = |rotated: bool| {
        let (open, reload) = (open.clone(), reload.clone());
        Callback::from(move |created: WebhookCreated| {
            open.set(Open::Secret(created, rotated));
            reload.emit(());
        })
    };
    let done = {
        let (open, notice, reload) = (open.clone(), notice.clone(), reload.clone());
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
    let dialog = match &*open {
        Open::None => html! {},
        Open::Create => {
            html! { <WebhookDialog on_close={close.clone()} on_created={show_secret(false)} on_saved={done.clone()} /> }
        }
        Open::Edit(w) => {
            html! { <WebhookDialog webhook={w.clone()} on_close={close.clone()} on_created={show_secret(false)} on_saved={done.clone()} /> }
        }
        Open::Secret(created, rotated) => {
            html! { <SecretShown created={created.clone()} rotated={*rotated} on_close={done.reform(|()| String::new())} /> }
        }
        Open::Rotate(w) => {
            html! { <RotateSecretDialog webhook={w.clone()} on_close={close.clone()} on_rotated={show_secret(true)} /> }
        }
        Open::Delete(w) => {
            html! { <DeleteWebhookDialog webhook={w.clone()} on_close={close.clone()} on_done={done.clone()} /> }
        }
    };
    html! {
        <>
            <div class="page-header">
                <h2>{ "Webhooks" }</h2>
                <button id="webhook-add" class="button button-primary" type="button" onclick={add}>
                    { "Create webhook" }
                </button>
            </div>
            <p>{ "rcs tells a webhook's URL about the events it chose (a phone's first contact, a refused boot, phones added, ...) with a signed HTTPS POST, and retries until it answers with a 2xx. Every change here is in the audit trail." }</p>
            if let Some(message) = notice.as_ref().filter(|m| !m.is_empty()) {
                <p id="webhooks-notice" class="alert alert-success" role="status">{ message }</p>
            }
            <ErrorAlert id="webhooks-error" error={list.error.clone().or_else(|| act.error().clone())} />
            if !rows.is_empty() {
                { table(&rows, &open, &act, &done) }
            } else if !list.loading && list.error.is_none() {
                <p id="webhooks-empty" class="muted">{ "No webhooks yet." }</p>
            }
            { dialog }
        </>
    }
}
