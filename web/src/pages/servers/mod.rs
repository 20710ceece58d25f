//! Servers: the configuration servers phones are redirected to. Every user may list, add,
//! edit and delete them. This module is the list; `editor` adds and edits one server,
//! `delete` deletes one (asking where the phones that use it go).

mod delete;
mod editor;

use std::rc::Rc;

use rcs_shared::Server;
use yew::prelude::*;

use crate::components::errors::ErrorAlert;
use crate::hooks::use_resource;
use crate::services::servers;
use delete::DeleteServerDialog;
use editor::ServerDialog;

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
                    <table id="servers-table" class="table stack">
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
                                        <th scope="row" data-label="Name" class="wrap-words">{ &s.name }</th>
                                        <td data-label="URL" class="url">{ &s.url }</td>
                                        <td data-label="Phones" class="num">{ crate::number::thousands(s.phone_count) }</td>
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
