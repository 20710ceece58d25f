//! One webhook: what it is, and its deliveries (newest first, a page at a time, older pages
//! with `next_before`), each with its payload and a Resend button.

use rcs_shared::{DeliveryState, WebhookDelivery};
use yew::prelude::*;

use super::{event_labels, last_delivery, quick_action, when, Quick};
use crate::components::dialog::Dialog;
use crate::components::errors::ErrorAlert;
use crate::hooks::{use_action, use_resource, Action};
use crate::route::Route;
use crate::services::webhooks;

#[derive(Properties, PartialEq)]
pub struct WebhookPageProps {
    pub id: i64,
}

/// The webhook's facts, "Send test event" and its deliveries.
#[function_component]
pub fn WebhookPage(props: &WebhookPageProps) -> Html {
    let (hook, reload_hook) = use_resource(props.id, webhooks::get);
    let notice = use_state(|| None::<String>);
    let act: Action = use_action();
    let done = {
        let (notice, reload_hook) = (notice.clone(), reload_hook.clone());
        Callback::from(move |message: String| {
            notice.set(Some(message));
            reload_hook.emit(());
        })
    };
    let title = hook
        .data
        .as_ref()
        .map(|w| format!("Webhook {}", w.name))
        .unwrap_or_else(|| "Webhook".to_string());
    html! {
        <>
            <div class="page-header">
                <h2>{ title }</h2>
                <a href={Route::Webhooks.href()}>{ "‹ Back to Webhooks" }</a>
            </div>
            if let Some(message) = &*notice {
                <p id="webhook-notice" class="alert alert-success" role="status">{ message }</p>
            }
            <ErrorAlert id="webhook-error" error={hook.error.clone().or_else(|| act.error().clone())} />
            if let Some(w) = &hook.data {
                <section class="card" aria-labelledby="webhook-facts-title">
                    <h3 id="webhook-facts-title">{ "Webhook" }</h3>
                    <dl id="webhook-facts" class="facts">
                        <dt>{ "URL" }</dt><dd class="break">{ &w.url }</dd>
                        <dt>{ "Events" }</dt><dd>{ event_labels(w) }</dd>
                        <dt>{ "Enabled" }</dt><dd>{ if w.enabled { "Yes" } else { "No" } }</dd>
                        <dt>{ "Pending" }</dt><dd>{ w.pending }</dd>
                        <dt>{ "Dropped" }</dt><dd>{ w.dropped }</dd>
                        <dt>{ "Last delivery" }</dt><dd>{ last_delivery(w) }</dd>
                    </dl>
                    <div class="button-row">
                        <button id="webhook-test" type="button" class="button button-secondary"
                            onclick={quick_action(&act, w, Quick::Test, &done)} disabled={act.busy()}>
                            { "Send test event" }
                        </button>
                    </div>
                </section>
                <Deliveries id={props.id} on_change={reload_hook.clone()} />
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct DeliveriesProps {
    id: i64,
    /// Called after a resend: the webhook's pending count changed.
    on_change: Callback<()>,
}

/// The deliveries table with Refresh, paging, payloads and Resend.
#[function_component]
fn Deliveries(props: &DeliveriesProps) -> Html {
    // `before` of the page shown; the stack holds the `before` of the newer pages.
    let before = use_state(|| None::<i64>);
    let newer = use_state(Vec::<Option<i64>>::new);
    let (page, reload) = use_resource((props.id, *before), webhooks::deliveries);
    let payload = use_state(|| None::<WebhookDelivery>);
    let notice = use_state(|| None::<String>);
    let resend: Action = use_action();
    let refresh = {
        let (reload, notice, on_change) = (reload.clone(), notice.clone(), props.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            notice.set(None);
            reload.emit(());
            on_change.emit(());
        })
    };
    let older = page.data.as_ref().and_then(|p| p.next_before).map(|next| {
        let (before, newer) = (before.clone(), newer.clone());
        Callback::from(move |_: MouseEvent| {
            let mut stack = (*newer).clone();
            stack.push(*before);
            newer.set(stack);
            before.set(Some(next));
        })
    });
    let newer_page = (!newer.is_empty()).then(|| {
        let (before, newer) = (before.clone(), newer.clone());
        Callback::from(move |_: MouseEvent| {
            let mut stack = (*newer).clone();
            before.set(stack.pop().flatten());
            newer.set(stack);
        })
    });
    let ctx = RowContext {
        id: props.id,
        resend: resend.clone(),
        payload: payload.clone(),
        notice: notice.clone(),
        reload: reload.clone(),
        on_change: props.on_change.clone(),
    };
    let items = page
        .data
        .as_ref()
        .map(|p| p.items.clone())
        .unwrap_or_default();
    let close_payload = {
        let payload = payload.clone();
        Callback::from(move |()| payload.set(None))
    };
    html! {
        <section class="card" aria-labelledby="deliveries-title">
            <div class="card-header">
                <h3 id="deliveries-title">{ "Deliveries" }</h3>
                <button id="deliveries-refresh" type="button" class="button button-secondary" onclick={refresh}
                    disabled={page.loading}>{ "Refresh" }</button>
            </div>
            if let Some(message) = &*notice {
                <p id="deliveries-notice" class="alert alert-success" role="status">{ message }</p>
            }
            <ErrorAlert id="deliveries-error" error={page.error.clone().or_else(|| resend.error().clone())} />
            if items.is_empty() && !page.loading {
                <p id="deliveries-empty" class="muted">{ "Nothing has been sent to this webhook yet." }</p>
            } else if !items.is_empty() {
                { deliveries_table(&items, &ctx, page.loading) }
            }
            <div class="button-row">
                if let Some(onclick) = newer_page {
                    <button id="deliveries-newer" type="button" class="button button-secondary" {onclick}>{ "Newer" }</button>
                }
                if let Some(onclick) = older {
                    <button id="deliveries-older" type="button" class="button button-secondary" {onclick}
                        disabled={page.loading}>{ "Older" }</button>
                }
            </div>
            if let Some(d) = &*payload {
                <PayloadDialog delivery={d.clone()} on_close={close_payload} />
            }
        </section>
    }
}

/// What a delivery row's buttons need.
#[derive(Clone)]
struct RowContext {
    id: i64,
    resend: Action,
    payload: UseStateHandle<Option<WebhookDelivery>>,
    notice: UseStateHandle<Option<String>>,
    reload: Callback<()>,
    on_change: Callback<()>,
}

fn deliveries_table(items: &[WebhookDelivery], ctx: &RowContext, loading: bool) -> Html {
    html! {
        <div class={classes!("table-wrap", loading.then_some("loading"))}>
            <table id="deliveries-table" class="table compact stack">
                <thead><tr>
                    <th scope="col">{ "Event" }</th>
                    <th scope="col">{ "Time" }</th>
                    <th scope="col">{ "State" }</th>
                    <th scope="col" class="num">{ "Attempts" }</th>
                    <th scope="col">{ "Status" }</th>
                    <th scope="col">{ "Error" }</th>
                    <th scope="col" class="num">{ "Latency" }</th>
                    <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
                </tr></thead>
                <tbody>{ for items.iter().map(|d| delivery_row(d, ctx)) }</tbody>
            </table>
        </div>
    }
}

fn delivery_row(d: &WebhookDelivery, ctx: &RowContext) -> Html {
    let (label, class) = match d.state {
        DeliveryState::Pending => ("Pending", "badge badge-info"),
        DeliveryState::Delivered => ("Delivered", "badge badge-ok"),
        DeliveryState::Failed => ("Failed", "badge badge-error"),
    };
    let next = d
        .next_attempt_at
        .as_deref()
        .map(|t| format!(" (next {})", when(Some(t))))
        .unwrap_or_default();
    let show = {
        let (payload, d) = (ctx.payload.clone(), d.clone());
        Callback::from(move |_: MouseEvent| payload.set(Some(d.clone())))
    };
    let resend = {
        let ctx = ctx.clone();
        let (id, delivery) = (ctx.id, d.id);
        Callback::from(move |_: MouseEvent| {
            let (notice, reload, on_change) = (
                ctx.notice.clone(),
                ctx.reload.clone(),
                ctx.on_change.clone(),
            );
            ctx.resend.run(
                move |token| async move { webhooks::resend(&token, id, delivery).await },
                move |()| {
                    notice.set(Some(format!("Delivery {delivery} queued again.")));
                    reload.emit(());
                    on_change.emit(());
                },
            );
        })
    };
    html! {
        <tr key={d.id} id={format!("delivery-{}", d.id)}>
            <td data-label="Event">{ d.event_type.label() }</td>
            <td data-label="Time">{ when(Some(&d.created_at)) }</td>
            <td data-label="State"><span class={class}>{ label }</span>{ next }</td>
            <td data-label="Attempts" class="num">{ d.attempts }</td>
            <td data-label="Status">{ d.last_status.map(|s| s.to_string()).unwrap_or_else(|| "—".into()) }</td>
            <td data-label="Error" class="break">{ d.last_error.clone().unwrap_or_else(|| "—".into()) }</td>
            <td data-label="Latency" class="num">{ d.latency_ms.map(|ms| format!("{ms} ms")).unwrap_or_else(|| "—".into()) }</td>
            <td class="actions">
                <button type="button" class="button button-small" aria-label={format!("Show the payload of delivery {}", d.id)}
                    onclick={show}>{ "Payload" }</button>
                <button type="button" class="button button-small" aria-label={format!("Resend delivery {}", d.id)}
                    onclick={resend} disabled={ctx.resend.busy()}>{ "Resend" }</button>
            </td>
        </tr>
    }
}

#[derive(Properties, PartialEq)]
struct PayloadProps {
    delivery: WebhookDelivery,
    on_close: Callback<()>,
}

/// The body sent, indented for reading (the receiver got it on one line, exactly as signed).
#[function_component]
fn PayloadDialog(props: &PayloadProps) -> Html {
    let d = &props.delivery;
    let pretty = serde_json::from_str::<serde_json::Value>(&d.payload)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| d.payload.clone());
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <Dialog id="delivery-payload-dialog" title={format!("Payload of delivery {}", d.id)} wide=true on_close={props.on_close.clone()}>
            <p>{ format!("Event id (webhook-id): {}", d.event_id) }</p>
            <pre id="delivery-payload" class="webhook-payload" tabindex="0">{ pretty }</pre>
            <div class="form-actions">
                <button id="delivery-payload-close" type="button" class="button button-primary" onclick={close}>{ "Close" }</button>
            </div>
        </Dialog>
    }
}
