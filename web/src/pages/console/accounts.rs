//! Accounts: every service provider with its phones, users, quota, last contact and state;
//! create one (its first Super User is invited by mail), rename, set the quota, suspend or
//! resume, delete. The dialogs are in `account_dialogs`.

use std::rc::Rc;

use rcs_shared::AdminAccount;
use yew::prelude::*;

use super::account_dialogs::{
    DeleteAccountDialog, NewAccountDialog, QuotaDialog, RenameDialog, SuspendDialog,
};
use crate::components::errors::ErrorAlert;
use crate::hooks::{use_action, use_resource, Action};
use crate::number::thousands;
use crate::services::console;
use crate::time::when;

/// Which dialog is open.
#[derive(Clone, PartialEq)]
enum Open {
    None,
    Create,
    Rename(AdminAccount),
    Quota(AdminAccount),
    Suspend(AdminAccount),
    Delete(AdminAccount),
}

#[function_component]
pub fn AccountsPage() -> Html {
    let (list, reload) = use_resource((), |token, ()| console::accounts(token));
    let open = use_state(|| Open::None);
    let notice = use_state(|| None::<String>);
    let resume: Action = use_action();

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
    let opener = |make: fn(AdminAccount) -> Open, a: &AdminAccount| {
        let (open, notice, a) = (open.clone(), notice.clone(), a.clone());
        Callback::from(move |_: MouseEvent| {
            notice.set(None);
            open.set(make(a.clone()));
        })
    };
    let create = {
        let (open, notice) = (open.clone(), notice.clone());
        Callback::from(move |_: MouseEvent| {
            notice.set(None);
            open.set(Open::Create);
        })
    };
    let all: Rc<Vec<AdminAccount>> = list.data.clone().unwrap_or_default();

    html! {
        <>
            <div class="page-header">
                <h2>{ "Accounts" }</h2>
                <button id="account-create" class="button button-primary" type="button" onclick={create}>
                    { "Create Account" }
                </button>
            </div>
            if let Some(message) = &*notice {
                <p id="accounts-notice" class="alert alert-success" role="status">{ message }</p>
            }
            <ErrorAlert id="accounts-error" error={list.error.clone().or_else(|| resume.error().clone())} />
            if list.data.is_some() && all.is_empty() {
                <p class="card muted">{ "No service provider yet. Create the first account." }</p>
            } else if !all.is_empty() {
                <div class="table-wrap card" tabindex="0" role="region" aria-label="Accounts">
                    <table id="accounts-table" class="table stack">
                        <thead><tr>
                            <th scope="col">{ "Name" }</th>
                            <th scope="col">{ "State" }</th>
                            <th scope="col" class="num">{ "Phones" }</th>
                            <th scope="col" class="num">{ "Quota" }</th>
                            <th scope="col" class="num">{ "Users" }</th>
                            <th scope="col">{ "Last contact" }</th>
                            <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
                        </tr></thead>
                        <tbody>
                            { for all.iter().map(|a| {
                                let resume_click = {
                                    let (resume, done, id, name) = (resume.clone(), done.clone(), a.id, a.name.clone());
                                    Callback::from(move |_: MouseEvent| {
                                        let (done, name) = (done.clone(), name.clone());
                                        resume.run(
                                            move |token| async move { console::resume(&token, id).await },
                                            move |_| done.emit(format!("{name} is active again.")),
                                        );
                                    })
                                };
                                let state = match &a.suspended_at {
                                    Some(at) => html! { <span class="badge badge-error" title={when(at)}>{ "Suspended" }</span> },
                                    None => html! { <span class="badge badge-ok">{ "Active" }</span> },
                                };
                                html! {
                                    <tr id={format!("account-{}", a.id)}>
                                        <th scope="row" data-label="Name" class="wrap-words">{ &a.name }</th>
                                        <td data-label="State">{ state }</td>
                                        <td data-label="Phones" class="num">{ thousands(a.phones) }</td>
                                        <td data-label="Quota" class="num">
                                            { a.phone_quota.map_or_else(|| "None".to_string(), thousands) }
                                        </td>
                                        <td data-label="Users" class="num">{ thousands(a.users) }</td>
                                        <td data-label="Last contact">
                                            { a.last_contact.as_deref().map_or_else(|| "Never".to_string(), when) }
                                        </td>
                                        <td class="actions">
                                            <button type="button" class="button button-small"
                                                aria-label={format!("Rename {}", a.name)}
                                                onclick={opener(Open::Rename, a)}>{ "Rename" }</button>
                                            <button type="button" class="button button-small"
                                                aria-label={format!("Quota of {}", a.name)}
                                                onclick={opener(Open::Quota, a)}>{ "Quota" }</button>
                                            if a.suspended_at.is_some() {
                                                <button type="button" class="button button-small"
                                                    aria-label={format!("Resume {}", a.name)}
                                                    disabled={resume.busy()} onclick={resume_click}>{ "Resume" }</button>
                                            } else {
                                                <button type="button" class="button button-small"
                                                    aria-label={format!("Suspend {}", a.name)}
                                                    onclick={opener(Open::Suspend, a)}>{ "Suspend" }</button>
                                            }
                                            <button type="button" class="button button-small button-danger"
                                                aria-label={format!("Delete {}", a.name)}
                                                onclick={opener(Open::Delete, a)}>{ "Delete" }</button>
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
                Open::Create => html! { <NewAccountDialog on_close={close} on_done={done} /> },
                Open::Rename(a) => html! { <RenameDialog account={a.clone()} on_close={close} on_done={done} /> },
                Open::Quota(a) => html! { <QuotaDialog account={a.clone()} on_close={close} on_done={done} /> },
                Open::Suspend(a) => html! { <SuspendDialog account={a.clone()} on_close={close} on_done={done} /> },
                Open::Delete(a) => html! { <DeleteAccountDialog account={a.clone()} on_close={close} on_done={done} /> },
            } }
        </>
    }
}
