//! Add Server / Edit Server: one dialog for both, since they ask the same two fields. Name
//! and URL stop at 20 and 255 characters as in the original (`maxlength`), with a counter
//! that says when the limit is reached (nothing is cut silently).

use rcs_shared::{NewServer, Server, ServerPatch};
use yew::prelude::*;

use crate::components::counter::Counter;
use crate::components::dialog::Dialog;
use crate::components::errors::{except_codes, for_codes, ErrorAlert, ErrorText};
use crate::components::options::bind_input;
use crate::hooks::{use_action, Action};
use crate::services::servers;

#[derive(Properties, PartialEq)]
pub struct ServerDialogProps {
    /// `None` adds a server, `Some` edits it.
    pub server: Option<Server>,
    pub on_close: Callback<()>,
    pub on_done: Callback<String>,
}

const NAME_CODES: &[&str] = &["invalid_server_name", "server_name_taken"];
const URL_CODES: &[&str] = &["invalid_server_url"];

/// Add Server / Edit Server.
#[function_component]
pub fn ServerDialog(props: &ServerDialogProps) -> Html {
    let field =
        |get: fn(&Server) -> &String| props.server.as_ref().map(get).cloned().unwrap_or_default();
    let name = use_state(|| field(|s| &s.name));
    let url = use_state(|| field(|s| &s.url));
    let save: Action = use_action();

    let onsubmit = {
        let (name, url, save) = (name.clone(), url.clone(), save.clone());
        let (server, on_done) = (props.server.clone(), props.on_done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (name, url) = (name.trim().to_string(), url.trim().to_string());
            let (server, on_done) = (server.clone(), on_done.clone());
            let adding = server.is_none();
            save.run(
                |token| async move {
                    match server {
                        None => servers::create(&token, &NewServer { name, url }).await,
                        Some(s) => {
                            let patch = ServerPatch {
                                name: Some(name),
                                url: Some(url),
                            };
                            servers::update(&token, s.id, &patch).await
                        }
                    }
                },
                move |saved| {
                    let verb = if adding { "added" } else { "saved" };
                    on_done.emit(format!("Server {} {verb}.", saved.name));
                },
            );
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
    let error = save.error();

    html! {
        <Dialog id="server-dialog" {title} on_close={props.on_close.clone()}>
            <form class="form" {onsubmit}>
                <div class="field">
                    <label for="server-name">{ "Server name" }</label>
                    <input id="server-name" type="text" required=true maxlength="20"
                        value={(*name).clone()} oninput={bind_input(&name)}
                        aria-describedby="server-name-hint server-name-count" />
                    <p id="server-name-hint" class="hint">{ "Up to 20 characters." }</p>
                    <Counter id="server-name-count" value={(*name).clone()} max={20} />
                    <ErrorText id="server-name-error" error={for_codes(error, NAME_CODES)} />
                </div>
                <div class="field">
                    <label for="server-url">{ "Server URL" }</label>
                    <input id="server-url" type="text" required=true maxlength="255"
                        inputmode="url" placeholder="https://pbx.example.com/provisioning"
                        value={(*url).clone()} oninput={bind_input(&url)}
                        aria-describedby="server-url-hint server-url-count" />
                    <p id="server-url-hint" class="hint">{ "https, http, ftp or tftp; up to 255 characters." }</p>
                    <Counter id="server-url-count" value={(*url).clone()} max={255} />
                    <ErrorText id="server-url-error" error={for_codes(error, URL_CODES)} />
                </div>
                <ErrorAlert id="server-dialog-error"
                    error={except_codes(&except_codes(error, NAME_CODES), URL_CODES)} />
                <div class="form-actions">
                    <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                    <button id="server-save" type="submit" class="button button-primary" disabled={save.busy()}>
                        { if props.server.is_some() { "Save" } else { "Add" } }
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
