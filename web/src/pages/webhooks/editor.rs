//! Create or edit a webhook (name, URL, events), and its signing secret, shown once after
//! creation or rotation.

use std::collections::BTreeSet;

use rcs_shared::{NewWebhook, Webhook, WebhookCreated, WebhookEventType, WebhookPatch};
use wasm_bindgen_futures::{spawn_local, JsFuture};
use yew::prelude::*;

use crate::components::counter::Counter;
use crate::components::dialog::Dialog;
use crate::components::errors::{except_codes, for_codes, ErrorAlert, ErrorText};
use crate::components::options::bind_input;
use crate::hooks::{use_action, Action};
use crate::services::webhooks;

const NAME: &[&str] = &["invalid_webhook_name", "webhook_name_taken"];
const URL: &[&str] = &["invalid_webhook_url", "webhook_address_not_allowed"];
const EVENTS: &[&str] = &["invalid_webhook_events"];

/// The events a user can choose: "webhook.test" is only sent by "Send test event".
fn choosable() -> impl Iterator<Item = WebhookEventType> {
    WebhookEventType::ALL
        .into_iter()
        .filter(|t| *t != WebhookEventType::WebhookTest)
}

/// The `id` of an event's checkbox (`webhook-event-phone-boot`).
pub fn event_box_id(t: WebhookEventType) -> String {
    format!("webhook-event-{}", t.as_str().replace(['.', '_'], "-"))
}

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    /// `None`: create a new webhook.
    #[prop_or_default]
    pub webhook: Option<Webhook>,
    pub on_close: Callback<()>,
    /// After a creation: the webhook and its secret.
    pub on_created: Callback<WebhookCreated>,
    /// After an edit: the notice to show.
    pub on_saved: Callback<String>,
}

/// The form; a new webhook starts with every event but "Every boot" (the one that can be
/// many a day per phone) checked.
#[function_component]
pub fn WebhookDialog(props: &EditorProps) -> Html {
    let existing = props.webhook.clone();
    let name = use_state(|| {
        existing
            .as_ref()
            .map(|w| w.name.clone())
            .unwrap_or_default()
    });
    let url = use_state(|| existing.as_ref().map(|w| w.url.clone()).unwrap_or_default());
    let events = use_state(|| match &existing {
        Some(w) => w.events.iter().copied().collect::<BTreeSet<_>>(),
        None => choosable()
            .filter(|t| *t != WebhookEventType::PhoneBoot)
            .collect(),
    });
    let none_chosen = use_state(|| false);
    let save: Action = use_action();
    let onsubmit = submit(props, &name, &url, &events, &none_chosen, &save);
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let error = save.error();
    let events_error = for_codes(error, EVENTS)
        .or_else(|| none_chosen.then(|| "Choose at least one event.".to_string()));
    let editing = existing.is_some();
    let title = if editing {
        "Edit webhook"
    } else {
        "Create webhook"
    };
    html! {
        <Dialog id="webhook-dialog" {title} on_close={props.on_close.clone()}>
            <form class="form" {onsubmit}>
                <div class="field">
                    <label for="webhook-name">{ "Name" }</label>
                    <input id="webhook-name" type="text" required=true maxlength="64"
                        value={(*name).clone()} oninput={bind_input(&name)} aria-describedby="webhook-name-count" />
                    <Counter id="webhook-name-count" value={(*name).clone()} max={64} />
                    <ErrorText id="webhook-name-error" error={for_codes(error, NAME)} />
                </div>
                <div class="field">
                    <label for="webhook-url">{ "URL" }</label>
                    <input id="webhook-url" type="url" required=true maxlength="2048"
                        placeholder="https://hooks.example.net/rcs" aria-describedby="webhook-url-hint"
                        value={(*url).clone()} oninput={bind_input(&url)} />
                    <p id="webhook-url-hint" class="hint">{ "rcs sends each event there as a signed HTTPS POST." }</p>
                    <Counter id="webhook-url-count" value={(*url).clone()} max={2048} />
                    <ErrorText id="webhook-url-error" error={for_codes(error, URL)} />
                </div>
                { event_boxes(&events, &none_chosen) }
                <ErrorText id="webhook-events-error" error={events_error} />
                <ErrorAlert id="webhook-dialog-error" error={except_codes(&except_codes(&except_codes(error, NAME), URL), EVENTS)} />
                <div class="form-actions">
                    <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                    <button id="webhook-save" type="submit" class="button button-primary" disabled={save.busy()}>
                        { if editing { "Save" } else { "Create" } }
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

/// The submit handler: POST for a new webhook, PATCH of name, URL and events for an edit.
fn submit(
    props: &EditorProps,
    name: &UseStateHandle<String>,
    url: &UseStateHandle<String>,
    events: &UseStateHandle<BTreeSet<WebhookEventType>>,
    none_chosen: &UseStateHandle<bool>,
    save: &Action,
) -> Callback<SubmitEvent> {
    let (name, url, events, none_chosen) = (
        name.clone(),
        url.clone(),
        events.clone(),
        none_chosen.clone(),
    );
    let (save, existing) = (save.clone(), props.webhook.clone());
    let (on_created, on_saved) = (props.on_created.clone(), props.on_saved.clone());
    Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        let chosen: Vec<WebhookEventType> = events.iter().copied().collect();
        none_chosen.set(chosen.is_empty());
        if chosen.is_empty() {
            save.clear_error();
            return;
        }
        let (name, url) = (name.trim().to_string(), url.trim().to_string());
        match &existing {
            None => {
                let body = NewWebhook {
                    name,
                    url,
                    events: chosen,
                    enabled: None,
                };
                let on_created = on_created.clone();
                save.run(
                    |token| async move { webhooks::create(&token, &body).await },
                    move |created| on_created.emit(created),
                );
            }
            Some(w) => {
                let id = w.id;
                let message = format!("Webhook {name} saved.");
                let body = WebhookPatch {
                    name: Some(name),
                    url: Some(url),
                    events: Some(chosen),
                    enabled: None,
                };
                let on_saved = on_saved.clone();
                save.run(
                    move |token| async move { webhooks::update(&token, id, &body).await },
                    move |()| on_saved.emit(message),
                );
            }
        }
    })
}

/// One checkbox per event, labelled as [`WebhookEventType::label`] words it.
fn event_boxes(
    events: &UseStateHandle<BTreeSet<WebhookEventType>>,
    none_chosen: &UseStateHandle<bool>,
) -> Html {
    html! {
        <fieldset class="fieldset" aria-describedby="webhook-events-error">
            <legend>{ "Events" }</legend>
            { for choosable().map(|t| {
                let id = event_box_id(t);
                let onchange = {
                    let (events, none_chosen) = (events.clone(), none_chosen.clone());
                    Callback::from(move |_: Event| {
                        let mut set = (*events).clone();
                        if !set.remove(&t) {
                            set.insert(t);
                        }
                        none_chosen.set(false);
                        events.set(set);
                    })
                };
                html! {
                    <div class="check">
                        <input id={id.clone()} type="checkbox" value={t.as_str()}
                            checked={events.contains(&t)} {onchange} />
                        <label for={id}>{ t.label() }</label>
                    </div>
                }
            }) }
        </fieldset>
    }
}

#[derive(Properties, PartialEq)]
pub struct SecretProps {
    pub created: WebhookCreated,
    /// True after a rotation, false after a creation.
    pub rotated: bool,
    pub on_close: Callback<()>,
}

/// The signing secret, selectable and with a Copy button; rcs shows it only in this answer,
/// so closing this is the last time anyone sees it.
#[function_component]
pub fn SecretShown(props: &SecretProps) -> Html {
    let copied = use_state(|| None::<String>);
    let copy = {
        let (copied, secret) = (copied.clone(), props.created.secret.clone());
        Callback::from(move |_: MouseEvent| copy_to_clipboard(secret.clone(), copied.clone()))
    };
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let title = if props.rotated {
        "Secret rotated"
    } else {
        "Webhook created"
    };
    html! {
        <Dialog id="webhook-secret-dialog" {title} on_close={props.on_close.clone()}>
            <p>{ format!("Copy the secret of the webhook {} now: it is shown only this once.", props.created.webhook.name) }</p>
            <div class="field">
                <label for="webhook-secret">{ "Signing secret" }</label>
                <div class="input-row">
                    <input id="webhook-secret" type="text" readonly=true spellcheck="false"
                        value={props.created.secret.clone()} />
                    <button id="webhook-secret-copy" type="button" class="button button-secondary" onclick={copy}>{ "Copy" }</button>
                </div>
                <p id="webhook-secret-copied" class="hint" role="status">{ (*copied).clone().unwrap_or_default() }</p>
            </div>
            <p class="hint">{ "Or select it and copy (Ctrl+C or ⌘C). The receiver checks each delivery's webhook-signature header with it." }</p>
            <div class="form-actions">
                <button id="webhook-secret-done" type="button" class="button button-primary" onclick={close}>{ "Done" }</button>
            </div>
        </Dialog>
    }
}

/// Writes `text` to the clipboard and says how that went in `status`.
fn copy_to_clipboard(text: String, status: UseStateHandle<Option<String>>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let promise = window.navigator().clipboard().write_text(&text);
    spawn_local(async move {
        let message = match JsFuture::from(promise).await {
            Ok(_) => "Copied.",
            Err(_) => "The browser did not allow copying: select the secret and copy it.",
        };
        status.set(Some(message.to_string()));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_event_is_never_offered_and_every_box_has_its_own_id() {
        let offered: Vec<_> = choosable().collect();
        assert!(!offered.contains(&WebhookEventType::WebhookTest));
        assert_eq!(offered.len(), WebhookEventType::ALL.len() - 1);
        let ids: BTreeSet<_> = offered.iter().map(|t| event_box_id(*t)).collect();
        assert_eq!(ids.len(), offered.len());
        assert!(ids.contains("webhook-event-phones-added"));
    }
}
