//! Delete Server: confirms, and when phones use the server asks where those phones go
//! (another server, or none); the API refuses with 409 otherwise.

use rcs_shared::Server;
use yew::prelude::*;

use crate::components::dialog::Dialog;
use crate::components::errors::ErrorAlert;
use crate::components::options::{bind, parse_id};
use crate::hooks::{use_action, Action};
use crate::services::servers::{self, OnPhones};

#[derive(Properties, PartialEq)]
pub struct DeleteServerDialogProps {
    pub server: Server,
    /// The account's other servers, to move the phones to.
    pub others: Vec<Server>,
    pub on_close: Callback<()>,
    pub on_done: Callback<String>,
}

/// Confirms a delete; when phones use the server, asks whether to move them to another
/// server or leave them unaffiliated.
#[function_component]
pub fn DeleteServerDialog(props: &DeleteServerDialogProps) -> Html {
    // "unassign" or a server id.
    let choice = use_state(|| {
        props
            .others
            .first()
            .map(|s| s.id.to_string())
            .unwrap_or_else(|| "unassign".into())
    });
    let delete: Action = use_action();
    // Phones appeared since the list was loaded: the 409 turns the choice on.
    let in_use = props.server.phone_count > 0
        || delete
            .error()
            .as_ref()
            .is_some_and(|e| e.code() == "server_in_use");

    let onsubmit = {
        let (choice, delete) = (choice.clone(), delete.clone());
        let (server, on_done) = (props.server.clone(), props.on_done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let on_phones = if !in_use {
                OnPhones::Refuse
            } else if let Some(id) = parse_id(&choice) {
                OnPhones::ReassignTo(id)
            } else {
                OnPhones::Unassign
            };
            let (server, on_done) = (server.clone(), on_done.clone());
            let id = server.id;
            delete.run(
                move |token| async move { servers::delete(&token, id, on_phones).await },
                move |()| on_done.emit(format!("Server {} deleted.", server.name)),
            );
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let s = &props.server;

    html! {
        <Dialog id="server-delete-dialog" title="Delete Server" on_close={props.on_close.clone()}>
            <form class="form" {onsubmit}>
                <p>{ format!("Delete the server {} ({})?", s.name, s.url) }</p>
                if in_use {
                    <fieldset class="fieldset">
                        <legend>{ format!("{} phone(s) use this server. Their new server:", s.phone_count.max(1)) }</legend>
                        <div class="field">
                            <label for="server-reassign">{ "Move the phones to" }</label>
                            <select id="server-reassign" onchange={bind(&choice)}>
                                { for props.others.iter().map(|o| {
                                    let id = o.id.to_string();
                                    html! { <option value={id.clone()} selected={*choice == id}>{ &o.name }</option> }
                                }) }
                                <option value="unassign" selected={*choice == "unassign"}>
                                    { "No server (leave them unaffiliated)" }
                                </option>
                            </select>
                        </div>
                    </fieldset>
                }
                <ErrorAlert id="server-delete-error" error={delete.error().clone()} />
                <div class="form-actions">
                    <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                    <button id="server-delete-confirm" type="submit" class="button button-danger" disabled={delete.busy()}>
                        { "Delete" }
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
