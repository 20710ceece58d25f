//! The firmware catalog as the operator keeps it: every release with the phones pinned to it
//! and those running it, upload of a release archive with its progress, and removal.

use std::rc::Rc;

use rcs_shared::AdminFirmwareRelease;
use web_sys::{File, HtmlInputElement};
use yew::prelude::*;

use super::picked;
use crate::components::dialog::Dialog;
use crate::components::errors::ErrorAlert;
use crate::components::options::vendor_label;
use crate::hooks::{use_action, use_resource, Action};
use crate::number::thousands;
use crate::services::console;
use crate::time::when;

#[function_component]
pub fn CatalogPage() -> Html {
    let (list, reload) = use_resource((), |token, ()| console::firmware(token));
    let notice = use_state(|| None::<String>);
    let removing = use_state(|| None::<AdminFirmwareRelease>);
    let file = use_state(|| None::<File>);
    let sent = use_state(|| None::<f64>);
    let upload: Action = use_action();
    let input = use_node_ref();

    let onchange = {
        let (file, upload) = (file.clone(), upload.clone());
        Callback::from(move |e: Event| {
            upload.clear_error();
            file.set(picked(&e));
        })
    };
    let onsubmit = {
        let (file, sent, upload, notice, reload, input) = (
            file.clone(),
            sent.clone(),
            upload.clone(),
            notice.clone(),
            reload.clone(),
            input.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(chosen) = (*file).clone() else {
                return;
            };
            notice.set(None);
            sent.set(Some(0.0));
            let progress = {
                let sent = sent.clone();
                Callback::from(move |share: f64| sent.set(Some(share)))
            };
            let (sent_done, sent_fail) = (sent.clone(), sent.clone());
            let (file, notice, reload, input) =
                (file.clone(), notice.clone(), reload.clone(), input.clone());
            upload.run(
                move |token| async move {
                    let answer = console::upload_firmware(&token, &chosen, progress).await;
                    sent_fail.set(None);
                    answer
                },
                move |release| {
                    sent_done.set(None);
                    file.set(None);
                    if let Some(i) = input.cast::<HtmlInputElement>() {
                        i.set_value("");
                    }
                    let r = &release.release;
                    notice.set(Some(format!(
                        "Firmware {} ({}, {} images) is in the catalog.",
                        r.version,
                        vendor_label(&r.vendor),
                        r.images.len()
                    )));
                    reload.emit(());
                },
            );
        })
    };
    let all: Rc<Vec<AdminFirmwareRelease>> = list.data.clone().unwrap_or_default();
    let close = {
        let removing = removing.clone();
        Callback::from(move |()| removing.set(None))
    };
    let removed = {
        let (removing, notice, reload) = (removing.clone(), notice.clone(), reload.clone());
        Callback::from(move |message: String| {
            removing.set(None);
            notice.set(Some(message));
            reload.emit(());
        })
    };

    html! {
        <>
            <div class="page-header"><h2>{ "Firmware Catalog" }</h2></div>
            <section class="card" aria-labelledby="upload-title">
                <h3 id="upload-title">{ "Upload a release" }</h3>
                <form class="form" onsubmit={onsubmit}>
                    <div class="field">
                        <label for="firmware-file">{ "Release archive (.tar, .tar.gz or .zip)" }</label>
                        <input id="firmware-file" type="file" ref={input}
                            accept=".tar,.gz,.tgz,.zip,application/x-tar,application/gzip,application/zip"
                            onchange={onchange} aria-describedby="firmware-file-hint" />
                        <p id="firmware-file-hint" class="hint">
                            { "The release folder with its manifest.toml and one image per model, as rcs firmware import reads it. Every image is checked against the manifest; nothing is stored unless all match." }
                        </p>
                    </div>
                    if let Some(share) = *sent {
                        <div class="progress-block" role="status">
                            <label for="firmware-progress">{
                                if share >= 1.0 { "Checking the release…".to_string() }
                                else { format!("Uploading… {}%", (share * 100.0).round()) }
                            }</label>
                            <progress id="firmware-progress" max="100" value={(share * 100.0).round().to_string()} />
                        </div>
                    }
                    <ErrorAlert id="firmware-upload-error" error={upload.error().clone()} />
                    <div class="form-actions">
                        <button id="firmware-upload" type="submit" class="button button-primary"
                            disabled={upload.busy() || file.is_none()}>{ "Upload" }</button>
                    </div>
                </form>
            </section>
            if let Some(message) = &*notice {
                <p id="firmware-notice" class="alert alert-success" role="status">{ message }</p>
            }
            <ErrorAlert id="catalog-error" error={list.error.clone()} />
            if list.data.is_some() && all.is_empty() {
                <p class="card muted">{ "The catalog is empty. Upload a release." }</p>
            } else if !all.is_empty() {
                <div class="table-wrap card" tabindex="0" role="region" aria-label="Releases">
                    <table id="catalog-table" class="table stack">
                        <thead><tr>
                            <th scope="col">{ "Release" }</th>
                            <th scope="col">{ "Vendor" }</th>
                            <th scope="col">{ "Released" }</th>
                            <th scope="col">{ "Models" }</th>
                            <th scope="col" class="num">{ "Pinned phones" }</th>
                            <th scope="col" class="num">{ "Running it" }</th>
                            <th scope="col">{ "Imported" }</th>
                            <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
                        </tr></thead>
                        <tbody>
                            { for all.iter().map(|r| {
                                let remove = { let (removing, r) = (removing.clone(), r.clone());
                                    Callback::from(move |_: MouseEvent| removing.set(Some(r.clone()))) };
                                let models: Vec<&str> = r.release.images.iter().map(|i| i.model.as_str()).collect();
                                html! {
                                    <tr id={format!("release-{}", r.release.version)}>
                                        <th scope="row" data-label="Release">{ &r.release.version }</th>
                                        <td data-label="Vendor">{ vendor_label(&r.release.vendor) }</td>
                                        <td data-label="Released">{ &r.release.released }</td>
                                        <td data-label="Models" class="wrap-words">{ models.join(", ") }</td>
                                        <td data-label="Pinned phones" class="num">{ thousands(r.pinned_phones) }</td>
                                        <td data-label="Running it" class="num">{ thousands(r.reporting_phones) }</td>
                                        <td data-label="Imported">{ when(&r.release.imported_at) }</td>
                                        <td class="actions">
                                            <button type="button" class="button button-small button-danger"
                                                aria-label={format!("Remove {}", r.release.version)}
                                                onclick={remove}>{ "Remove" }</button>
                                        </td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                </div>
            }
            if let Some(release) = &*removing {
                <RemoveDialog release={release.clone()} on_close={close} on_done={removed} />
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct RemoveProps {
    release: AdminFirmwareRelease,
    on_close: Callback<()>,
    on_done: Callback<String>,
}

#[function_component]
fn RemoveDialog(props: &RemoveProps) -> Html {
    let remove: Action = use_action();
    let version = props.release.release.version.clone();
    let onsubmit = {
        let (remove, on_done, version) = (remove.clone(), props.on_done.clone(), version.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (on_done, version) = (on_done.clone(), version.clone());
            let v = version.clone();
            remove.run(
                move |token| async move { console::remove_firmware(&token, &v).await },
                move |()| on_done.emit(format!("Firmware {version} removed.")),
            );
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let pinned = props.release.pinned_phones;
    html! {
        <Dialog id="firmware-remove-dialog" title="Remove Release" on_close={props.on_close.clone()}>
            <form class="form" {onsubmit}>
                <p>{ format!("Remove firmware {version} from the catalog?") }</p>
                if pinned > 0 {
                    <p class="alert alert-warning">{ format!(
                        "{} phones are pinned to it: it cannot be removed until their accounts move them to another release.",
                        thousands(pinned)
                    ) }</p>
                }
                <ErrorAlert id="firmware-remove-error" error={remove.error().clone()} />
                <div class="form-actions">
                    <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                    <button id="firmware-remove-confirm" type="submit" class="button button-danger"
                        disabled={remove.busy()}>{ "Remove" }</button>
                </div>
            </form>
        </Dialog>
    }
}
