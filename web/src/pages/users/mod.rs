//! Users (Super User only): the account's users, adding one with username and role (invited
//! by mail to choose a password, or given one), sending a user a new invitation, changing a role or password, and deleting. Usernames never change, as in the
//! original; a new role or password ends that user's sessions. This module is the list;
//! `editor` adds and edits one user, `delete` deletes one, `second_factor` requires two-factor
//! login for the account and resets a user's.

mod delete;
mod editor;
mod second_factor;

use rcs_shared::User;
use yew::prelude::*;

use crate::components::errors::ErrorAlert;
use crate::hooks::{use_action, use_resource, Action};
use crate::services::users;
use delete::DeleteUserDialog;
use editor::{AddUserDialog, EditUserDialog};
use second_factor::{AccountRequirement, ResetSecondFactorDialog};

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
    ResetSecondFactor(User),
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
    let invite: Action = use_action();

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
            <AccountRequirement />
            <ErrorAlert id="users-error" error={list.error.clone()} />
            <ErrorAlert id="users-invite-error" error={invite.error().clone()} />
            if !rows.is_empty() {
                <div class="table-wrap card">
                    <table id="users-table" class="table stack">
                        <thead><tr>
                            <th scope="col">{ "Username" }</th>
                            <th scope="col">{ "Name" }</th>
                            <th scope="col">{ "Role" }</th>
                            <th scope="col">{ "Two-factor" }</th>
                            <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
                        </tr></thead>
                        <tbody>
                            { for rows.iter().map(|u| {
                                let edit = { let (open, u) = (open.clone(), u.clone());
                                    Callback::from(move |_: MouseEvent| open.set(Open::Edit(u.clone()))) };
                                let delete = { let (open, u) = (open.clone(), u.clone());
                                    Callback::from(move |_: MouseEvent| open.set(Open::Delete(u.clone()))) };
                                let reset = { let (open, u) = (open.clone(), u.clone());
                                    Callback::from(move |_: MouseEvent| open.set(Open::ResetSecondFactor(u.clone()))) };
                                let send_invitation = { let (invite, notice, u) = (invite.clone(), notice.clone(), u.clone());
                                    Callback::from(move |_: MouseEvent| {
                                        let (notice, id, email) = (notice.clone(), u.id, u.email.clone());
                                        notice.set(None);
                                        invite.run(
                                            move |token| async move { users::invite(&token, id).await },
                                            move |()| notice.set(Some(format!("An invitation was sent to {email}."))),
                                        );
                                    }) };
                                html! {
                                    <tr>
                                        <th scope="row" data-label="Username" class="wrap-words">{ &u.email }</th>
                                        <td data-label="Name">{ &u.name }</td>
                                        <td data-label="Role">{ u.role.label() }</td>
                                        <td data-label="Two-factor">{ if u.second_factor { "On" } else { "Off" } }</td>
                                        <td class="actions">
                                            <button type="button" class="button button-small"
                                                aria-label={format!("Edit {}", u.email)} onclick={edit}>{ "Edit" }</button>
                                            if u.second_factor && u.id != props.me {
                                                <button type="button" class="button button-small"
                                                    aria-label={format!("Reset two-factor login of {}", u.email)} onclick={reset}>{ "Reset 2FA" }</button>
                                            }
                                            if u.id != props.me {
                                                <button type="button" class="button button-small"
                                                    aria-label={format!("Send {} an invitation to choose a password", u.email)}
                                                    disabled={invite.busy()} onclick={send_invitation}>{ "Send Invitation" }</button>
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
                Open::ResetSecondFactor(u) => html! { <ResetSecondFactorDialog user={u.clone()} on_close={close} on_done={done} /> },
            } }
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct UserDialogProps {
    pub user: User,
    pub on_close: Callback<()>,
    pub on_done: Callback<String>,
}
