//! Servers: the configuration servers phones are redirected to. Every user may list, add,
//! edit and delete them. Name and URL are cut at 20 and 255 characters as in the original
//! (`maxlength`), and deleting a server phones use asks where those phones go.

use std::rc::Rc;

use rcs_shared::{NewServer, Server, ServerPatch};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::dialog::Dialog;
use crate::components::errors::{except_codes, for_codes, ErrorAlert, ErrorText};
use crate::components::options::{bind, bind_input, parse_id};
use crate::hooks::use_resource;
use crate::services::api;
use crate::services::servers::{self, OnPhones};
use crate::session::use_session;

/// Which dialog is open.
#[derive(Clone, PartialEq)]
enum Open {
    None,
    Add,
    Edit(Server),
    Delete(Server),
}

/// The server list and its dialogs.
#[function_component]
pub fn ServersPage() -> Html {
    let (list, reload) = use_resource((), |token, ()| servers::list(token));
    let open = use_state(|| Open::None);
    let notice = use_state(|| None::<String>);

    let close = {
        let open = open.clone();
        Callback::from(move |()| open.set(Open::None))
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
            open.set(Open::Add);
        })
    };
    let all: Rc<Vec<Server>> = list.data.clone().unwrap_or_default();

    html! {
        <>
            <div class="page-header">
                <h2>{ "Servers" }</h2>
                <button id="server-add" class="button button-primary" type="button" onclick={add}>
                    { "Add Server" }
                </button>
            </div>
            if let Some(message) = &*notice {
                <p id="servers-notice" class="alert alert-success" role="status">{ message }</p>
            }
            <ErrorAlert id="servers-error" error={list.error.clone()} />
            if list.data.is_some() && all.is_empty() {
                <p class="card muted">{ "No configuration servers yet. Add one before redirecting phones." }</p>
            } else if !all.is_empty() {
                <div class="table-wrap card">
                    <table id="servers-table" class="table">
                        <thead><tr>
                            <th scope="col">{ "Name" }</th>
                            <th scope="col">{ "URL" }</th>
                            <th scope="col" class="num">{ "Phones" }</th>
                            <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
                        </tr></thead>
                        <tbody>
                            { for all.iter().map(|s| {
                                let edit = { let (open, s) = (open.clone(), s.clone());
                                    Callback::from(move |_: MouseEvent| open.set(Open::Edit(s.clone()))) };
                                let delete = { let (open, s) = (open.clone(), s.clone());
                                    Callback::from(move |_: MouseEvent| open.set(Open::Delete(s.clone()))) };
                                html! {
                                    <tr>
                                        <th scope="row">{ &s.name }</th>
                                        <td class="break">{ &s.url }</td>
                                        <td class="num">{ s.phone_count }</td>
                                        <td class="actions">
                                            <button type="button" class="button button-small"
                                                aria-label={format!("Edit {}", s.name)} onclick={edit}>{ "Edit" }</button>
                                            <button type="button" class="button button-small button-danger"
                                                aria-label={format!("Delete {}", s.name)} onclick={delete}>{ "Delete" }</button>
                                        </td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                </div>
            }
            { match &*open {
                Open::None => html! {},
                Open::Add => html! { <ServerDialog server={None::<Server>} on_close={close} on_done={done} /> },
                Open::Edit(s) => html! { <ServerDialog server={Some(s.clone())} on_close={close} on_done={done} /> },
                Open::Delete(s) => html! {
                    <DeleteServerDialog server={s.clone()} others={all.iter().filter(|o| o.id != s.id).cloned().collect::<Vec<_>>()}
                        on_close={close} on_done={done} />
                },
            } }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct ServerDialogProps {
    /// `None` adds a server, `Some` edits it.
    server: Option<Server>,
    on_close: Callback<()>,
    on_done: Callback<String>,
}

const NAME_CODES: &[&str] = &["invalid_server_name", "server_name_taken"];
const URL_CODES: &[&str] = &["invalid_server_url"];

/// Add Server / Edit Server.
#[function_component]
fn ServerDialog(props: &ServerDialogProps) -> Html {
    let session = use_session();
    let name = use_state(|| {
        props
            .server
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_default()
    });
    let url = use_state(|| {
        props
            .server
            .as_ref()
            .map(|s| s.url.clone())
            .unwrap_or_default()
    });
    let busy = use_state(|| false);
    let error = use_state(|| None::<api::Error>);

    let onsubmit = {
        let (name, url, busy, error) = (name.clone(), url.clone(), busy.clone(), error.clone());
        let (server, on_done) = (props.server.clone(), props.on_done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            busy.set(true);
            error.set(None);
            let (name, url) = (name.trim().to_string(), url.trim().to_string());
            let (session, busy, error, on_done, server) = (
                session.clone(),
                busy.clone(),
                error.clone(),
                on_done.clone(),
                server.clone(),
            );
            spawn_local(async move {
                let token = session.token();
                let result = match &server {
                    None => servers::create(&token, &NewServer { name, url }).await,
                    Some(s) => {
                        let patch = ServerPatch {
                            name: Some(name),
                            url: Some(url),
                        };
                        servers::update(&token, s.id, &patch).await
                    }
                };
                match session.check(result) {
                    Ok(saved) => on_done.emit(match server {
                        None => format!("Server {} added.", saved.name),
                        Some(_) => format!("Server {} saved.", saved.name),
                    }),
                    Err(e) => {
                        error.set(Some(e));
                        busy.set(false);
                    }
                }
            });
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let title = if props.server.is_some() {
        "Edit Server"
    } else {
        "Add Server"
    };

    html! {
        <Dialog id="server-dialog" {title} on_close={props.on_close.clone()}>
            <form class="form" {onsubmit}>
                <div class="field">
                    <label for="server-name">{ "Server name" }</label>
                    <input id="server-name" type="text" required=true maxlength="20"
                        value={(*name).clone()} oninput={bind_input(&name)}
                        aria-describedby="server-name-hint" />
                    <p id="server-name-hint" class="hint">{ "Up to 20 characters." }</p>
                    <ErrorText id="server-name-error" error={for_codes(&error, NAME_CODES)} />
                </div>
                <div class="field">
                    <label for="server-url">{ "Server URL" }</label>
                    <input id="server-url" type="text" required=true maxlength="255"
                        inputmode="url" placeholder="https://pbx.example.com/provisioning"
                        value={(*url).clone()} oninput={bind_input(&url)}
                        aria-describedby="server-url-hint" />
                    <p id="server-url-hint" class="hint">{ "https, http, ftp or tftp; up to 255 characters." }</p>
                    <ErrorText id="server-url-error" error={for_codes(&error, URL_CODES)} />
                </div>
                <ErrorAlert id="server-dialog-error"
                    error={except_codes(&except_codes(&error, NAME_CODES), URL_CODES)} />
                <div class="form-actions">
                    <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                    <button id="server-save" type="submit" class="button button-primary" disabled={*busy}>
                        { if props.server.is_some() { "Save" } else { "Add" } }
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

#[derive(Properties, PartialEq)]
struct DeleteServerDialogProps {
    server: Server,
    /// The account's other servers, to move the phones to.
    others: Vec<Server>,
    on_close: Callback<()>,
    on_done: Callback<String>,
}

/// Confirms a delete; when phones use the server, asks whether to move them to another
/// server or leave them unaffiliated (the API refuses with 409 otherwise).
#[function_component]
fn DeleteServerDialog(props: &DeleteServerDialogProps) -> Html {
    let session = use_session();
    // "unassign" or a server id.
    let choice = use_state(|| {
        props
            .others
            .first()
            .map(|s| s.id.to_string())
            .unwrap_or_else(|| "unassign".into())
    });
    let busy = use_state(|| false);
    let error = use_state(|| None::<api::Error>);
    // Phones appeared since the list was loaded: the 409 turns the choice on.
    let in_use =
        props.server.phone_count > 0 || error.as_ref().is_some_and(|e| e.code() == "server_in_use");

    let onsubmit = {
        let (choice, busy, error) = (choice.clone(), busy.clone(), error.clone());
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
            busy.set(true);
            error.set(None);
            let (session, busy, error, on_done, server) = (
                session.clone(),
                busy.clone(),
                error.clone(),
                on_done.clone(),
                server.clone(),
            );
            spawn_local(async move {
                let result = servers::delete(&session.token(), server.id, on_phones).await;
                match session.check(result) {
                    Ok(()) => on_done.emit(format!("Server {} deleted.", server.name)),
                    Err(e) => {
                        error.set(Some(e));
                        busy.set(false);
                    }
                }
            });
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
                <ErrorAlert id="server-delete-error" error={(*error).clone()} />
                <div class="form-actions">
                    <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                    <button id="server-delete-confirm" type="submit" class="button button-danger" disabled={*busy}>
                        { "Delete" }
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
