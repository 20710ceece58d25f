//! Firmware: the catalog of releases the operator imported, with their vendor and the models
//! each supports. Read-only for everyone (the operator curates it with `rcs firmware`).

use rcs_shared::FirmwareRelease;
use yew::prelude::*;

use crate::components::errors::ErrorAlert;
use crate::components::options::vendor_label;
use crate::hooks::use_resource;
use crate::services;

/// The releases, by vendor and newest first.
#[function_component]
pub fn FirmwarePage() -> Html {
    let (releases, _) = use_resource((), |token, ()| services::firmware(token));
    html! {
        <>
            <div class="page-header">
                <h2>{ "Firmware" }</h2>
                <p class="muted">{ "Releases phones can be set to. Choose \"None\" on a phone to leave its firmware alone." }</p>
            </div>
            <ErrorAlert id="firmware-error" error={releases.error.clone()} />
            if let Some(list) = &releases.data {
                if list.is_empty() {
                    <p class="card muted">{ "The catalog is empty: the operator has not imported any firmware yet." }</p>
                } else {
                    <div class="table-wrap card">
                        <table id="firmware-table" class="table stack">
                            <thead><tr>
                                <th scope="col">{ "Version" }</th>
                                <th scope="col">{ "Vendor" }</th>
                                <th scope="col">{ "Released" }</th>
                                <th scope="col">{ "Models" }</th>
                                <th scope="col">{ "Notes" }</th>
                            </tr></thead>
                            <tbody>{ for list.iter().map(row) }</tbody>
                        </table>
                    </div>
                }
            }
        </>
    }
}

fn row(release: &FirmwareRelease) -> Html {
    html! {
        <tr>
            <th scope="row" data-label="Version">{ &release.version }</th>
            <td data-label="Vendor">{ vendor_label(&release.vendor) }</td>
            <td data-label="Released">{ &release.released }</td>
            <td data-label="Models">
                <ul class="chips">
                    { for release.images.iter().map(|i| html! {
                        <li class="chip" title={format!("{} · {}", i.file, size(i.size))}>
                            { &i.model }
                        </li>
                    }) }
                </ul>
            </td>
            <td data-label="Notes" class="notes">{ &release.notes }</td>
        </tr>
    }
}

/// Bytes in the unit a person reads best.
pub fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}
