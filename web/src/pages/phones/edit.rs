//! Edit Properties of the selected phones (PATCH /api/v1/phones): each property is left
//! "Unchanged" unless picked, "None" clears it; and the Server/Branding/Firmware selects the
//! add and upload dialogs share.

use rcs_shared::PhoneChanges;
use yew::prelude::*;

use super::selection::Selection;
use crate::components::dialog::Dialog;
use crate::components::errors::{except_codes, for_codes, ErrorAlert, ErrorText};
use crate::components::options::{
    bind, branding_options, firmware_options, parse_id, server_options, Choices,
};
use crate::hooks::{use_action, Action};
use crate::number::thousands;
use crate::services::{api, phones};

/// The value of the "Unchanged" option.
pub const UNCHANGED: &str = "unchanged";

#[derive(Properties, PartialEq)]
pub struct PropertySelectsProps {
    /// Prefix of the controls' ids (`add-server`, `edit-firmware`, ...).
    pub prefix: AttrValue,
    pub choices: Choices,
    /// Offer "Unchanged" (bulk edit) in addition to "None".
    pub unchanged: bool,
    pub server: UseStateHandle<String>,
    pub branding: UseStateHandle<String>,
    pub firmware: UseStateHandle<String>,
    /// The dialog's last API error: one about a property shows under its select.
    #[prop_or_default]
    pub error: Option<api::Error>,
}

/// The codes [`PropertySelects`] shows at its fields; a dialog shows every other one itself.
pub const PROPERTY_CODES: &[&str] = &[
    "unknown_server",
    "unknown_branding",
    "invalid_firmware",
    "unknown_firmware",
    "firmware_vendor_mismatch",
];

/// Server, Branding and Firmware selects. "" is None (no server: unaffiliated; no branding:
/// the account default; no firmware: leave the phone's alone).
#[function_component]
pub fn PropertySelects(props: &PropertySelectsProps) -> Html {
    let c = &props.choices;
    let id = |name: &str| format!("{}-{name}", props.prefix);
    let server_error = for_codes(&props.error, &["unknown_server"]);
    let branding_error = for_codes(&props.error, &["unknown_branding"]);
    let firmware_error = for_codes(
        &props.error,
        &[
            "invalid_firmware",
            "unknown_firmware",
            "firmware_vendor_mismatch",
        ],
    );
    let unchanged = |value: &str| {
        props.unchanged.then(|| {
            html! {
                <option value={UNCHANGED} selected={value == UNCHANGED}>{ "Unchanged" }</option>
            }
        })
    };
    html! {
        <div class="field-row three">
            <div class="field">
                <label for={id("server")}>{ "Server" }</label>
                <select id={id("server")} onchange={bind(&props.server)}
                    aria-invalid={server_error.is_some().to_string()} aria-describedby={id("server-error")}>
                    { for unchanged(&props.server) }
                    <option value="" selected={props.server.is_empty()}>{ "None (unaffiliated)" }</option>
                    { server_options(c, &props.server) }
                </select>
                <ErrorText id={id("server-error")} error={server_error} />
            </div>
            <div class="field">
                <label for={id("branding")}>{ "Branding" }</label>
                <select id={id("branding")} onchange={bind(&props.branding)}
                    aria-invalid={branding_error.is_some().to_string()} aria-describedby={id("branding-error")}>
                    { for unchanged(&props.branding) }
                    <option value="" selected={props.branding.is_empty()}>{ "None (account default)" }</option>
                    { branding_options(c, &props.branding) }
                </select>
                <ErrorText id={id("branding-error")} error={branding_error} />
            </div>
            <div class="field">
                <label for={id("firmware")}>{ "Firmware" }</label>
                <select id={id("firmware")} onchange={bind(&props.firmware)}
                    aria-invalid={firmware_error.is_some().to_string()} aria-describedby={id("firmware-error")}>
                    { for unchanged(&props.firmware) }
                    <option value="" selected={props.firmware.is_empty()}>{ "None" }</option>
                    { firmware_options(c, &props.firmware) }
                </select>
                <ErrorText id={id("firmware-error")} error={firmware_error} />
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct EditPropertiesProps {
    pub selection: Selection,
    pub choices: Choices,
    pub on_close: Callback<()>,
    pub on_done: Callback<(String, bool)>,
}

/// The Edit Properties dialog.
#[function_component]
pub fn EditPropertiesDialog(props: &EditPropertiesProps) -> Html {
    let server = use_state(|| UNCHANGED.to_string());
    let branding = use_state(|| UNCHANGED.to_string());
    let firmware = use_state(|| UNCHANGED.to_string());
    let save: Action = use_action();

    let onsubmit = {
        let (server, branding, firmware) = (server.clone(), branding.clone(), firmware.clone());
        let (save, on_done, selection) =
            (save.clone(), props.on_done.clone(), props.selection.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let change_id = |v: &str| (v != UNCHANGED).then(|| parse_id(v));
            let body = selection.edit(PhoneChanges {
                server_id: change_id(&server),
                branding_id: change_id(&branding),
                firmware: (*firmware != UNCHANGED)
                    .then(|| Some((*firmware).clone()).filter(|f| !f.is_empty())),
            });
            let on_done = on_done.clone();
            // Edited phones may have left the list's filter: the list reloads and the
            // selection is cleared rather than kept on phones no longer shown.
            save.run(
                |token| async move { phones::bulk_edit(&token, &body).await },
                move |c| {
                    on_done.emit((
                        format!("Changed {} phone(s).", thousands(c.count as i64)),
                        true,
                    ))
                },
            );
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <Dialog id="edit-phones-dialog" title="Edit Properties" wide=true on_close={props.on_close.clone()}>
            <form class="form" {onsubmit}>
                <p id="edit-phones-what">{ format!("Edit {}. Properties left \"Unchanged\" keep their value.", props.selection.describe()) }</p>
                <PropertySelects prefix="edit" choices={props.choices.clone()} unchanged=true
                    server={server.clone()} branding={branding.clone()} firmware={firmware.clone()}
                    error={save.error().clone()} />
                <ErrorAlert id="edit-phones-error" error={except_codes(save.error(), PROPERTY_CODES)} />
                { changed_notice(save.error(), &props.on_done) }
                <div class="form-actions">
                    <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                    <button id="edit-phones-submit" type="submit" class="button button-primary" disabled={save.busy()}>
                        { if save.busy() { "Saving…" } else { "Save" } }
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

/// After 409 `selection_changed` (the message gives the new count): a way back to the list
/// as it is now, with nothing selected.
pub fn changed_notice(error: &Option<api::Error>, on_done: &Callback<(String, bool)>) -> Html {
    if error.as_ref().map(|e| e.code()) != Some("selection_changed") {
        return html! {};
    }
    let on_done = on_done.clone();
    let onclick = Callback::from(move |_: MouseEvent| {
        on_done.emit((
            "The selection changed before anything was done; the list was reloaded. Select again."
                .into(),
            true,
        ))
    });
    html! {
        <p class="selection-changed">
            <button id="selection-reload" type="button" class="button button-secondary" {onclick}>
                { "Reload the list" }
            </button>
        </p>
    }
}
