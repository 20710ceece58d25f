//! The accounts page's dialogs: create (name, first Super User's email, optional quota),
//! rename, quota, suspend (with a reason for both audit trails), delete (its phones too only
//! when the operator says so).

use rcs_shared::{AdminAccount, NewAdminAccount};
use yew::prelude::*;

use crate::components::dialog::Dialog;
use crate::components::errors::{except_codes, for_codes, ErrorAlert, ErrorText};
use crate::components::options::bind_input;
use crate::hooks::{use_action, Action};
use crate::number::thousands;
use crate::services::console;

#[derive(Properties, PartialEq)]
pub struct NewAccountProps {
    pub on_close: Callback<()>,
    pub on_done: Callback<String>,
}

/// A quota field's text: empty for no limit, else a whole number (checked by the API too).
fn parse_quota(text: &str) -> Result<Option<i64>, ()> {
    match text.trim() {
        "" => Ok(None),
        t => t.replace([',', ' '], "").parse().map(Some).map_err(|_| ()),
    }
}

fn cancel_button(on_close: &Callback<()>) -> Html {
    let on_close = on_close.clone();
    let onclick = Callback::from(move |_: MouseEvent| on_close.emit(()));
    html! { <button type="button" class="button button-secondary" {onclick}>{ "Cancel" }</button> }
}

const NAME_CODES: &[&str] = &["invalid_account_name", "account_name_taken"];
const EMAIL_CODES: &[&str] = &["invalid_email", "username_taken"];
const QUOTA_CODES: &[&str] = &["invalid_quota"];

#[function_component]
pub fn NewAccountDialog(props: &NewAccountProps) -> Html {
    let name = use_state(String::new);
    let email = use_state(String::new);
    let quota = use_state(String::new);
    let save: Action = use_action();
    let bad_quota = parse_quota(&quota).is_err();

    let onsubmit = {
        let (name, email, quota, save) = (name.clone(), email.clone(), quota.clone(), save.clone());
        let on_done = props.on_done.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Ok(phone_quota) = parse_quota(&quota) else {
                return;
            };
            let body = NewAdminAccount {
                name: name.trim().to_string(),
                super_user_email: email.trim().to_string(),
                phone_quota,
            };
            let (on_done, to) = (on_done.clone(), body.super_user_email.clone());
            save.run(
                move |token| async move { console::create_account(&token, &body).await },
                move |a| {
                    on_done.emit(format!(
                        "Account {} created. {to} was sent a link to choose a password.",
                        a.name
                    ))
                },
            );
        })
    };
    let error = save.error();
    let other = except_codes(
        &except_codes(&except_codes(error, NAME_CODES), EMAIL_CODES),
        QUOTA_CODES,
    );
    html! {
        <Dialog id="account-create-dialog" title="Create Account" on_close={props.on_close.clone()}>
            <form class="form" {onsubmit}>
                <div class="field">
                    <label for="new-account-name">{ "Service provider name" }</label>
                    <input id="new-account-name" type="text" required=true maxlength="100"
                        value={(*name).clone()} oninput={bind_input(&name)} />
                    <ErrorText id="new-account-name-error" error={for_codes(error, NAME_CODES)} />
                </div>
                <div class="field">
                    <label for="account-email">{ "First Super User's email" }</label>
                    <input id="account-email" type="email" required=true autocomplete="off"
                        value={(*email).clone()} oninput={bind_input(&email)}
                        aria-describedby="account-email-hint" />
                    <p id="account-email-hint" class="hint">
                        { "They get a mail with a link to choose their own password; no password is shown here." }
                    </p>
                    <ErrorText id="account-email-error" error={for_codes(error, EMAIL_CODES)} />
                </div>
                <div class="field">
                    <label for="account-quota">{ "Phone quota (optional)" }</label>
                    <input id="account-quota" type="text" inputmode="numeric"
                        value={(*quota).clone()} oninput={bind_input(&quota)}
                        aria-describedby="account-quota-hint" aria-invalid={bad_quota.to_string()} />
                    <p id="account-quota-hint" class="hint">{ "The most phones it may hold; empty for no limit." }</p>
                    if bad_quota {
                        <p class="field-error" role="alert">{ "Enter a whole number, or leave it empty." }</p>
                    }
                    <ErrorText id="account-quota-error" error={for_codes(error, QUOTA_CODES)} />
                </div>
                <ErrorAlert id="account-create-error" error={other} />
                <div class="form-actions">
                    { cancel_button(&props.on_close) }
                    <button id="account-create-save" type="submit" class="button button-primary"
                        disabled={save.busy() || bad_quota}>{ "Create" }</button>
                </div>
            </form>
        </Dialog>
    }
}

#[derive(Properties, PartialEq)]
pub struct AccountDialogProps {
    pub account: AdminAccount,
    pub on_close: Callback<()>,
    pub on_done: Callback<String>,
}

#[function_component]
pub fn RenameDialog(props: &AccountDialogProps) -> Html {
    let name = use_state(|| props.account.name.clone());
    let save: Action = use_action();
    let onsubmit = {
        let (name, save, id) = (name.clone(), save.clone(), props.account.id);
        let on_done = props.on_done.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (name, on_done) = (name.trim().to_string(), on_done.clone());
            save.run(
                move |token| async move { console::rename(&token, id, name).await },
                move |a| on_done.emit(format!("Renamed to {}.", a.name)),
            );
        })
    };
    let error = save.error();
    html! {
        <Dialog id="account-rename-dialog" title="Rename Account" on_close={props.on_close.clone()}>
            <form class="form" {onsubmit}>
                <div class="field">
                    <label for="account-rename">{ "New name" }</label>
                    <input id="account-rename" type="text" required=true maxlength="100"
                        value={(*name).clone()} oninput={bind_input(&name)} />
                    <ErrorText id="account-rename-error" error={for_codes(error, NAME_CODES)} />
                </div>
                <ErrorAlert id="account-rename-other" error={except_codes(error, NAME_CODES)} />
                <div class="form-actions">
                    { cancel_button(&props.on_close) }
                    <button id="account-rename-save" type="submit" class="button button-primary"
                        disabled={save.busy()}>{ "Rename" }</button>
                </div>
            </form>
        </Dialog>
    }
}

#[function_component]
pub fn QuotaDialog(props: &AccountDialogProps) -> Html {
    let a = &props.account;
    let quota = use_state(|| a.phone_quota.map(|q| q.to_string()).unwrap_or_default());
    let save: Action = use_action();
    let bad = parse_quota(&quota).is_err();
    let onsubmit = {
        let (quota, save, id) = (quota.clone(), save.clone(), a.id);
        let on_done = props.on_done.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Ok(value) = parse_quota(&quota) else {
                return;
            };
            let on_done = on_done.clone();
            save.run(
                move |token| async move { console::set_quota(&token, id, value).await },
                move |a| {
                    let limit = a.phone_quota.map_or_else(
                        || "no limit".to_string(),
                        |q| format!("{} phones", thousands(q)),
                    );
                    on_done.emit(format!("{}: quota set to {limit}.", a.name))
                },
            );
        })
    };
    html! {
        <Dialog id="account-quota-dialog" title="Phone Quota" on_close={props.on_close.clone()}>
            <form class="form" {onsubmit}>
                <p>{ format!("{} holds {} phones.", a.name, thousands(a.phones)) }</p>
                <div class="field">
                    <label for="quota-value">{ "Most phones it may hold" }</label>
                    <input id="quota-value" type="text" inputmode="numeric"
                        value={(*quota).clone()} oninput={bind_input(&quota)}
                        aria-describedby="quota-hint" aria-invalid={bad.to_string()} />
                    <p id="quota-hint" class="hint">
                        { "Empty for no limit. A quota below what it holds removes nothing; it stops additions (adding, importing, assigning) until there is room." }
                    </p>
                    if bad {
                        <p class="field-error" role="alert">{ "Enter a whole number, or leave it empty." }</p>
                    }
                </div>
                <ErrorAlert id="account-quota-error" error={save.error().clone()} />
                <div class="form-actions">
                    { cancel_button(&props.on_close) }
                    <button id="account-quota-save" type="submit" class="button button-primary"
                        disabled={save.busy() || bad}>{ "Set Quota" }</button>
                </div>
            </form>
        </Dialog>
    }
}

#[function_component]
pub fn SuspendDialog(props: &AccountDialogProps) -> Html {
    let a = &props.account;
    let reason = use_state(String::new);
    let save: Action = use_action();
    let onsubmit = {
        let (reason, save, id) = (reason.clone(), save.clone(), a.id);
        let on_done = props.on_done.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (reason, on_done) = (reason.trim().to_string(), on_done.clone());
            save.run(
                move |token| async move { console::suspend(&token, id, reason).await },
                move |a| on_done.emit(format!("{} is suspended.", a.name)),
            );
        })
    };
    html! {
        <Dialog id="account-suspend-dialog" title="Suspend Account" on_close={props.on_close.clone()}>
            <form class="form" {onsubmit}>
                <p>{ format!(
                    "While {} is suspended, its staff are logged out and cannot log in, its API keys are refused, and its {} phones are answered 403. Nothing of its data changes; resume it at any time.",
                    a.name, thousands(a.phones)
                ) }</p>
                <div class="field">
                    <label for="suspend-reason">{ "Reason (optional, in both audit trails)" }</label>
                    <input id="suspend-reason" type="text" maxlength="500"
                        value={(*reason).clone()} oninput={bind_input(&reason)} />
                </div>
                <ErrorAlert id="account-suspend-error" error={save.error().clone()} />
                <div class="form-actions">
                    { cancel_button(&props.on_close) }
                    <button id="account-suspend-confirm" type="submit" class="button button-danger"
                        disabled={save.busy()}>{ "Suspend" }</button>
                </div>
            </form>
        </Dialog>
    }
}

#[function_component]
pub fn DeleteAccountDialog(props: &AccountDialogProps) -> Html {
    let a = &props.account;
    let force = use_state(|| false);
    let save: Action = use_action();
    let holds_phones = a.phones > 0
        || save
            .error()
            .as_ref()
            .is_some_and(|e| e.code() == "account_has_phones");
    let onsubmit = {
        let (force, save, id, name) = (force.clone(), save.clone(), a.id, a.name.clone());
        let on_done = props.on_done.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (forced, on_done, name) = (*force, on_done.clone(), name.clone());
            save.run(
                move |token| async move { console::delete_account(&token, id, forced).await },
                move |()| on_done.emit(format!("Account {name} deleted.")),
            );
        })
    };
    let toggle = {
        let force = force.clone();
        Callback::from(move |_: Event| force.set(!*force))
    };
    html! {
        <Dialog id="account-delete-dialog" title="Delete Account" on_close={props.on_close.clone()}>
            <form class="form" {onsubmit}>
                <p>{ format!(
                    "Delete {} with its {} users, API keys, servers, brandings, webhooks and history? This cannot be undone.",
                    a.name, thousands(a.users)
                ) }</p>
                if holds_phones {
                    <div class="check">
                        <input id="account-delete-force" type="checkbox" checked={*force} onchange={toggle} />
                        <label for="account-delete-force">
                            { format!("Also delete its {} phones (they become unknown phones at their next boot)", thousands(a.phones.max(1))) }
                        </label>
                    </div>
                }
                <ErrorAlert id="account-delete-error" error={save.error().clone()} />
                <div class="form-actions">
                    { cancel_button(&props.on_close) }
                    <button id="account-delete-confirm" type="submit" class="button button-danger"
                        disabled={save.busy() || (holds_phones && !*force)}>{ "Delete" }</button>
                </div>
            </form>
        </Dialog>
    }
}
