//! Users (Super User only): the account's users, adding one with username, password and
//! role, changing a role or password, and deleting. Usernames never change, as in the
//! original; a new role or password ends that user's sessions.

use rcs_shared::{NewUser, Role, User, UserPatch};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::dialog::Dialog;
use crate::components::errors::{except_codes, for_codes, ErrorAlert, ErrorText};
use crate::components::options::{bind, bind_input};
use crate::hooks::use_resource;
use crate::services::{api, users};
use crate::session::use_session;

#[derive(Properties, PartialEq)]
pub struct UsersPageProps {
    /// The signed-in user's id (they cannot delete themselves).
    pub me: i64,
}

#[derive(Clone, PartialEq)]
enum Open {
    None,
    Add,
    Edit(User),
    Delete(User),
}

/// The user list and its dialogs.
#[function_component]
pub fn UsersPage(props: &UsersPageProps) -> Html {
    let (list, reload) = use_resource((), |token, ()| users::list(token));
    let open = use_state(|| Open::None);
    let notice = use_state(|| None::<String>);
    let close = {
        let open = open.clone();
        Callback::from(move |()| open.set(Open::None))
    };
    let done = {
        let (open, notice) = (open.clone(), notice.clone());
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
    let rows = list.data.clone().unwrap_or_default();

    html! {
        <>
            <div class="page-header">
                <h2>{ "Users" }</h2>
                <button id="user-add" class="button button-primary" type="button" onclick={add}>
                    { "Add User" }
                </button>
            </div>
            if let Some(message) = &*notice {
                <p id="users-notice" class="alert alert-success" role="status">{ message }</p>
            }
            <ErrorAlert id="users-error" error={list.error.clone()} />
            if !rows.is_empty() {
                <div class="table-wrap card">
                    <table id="users-table" class="table">
                        <thead><tr>
                            <th scope="col">{ "Username" }</th>
                            <th scope="col">{ "Name" }</th>
                            <th scope="col">{ "Role" }</th>
                            <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
                        </tr></thead>
                        <tbody>
                            { for rows.iter().map(|u| {
                                let edit = { let (open, u) = (open.clone(), u.clone());
                                    Callback::from(move |_: MouseEvent| open.set(Open::Edit(u.clone()))) };
                                let delete = { let (open, u) = (open.clone(), u.clone());
                                    Callback::from(move |_: MouseEvent| open.set(Open::Delete(u.clone()))) };
                                html! {
                                    <tr>
                                        <th scope="row" class="break">{ &u.email }</th>
                                        <td>{ &u.name }</td>
                                        <td>{ u.role.label() }</td>
                                        <td class="actions">
                                            <button type="button" class="button button-small"
                                                aria-label={format!("Edit {}", u.email)} onclick={edit}>{ "Edit" }</button>
                                            if u.id != props.me {
                                                <button type="button" class="button button-small button-danger"
                                                    aria-label={format!("Delete {}", u.email)} onclick={delete}>{ "Delete" }</button>
                                            }
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
                Open::Add => html! { <AddUserDialog on_close={close} on_done={done} /> },
                Open::Edit(u) => html! { <EditUserDialog user={u.clone()} on_close={close} on_done={done} /> },
                Open::Delete(u) => html! { <DeleteUserDialog user={u.clone()} on_close={close} on_done={done} /> },
            } }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct AddUserProps {
    on_close: Callback<()>,
    on_done: Callback<String>,
}

/// Add User: username (email), name, password and role.
#[function_component]
fn AddUserDialog(props: &AddUserProps) -> Html {
    let session = use_session();
    let email = use_state(String::new);
    let name = use_state(String::new);
    let password = use_state(String::new);
    let role = use_state(|| "user".to_string());
    let busy = use_state(|| false);
    let error = use_state(|| None::<api::Error>);

    let onsubmit = {
        let (email, name, password, role) =
            (email.clone(), name.clone(), password.clone(), role.clone());
        let (busy, error, on_done) = (busy.clone(), error.clone(), props.on_done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = NewUser {
                email: email.trim().to_string(),
                password: (*password).clone(),
                role: Role::parse(&role).unwrap_or(Role::User),
                name: name.trim().to_string(),
            };
            busy.set(true);
            error.set(None);
            let (session, busy, error, on_done) = (
                session.clone(),
                busy.clone(),
                error.clone(),
                on_done.clone(),
            );
            spawn_local(async move {
                match session.check(users::create(&session.token(), &body).await) {
                    Ok(u) => on_done.emit(format!("User {} added.", u.email)),
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
    const EMAIL: &[&str] = &["invalid_email", "username_taken"];
    const PASSWORD: &[&str] = &["invalid_password"];
    html! {
        <Dialog id="user-dialog" title="Add User" on_close={props.on_close.clone()}>
            <form class="form" {onsubmit}>
                <div class="field">
                    <label for="user-email">{ "Username (email)" }</label>
                    <input id="user-email" type="email" required=true value={(*email).clone()}
                        oninput={bind_input(&email)} />
                    <ErrorText id="user-email-error" error={for_codes(&error, EMAIL)} />
                </div>
                <div class="field">
                    <label for="user-name">{ "Name" }</label>
                    <input id="user-name" type="text" maxlength="100" value={(*name).clone()}
                        oninput={bind_input(&name)} />
                </div>
                <div class="field">
                    <label for="user-password">{ "Password" }</label>
                    <input id="user-password" type="password" required=true minlength="10"
                        autocomplete="new-password" value={(*password).clone()}
                        oninput={bind_input(&password)} />
                    <ErrorText id="user-password-error" error={for_codes(&error, PASSWORD)} />
                </div>
                <RoleSelect value={(*role).clone()} onchange={bind(&role)} />
                <ErrorAlert id="user-dialog-error" error={except_codes(&except_codes(&error, EMAIL), PASSWORD)} />
                <div class="form-actions">
                    <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                    <button id="user-save" type="submit" class="button button-primary" disabled={*busy}>{ "Add" }</button>
                </div>
            </form>
        </Dialog>
    }
}

#[derive(Properties, PartialEq)]
struct RoleSelectProps {
    value: String,
    onchange: Callback<Event>,
}

#[function_component]
fn RoleSelect(props: &RoleSelectProps) -> Html {
    html! {
        <div class="field">
            <label for="user-role">{ "Role" }</label>
            <select id="user-role" onchange={props.onchange.clone()}>
                { for [Role::User, Role::SuperUser].into_iter().map(|r| html! {
                    <option value={r.as_str()} selected={props.value == r.as_str()}>{ r.label() }</option>
                }) }
            </select>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct UserDialogProps {
    user: User,
    on_close: Callback<()>,
    on_done: Callback<String>,
}

/// Change a user's role, name or password (the username is fixed).
#[function_component]
fn EditUserDialog(props: &UserDialogProps) -> Html {
    let session = use_session();
    let name = use_state(|| props.user.name.clone());
    let password = use_state(String::new);
    let role = use_state(|| props.user.role.as_str().to_string());
    let busy = use_state(|| false);
    let error = use_state(|| None::<api::Error>);

    let onsubmit = {
        let (name, password, role) = (name.clone(), password.clone(), role.clone());
        let (busy, error, on_done, user) = (
            busy.clone(),
            error.clone(),
            props.on_done.clone(),
            props.user.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let new_role = Role::parse(&role).unwrap_or(user.role);
            let body = UserPatch {
                role: (new_role != user.role).then_some(new_role),
                name: (name.trim() != user.name).then(|| name.trim().to_string()),
                password: (!password.is_empty()).then(|| (*password).clone()),
                email: None,
            };
            busy.set(true);
            error.set(None);
            let (session, busy, error, on_done) = (
                session.clone(),
                busy.clone(),
                error.clone(),
                on_done.clone(),
            );
            spawn_local(async move {
                match session.check(users::update(&session.token(), user.id, &body).await) {
                    Ok(u) => on_done.emit(format!("User {} saved.", u.email)),
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
    html! {
        <Dialog id="user-dialog" title="Edit User" on_close={props.on_close.clone()}>
            <form class="form" {onsubmit}>
                <div class="field">
                    <label for="user-email">{ "Username (email)" }</label>
                    <input id="user-email" type="email" readonly=true value={props.user.email.clone()} />
                </div>
                <div class="field">
                    <label for="user-name">{ "Name" }</label>
                    <input id="user-name" type="text" maxlength="100" value={(*name).clone()}
                        oninput={bind_input(&name)} />
                </div>
                <RoleSelect value={(*role).clone()} onchange={bind(&role)} />
                <div class="field">
                    <label for="user-password">{ "New password" }</label>
                    <input id="user-password" type="password" minlength="10" autocomplete="new-password"
                        value={(*password).clone()} oninput={bind_input(&password)}
                        aria-describedby="user-password-hint" />
                    <p id="user-password-hint" class="hint">{ "Leave empty to keep the current password." }</p>
                    <ErrorText id="user-password-error" error={for_codes(&error, &["invalid_password"])} />
                </div>
                <ErrorAlert id="user-dialog-error" error={except_codes(&error, &["invalid_password"])} />
                <div class="form-actions">
                    <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                    <button id="user-save" type="submit" class="button button-primary" disabled={*busy}>{ "Save" }</button>
                </div>
            </form>
        </Dialog>
    }
}

/// Confirms deleting a user.
#[function_component]
fn DeleteUserDialog(props: &UserDialogProps) -> Html {
    let session = use_session();
    let busy = use_state(|| false);
    let error = use_state(|| None::<api::Error>);
    let onclick = {
        let (busy, error, on_done, user) = (
            busy.clone(),
            error.clone(),
            props.on_done.clone(),
            props.user.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            busy.set(true);
            error.set(None);
            let (session, busy, error, on_done, user) = (
                session.clone(),
                busy.clone(),
                error.clone(),
                on_done.clone(),
                user.clone(),
            );
            spawn_local(async move {
                match session.check(users::delete(&session.token(), user.id).await) {
                    Ok(()) => on_done.emit(format!("User {} deleted.", user.email)),
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
    html! {
        <Dialog id="user-delete-dialog" title="Delete User" on_close={props.on_close.clone()}>
            <p>{ format!("Delete the user {}? Their sessions end at once.", props.user.email) }</p>
            <ErrorAlert id="user-delete-error" error={(*error).clone()} />
            <div class="form-actions">
                <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                <button id="user-delete-confirm" type="button" class="button button-danger" {onclick} disabled={*busy}>{ "Delete" }</button>
            </div>
        </Dialog>
    }
}
