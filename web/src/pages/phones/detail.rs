//! One phone: its properties (editable, and with a sign when its pinned firmware differs
//! from the one it reports), Delete, and its boot history (GET /api/v1/phones/{mac}/events, newest
//! first, older pages on demand). A server without the history endpoint answers 404, which
//! is shown as "not available" rather than as a failure of the page.

use rcs_shared::{BootEvent, BootOutcome, Phone};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::delete::DeletePhonesDialog;
use super::edit::EditPropertiesDialog;
use super::selection::Selection;
use crate::components::errors::ErrorAlert;
use crate::components::options::use_choices;
use crate::hooks::use_resource;
use crate::mac::pretty;
use crate::route::navigate;
use crate::services::{api, phones};
use crate::session::use_session;
use crate::time::when;

#[derive(Properties, PartialEq)]
pub struct PhonePageProps {
    pub mac: String,
}

/// The phone detail page.
#[function_component]
pub fn PhonePage(props: &PhonePageProps) -> Html {
    let (phone, reload) = use_resource(props.mac.clone(), phones::get);
    let choices = use_choices();
    // "edit", "delete" or "" (no dialog).
    let open = use_state(|| "");
    let notice = use_state(|| None::<String>);
    let back = super::last_list();
    let selection = Selection::Macs(vec![props.mac.clone()]);
    let show = |what: &'static str| {
        let (open, notice) = (open.clone(), notice.clone());
        Callback::from(move |_: MouseEvent| {
            notice.set(None);
            open.set(what);
        })
    };
    let close = {
        let open = open.clone();
        Callback::from(move |()| open.set(""))
    };
    let edited = {
        let (open, notice) = (open.clone(), notice.clone());
        Callback::from(move |(message, _): (String, bool)| {
            open.set("");
            notice.set(Some(message));
            reload.emit(());
        })
    };
    // Deleted: back to the list as it was.
    let deleted = {
        let href = back.href();
        Callback::from(move |_: (String, bool)| navigate(&href, false))
    };
    html! {
        <>
            <div class="page-header">
                <h2>{ format!("Phone {}", pretty(&props.mac)) }</h2>
                <a id="phone-back" href={back.href()}>{ "‹ Back to Phones" }</a>
            </div>
            <ErrorAlert id="phone-error" error={phone.error.clone()} />
            if let Some(message) = &*notice {
                <p id="phone-notice" class="alert alert-success" role="status">{ message }</p>
            }
            if phone.data.is_some() {
                <div class="toolbar" role="toolbar" aria-label="Phone actions">
                    <button id="phone-edit" type="button" class="button button-secondary"
                        onclick={show("edit")}>{ "Edit Properties" }</button>
                    <button id="phone-delete" type="button" class="button button-secondary button-danger-text"
                        onclick={show("delete")}>{ "Delete" }</button>
                </div>
            }
            if *open == "edit" {
                <EditPropertiesDialog selection={selection.clone()} choices={choices.clone()}
                    on_close={close.clone()} on_done={edited} />
            } else if *open == "delete" {
                <DeletePhonesDialog {selection} on_close={close} on_done={deleted} />
            }
            if let Some(p) = &phone.data {
                <Properties phone={(**p).clone()} />
                <BootHistory mac={p.mac.clone()} />
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct PropertiesProps {
    phone: Phone,
}

#[function_component]
fn Properties(props: &PropertiesProps) -> Html {
    let p = &props.phone;
    let or = |v: &Option<String>, none: &str| v.clone().unwrap_or_else(|| none.to_string());
    // Pinned and reported differ: the phone takes the pinned release at a coming boot.
    let pending = match (&p.firmware, &p.reported_firmware) {
        (Some(pin), Some(reported)) => pin != reported,
        _ => false,
    };
    let rows = [
        ("Server", or(&p.server_name, "Unaffiliated")),
        ("Branding", or(&p.branding_name, "None (account default)")),
        ("Firmware", or(&p.firmware, "None")),
        ("Vendor", vendor_label(p.vendor.as_deref())),
        ("Model", or(&p.model, "—")),
        ("Reported firmware", or(&p.reported_firmware, "—")),
        (
            "Last seen",
            p.last_seen_at
                .as_deref()
                .map(when)
                .unwrap_or_else(|| "Never".into()),
        ),
        ("Last address", or(&p.last_seen_addr, "—")),
        ("Added", when(&p.created_at)),
    ];
    html! {
        <section class="card" aria-labelledby="phone-properties">
            <h3 id="phone-properties">{ "Properties" }</h3>
            <dl id="phone-facts" class="facts">
                { for rows.into_iter().map(|(k, v)| html! { <><dt>{ k }</dt><dd>{ v }</dd></> }) }
            </dl>
            if pending {
                <p id="firmware-pending" class="alert alert-info" role="status">
                    <span class="badge badge-warn">{ "Firmware change pending" }</span>
                    { format!(" Pinned {}, the phone reports {}: it installs the pinned release at a coming boot.",
                        p.firmware.clone().unwrap_or_default(), p.reported_firmware.clone().unwrap_or_default()) }
                </p>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct BootHistoryProps {
    mac: String,
}

/// Boot events, newest first, with "Load older".
#[function_component]
fn BootHistory(props: &BootHistoryProps) -> Html {
    let session = use_session();
    let events = use_state(Vec::<BootEvent>::new);
    let next = use_state(|| None::<String>);
    let error = use_state(|| None::<api::Error>);
    let loading = use_state(|| true);

    let load = {
        let (events, next, error, loading) =
            (events.clone(), next.clone(), error.clone(), loading.clone());
        let mac = props.mac.clone();
        Callback::from(move |cursor: Option<String>| {
            loading.set(true);
            let (session, events, next, error, loading, mac) = (
                session.clone(),
                events.clone(),
                next.clone(),
                error.clone(),
                loading.clone(),
                mac.clone(),
            );
            spawn_local(async move {
                let more = cursor.is_some();
                match session.check(phones::events(session.token(), mac, cursor).await) {
                    Ok(page) => {
                        let mut all = if more { (*events).clone() } else { Vec::new() };
                        all.extend(page.items);
                        events.set(all);
                        next.set(page.next_cursor);
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e)),
                }
                loading.set(false);
            });
        })
    };
    {
        let load = load.clone();
        use_effect_with(props.mac.clone(), move |_| load.emit(None));
    }
    let older = {
        let (load, next) = (load.clone(), next.clone());
        Callback::from(move |_: MouseEvent| load.emit((*next).clone()))
    };

    html! {
        <section class="card" aria-labelledby="boot-history">
            <h3 id="boot-history">{ "Boot History" }</h3>
            <ErrorAlert id="events-error" error={(*error).clone()} />
            if events.is_empty() && !*loading {
                <p id="events-empty" class="muted">{ "This phone has not contacted rcs yet." }</p>
            } else if !events.is_empty() {
                <div class="table-wrap" tabindex="0" role="region" aria-label="Boot history">
                    <table id="events-table" class="table compact stack">
                        <thead><tr>
                            <th scope="col">{ "When" }</th>
                            <th scope="col">{ "Outcome" }</th>
                            <th scope="col">{ "Phone" }</th>
                            <th scope="col">{ "Firmware" }</th>
                            <th scope="col">{ "Address" }</th>
                            <th scope="col">{ "Detail" }</th>
                        </tr></thead>
                        <tbody>{ for events.iter().map(event_row) }</tbody>
                    </table>
                </div>
            }
            if next.is_some() {
                <button id="events-older" type="button" class="button button-secondary" onclick={older}
                    disabled={*loading}>{ "Load older" }</button>
            }
        </section>
    }
}

fn event_row(e: &BootEvent) -> Html {
    let (label, class) = match e.outcome {
        BootOutcome::Redirected => ("Redirected", "badge badge-ok"),
        BootOutcome::FirmwareSent => ("Firmware sent", "badge badge-info"),
        BootOutcome::BrandingSent => ("Branding sent", "badge badge-info"),
        BootOutcome::Unknown => ("Unknown MAC", "badge badge-warn"),
        BootOutcome::Refused => ("Refused", "badge badge-error"),
    };
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let phone = match (&e.vendor, &e.model) {
        (Some(_), Some(model)) => format!("{} {model}", vendor_label(e.vendor.as_deref())),
        (Some(_), None) => vendor_label(e.vendor.as_deref()),
        (None, model) => dash(model),
    };
    html! {
        <tr>
            <td data-label="When" class="nowrap">{ when(&e.at) }</td>
            <td data-label="Outcome"><span class={class}>{ label }</span></td>
            <td data-label="Phone">{ phone }</td>
            <td data-label="Firmware">{ dash(&e.firmware) }</td>
            <td data-label="Address" class="wrap-words">{ dash(&e.addr) }</td>
            <td data-label="Detail" class="wrap-words">
                // A native boot lists each file it fetched, in order, one per line.
                <span>{ for e.detail.split(" | ").enumerate().map(|(i, part)| html! {
                    <>{ if i > 0 { html! { <br/> } } else { html! {} } }{ part }</>
                }) }</span>
            </td>
        </tr>
    }
}

/// A vendor as people write it (the API sends its stored name).
fn vendor_label(vendor: Option<&str>) -> String {
    match vendor {
        Some("aastra") => "Aastra/Mitel".into(),
        Some("yealink") => "Yealink".into(),
        Some("snom") => "Snom".into(),
        Some("polycom") => "Poly (Polycom)".into(),
        Some("grandstream") => "Grandstream".into(),
        Some(other) => other.into(),
        None => "—".into(),
    }
}
