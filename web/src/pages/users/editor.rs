//! Add User (username, name, role; an invitation mail by default, or a password typed here)
//! and Edit User (name, role, a new password; the
//! username is fixed, as in the original). A new role or password ends that user's sessions.

use rcs_shared::{NewUser, Role, User, UserPatch};
use yew::prelude::*;

use super::UserDialogProps;
use crate::components::dialog::Dialog;
use crate::components::errors::{except_codes, for_codes, ErrorAlert, ErrorText};
use crate::components::options::{bind, bind_input};
use crate::hooks::{use_action, Action};
use crate::services::users;

#[derive(Properties, PartialEq)]
pub struct AddUserProps {
    pub on_close: Callback<()>,
    pub on_done: Callback<String>,
}

/// Add User: username (email), name, password and role.
#[function_component]
pub fn AddUserDialog(props: &AddUserProps) -> Html {
    let email = use_state(String::new);
    let name = use_state(String::new);
    let password = use_state(String::new);
    let role = use_state(|| "user".to_string());
    // Invite by mail (the user chooses their password), unless the Super User sets one.
    let invite = use_state(|| true);
    let save: Action = use_action();

    let on_invite = {
        let invite = invite.clone();
        Callback::from(move |e: Event| {
            use wasm_bindgen::JsCast;
            let on = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .is_some_and(|i| i.checked());
            invite.set(on);
        })
    };
    let onsubmit = {
        let (email, name, password, role, invite) = (
            email.clone(),
            name.clone(),
            password.clone(),
            role.clone(),
            *invite,
        );
        let (save, on_done) = (save.clone(), props.on_done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = NewUser {
                email: email.trim().to_string(),
                password: (!invite).then(|| (*password).clone()),
                role: Role::parse(&role).unwrap_or(Role::User),
                name: name.trim().to_string(),
            };
            let on_done = on_done.clone();
            save.run(
                |token| async move { users::create(&token, &body).await },
                move |u| {
                    on_done.emit(if invite {
                        format!(
                            "User {} added; an invitation was sent to that address.",
                            u.email
                        )
                    } else {
                        format!("User {} added.", u.email)
                    })
                },
            );
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    const EMAIL: &[&str] = &["invalid_email", "username_taken"];
    const PASSWORD: &[&str] = &["invalid_password"];
    let error = save.error();
    html! {
        <Dialog id="user-dialog" title="Add User" on_close={props.on_close.clone()}>
            <form class="form" {onsubmit}>
                <div class="field">
                    <label for="user-email">{ "Username (email)" }</label>
                    <input id="user-email" type="email" required=true value={(*email).clone()}
                        oninput={bind_input(&email)} />
                    <ErrorText id="user-email-error" error={for_codes(error, EMAIL)} />
                </div>
                <div class="field">
                    <label for="user-name">{ "Name" }</label>
                    <input id="user-name" type="text" maxlength="100" value={(*name).clone()}
                        oninput={bind_input(&name)} />
                </div>
                <div class="check">
                    <input id="user-invite" type="checkbox" checked={*invite} onchange={on_invite} />
                    <label for="user-invite">{ "Send an invitation by email: the user chooses their own password" }</label>
                </div>
                if !*invite {
                    <div class="field">
                        <label for="user-password">{ "Password" }</label>
                        <input id="user-password" type="password" required=true minlength="12"
                            autocomplete="new-password" value={(*password).clone()}
                            oninput={bind_input(&password)} aria-describedby="user-password-hint" />
                        <p id="user-password-hint" class="hint">{ "At least 12 characters; not a common password." }</p>
                        <ErrorText id="user-password-error" error={for_codes(error, PASSWORD)} />
                    </div>
                }
                <RoleSelect value={(*role).clone()} onchange={bind(&role)} />
                <ErrorAlert id="user-dialog-error" error={except_codes(&except_codes(error, EMAIL), PASSWORD)} />
                <div class="form-actions">
                    <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                    <button id="user-save" type="submit" class="button button-primary" disabled={save.busy()}>{ "Add" }</button>
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

/// The changes Edit User sends: only what differs from `user`, and a password only if typed.
fn patch(user: &User, name: &str, role: &str, password: &str) -> UserPatch {
    let new_role = Role::parse(role).unwrap_or(user.role);
    UserPatch {
        role: (new_role != user.role).then_some(new_role),
        name: (name.trim() != user.name).then(|| name.trim().to_string()),
        password: (!password.is_empty()).then(|| password.to_string()),
        email: None,
    }
}

/// Change a user's role, name or password (the username is fixed).
#[function_component]
pub fn EditUserDialog(props: &UserDialogProps) -> Html {
    let name = use_state(|| props.user.name.clone());
    let password = use_state(String::new);
    let role = use_state(|| props.user.role.as_str().to_string());
    let save: Action = use_action();

    let onsubmit = {
        let (name, password, role) = (name.clone(), password.clone(), role.clone());
        let (save, on_done, user) = (save.clone(), props.on_done.clone(), props.user.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = patch(&user, &name, &role, &password);
            let (on_done, id) = (on_done.clone(), user.id);
            save.run(
                move |token| async move { users::update(&token, id, &body).await },
                move |u| on_done.emit(format!("User {} saved.", u.email)),
            );
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let error = save.error();
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
                    <input id="user-password" type="password" minlength="12" autocomplete="new-password"
                        value={(*password).clone()} oninput={bind_input(&password)}
                        aria-describedby="user-password-hint" />
                    <p id="user-password-hint" class="hint">{ "Leave empty to keep the current password." }</p>
                    <ErrorText id="user-password-error" error={for_codes(error, &["invalid_password"])} />
                </div>
                <ErrorAlert id="user-dialog-error" error={except_codes(error, &["invalid_password"])} />
                <div class="form-actions">
                    <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                    <button id="user-save" type="submit" class="button button-primary" disabled={save.busy()}>{ "Save" }</button>
                </div>
            </form>
        </Dialog>
    }
}
