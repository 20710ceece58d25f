//! Device trust: the CAs whose phone certificates rcs accepts, and the revocation lists that
//! turn single phones away again. Added by upload, removed here; every node follows within
//! seconds.

use rcs_shared::{DeviceCa, DeviceCrl};
use web_sys::File;
use yew::prelude::*;

use super::picked;
use crate::components::errors::ErrorAlert;
use crate::hooks::{use_action, use_resource, Action};
use crate::number::thousands;
use crate::services::console;
use crate::time::when;

/// The start of a fingerprint, enough to tell certificates apart on screen.
fn short(sha256: &str) -> String {
    let head: String = sha256.chars().take(16).collect();
    format!("{head}…")
}

#[function_component]
pub fn TrustPage() -> Html {
    let (cas, reload_cas) = use_resource((), |token, ()| console::device_cas(token));
    let (crls, reload_crls) = use_resource((), |token, ()| console::device_crls(token));
    let notice = use_state(|| None::<String>);
    let act: Action = use_action();
    let ca_file = use_state(|| None::<File>);
    let crl_file = use_state(|| None::<File>);

    let pick = |state: &UseStateHandle<Option<File>>| {
        let (state, act) = (state.clone(), act.clone());
        Callback::from(move |e: Event| {
            act.clear_error();
            state.set(picked(&e));
        })
    };
    let add_ca = {
        let (ca_file, act, notice, reload) = (
            ca_file.clone(),
            act.clone(),
            notice.clone(),
            reload_cas.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(file) = (*ca_file).clone() else {
                return;
            };
            let (notice, reload) = (notice.clone(), reload.clone());
            act.run(
                move |token| async move { console::add_device_cas(&token, &file).await },
                move |added| {
                    let names: Vec<String> =
                        added.added.iter().map(|c| c.subject.clone()).collect();
                    notice.set(Some(match (names.len(), added.already_trusted) {
                        (0, _) => {
                            "Every certificate of the bundle was trusted already.".to_string()
                        }
                        (_, 0) => format!("Now trusting {}.", names.join(", ")),
                        (_, n) => {
                            format!("Now trusting {} ({n} trusted already).", names.join(", "))
                        }
                    }));
                    reload.emit(());
                },
            );
        })
    };
    let add_crl = {
        let (crl_file, act, notice, reload) = (
            crl_file.clone(),
            act.clone(),
            notice.clone(),
            reload_crls.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(file) = (*crl_file).clone() else {
                return;
            };
            let (notice, reload) = (notice.clone(), reload.clone());
            act.run(
                move |token| async move { console::add_device_crl(&token, &file).await },
                move |crl| {
                    notice.set(Some(format!(
                        "Using the revocation list of {} ({} revoked).",
                        crl.issuer, crl.revoked
                    )));
                    reload.emit(());
                },
            );
        })
    };
    let remove = |kind: &'static str, id: i64, what: String, reload: Callback<()>| {
        let (act, notice) = (act.clone(), notice.clone());
        Callback::from(move |_: MouseEvent| {
            let (notice, reload, what) = (notice.clone(), reload.clone(), what.clone());
            act.run(
                move |token| async move { console::remove_trust(&token, kind, id).await },
                move |()| {
                    notice.set(Some(format!("Removed {what}.")));
                    reload.emit(());
                },
            );
        })
    };
    let ca_rows = cas.data.clone().unwrap_or_default();
    let crl_rows = crls.data.clone().unwrap_or_default();

    html! {
        <>
            <div class="page-header"><h2>{ "Device Trust" }</h2></div>
            <p class="muted">{ "Phones prove who they are with a certificate from a CA trusted here (or in the configured device_ca bundle). Running nodes follow every change within seconds." }</p>
            if let Some(message) = &*notice {
                <p id="trust-notice" class="alert alert-success" role="status">{ message }</p>
            }
            <ErrorAlert id="trust-error" error={act.error().clone().or_else(|| cas.error.clone()).or_else(|| crls.error.clone())} />
            <section class="card" aria-labelledby="cas-title">
                <h3 id="cas-title">{ "Trusted CAs" }</h3>
                if ca_rows.is_empty() {
                    <p class="muted">{ "No CA added here." }</p>
                } else {
                    <div class="table-wrap" tabindex="0" role="region" aria-label="Trusted CAs">
                        <table id="cas-table" class="table stack">
                            <thead><tr>
                                <th scope="col">{ "Subject" }</th>
                                <th scope="col">{ "Expires" }</th>
                                <th scope="col">{ "SHA-256" }</th>
                                <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
                            </tr></thead>
                            <tbody>
                                { for ca_rows.iter().map(|c: &DeviceCa| html! {
                                    <tr>
                                        <th scope="row" data-label="Subject" class="wrap-words">{ &c.subject }</th>
                                        <td data-label="Expires">{ when(&c.not_after) }</td>
                                        <td data-label="SHA-256"><code title={c.sha256.clone()}>{ short(&c.sha256) }</code></td>
                                        <td class="actions">
                                            <button type="button" class="button button-small button-danger"
                                                aria-label={format!("Stop trusting {}", c.subject)} disabled={act.busy()}
                                                onclick={remove("device-cas", c.id, c.subject.clone(), reload_cas.clone())}>
                                                { "Remove" }
                                            </button>
                                        </td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    </div>
                }
                <form class="form form-inline" onsubmit={add_ca}>
                    <div class="field">
                        <label for="ca-file">{ "Add CA certificates (PEM)" }</label>
                        <input id="ca-file" type="file" accept=".pem,.crt,.cer" onchange={pick(&ca_file)} />
                    </div>
                    <button id="ca-add" type="submit" class="button button-primary"
                        disabled={act.busy() || ca_file.is_none()}>{ "Add" }</button>
                </form>
            </section>
            <section class="card" aria-labelledby="crls-title">
                <h3 id="crls-title">{ "Revocation lists" }</h3>
                if crl_rows.is_empty() {
                    <p class="muted">{ "No revocation list in use." }</p>
                } else {
                    <div class="table-wrap" tabindex="0" role="region" aria-label="Revocation lists">
                        <table id="crls-table" class="table stack">
                            <thead><tr>
                                <th scope="col">{ "Issuer" }</th>
                                <th scope="col" class="num">{ "Revoked" }</th>
                                <th scope="col">{ "Updated" }</th>
                                <th scope="col">{ "Next update" }</th>
                                <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
                            </tr></thead>
                            <tbody>
                                { for crl_rows.iter().map(|c: &DeviceCrl| html! {
                                    <tr>
                                        <th scope="row" data-label="Issuer" class="wrap-words">{ &c.issuer }</th>
                                        <td data-label="Revoked" class="num">{ thousands(c.revoked) }</td>
                                        <td data-label="Updated">{ when(&c.this_update) }</td>
                                        <td data-label="Next update">{ c.next_update.as_deref().map_or_else(|| "—".to_string(), when) }</td>
                                        <td class="actions">
                                            <button type="button" class="button button-small button-danger"
                                                aria-label={format!("Stop using the list of {}", c.issuer)} disabled={act.busy()}
                                                onclick={remove("device-crls", c.id, format!("the revocation list of {}", c.issuer), reload_crls.clone())}>
                                                { "Remove" }
                                            </button>
                                        </td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    </div>
                }
                <form class="form form-inline" onsubmit={add_crl}>
                    <div class="field">
                        <label for="crl-file">{ "Add a revocation list (DER or PEM)" }</label>
                        <input id="crl-file" type="file" accept=".crl,.pem,.der" onchange={pick(&crl_file)} />
                    </div>
                    <button id="crl-add" type="submit" class="button button-primary"
                        disabled={act.busy() || crl_file.is_none()}>{ "Add" }</button>
                </form>
            </section>
        </>
    }
}
