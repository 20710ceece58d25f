//! Unknown phones: MACs that contacted rcs with a trusted certificate but that no account
//! registered, most recent first, with the certificate's issuer (whose phone it is). Tick
//! some and assign them to an account, all or nothing.

use std::collections::BTreeSet;

use rcs_shared::AssignUnknownPhones;
use yew::prelude::*;

use crate::components::errors::ErrorAlert;
use crate::components::options::{bind, parse_id};
use crate::hooks::{use_action, use_resource, Action};
use crate::mac::pretty;
use crate::number::thousands;
use crate::services::console;
use crate::time::when;

#[function_component]
pub fn UnknownPhonesPage() -> Html {
    let cursor = use_state(|| None::<String>);
    let (page, reload) = use_resource((*cursor).clone(), |token, cursor| {
        console::unknown_phones(token, cursor)
    });
    let (accounts, _) = use_resource((), |token, ()| console::accounts(token));
    let ticked = use_state(BTreeSet::<String>::new);
    let account = use_state(String::new);
    let notice = use_state(|| None::<String>);
    let assign: Action = use_action();

    let toggle = |mac: String| {
        let ticked = ticked.clone();
        Callback::from(move |_: Event| {
            let mut next = (*ticked).clone();
            if !next.remove(&mac) {
                next.insert(mac.clone());
            }
            ticked.set(next);
        })
    };
    let onsubmit = {
        let (ticked, account, notice, assign, reload, cursor) = (
            ticked.clone(),
            account.clone(),
            notice.clone(),
            assign.clone(),
            reload.clone(),
            cursor.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(account_id) = parse_id(&account) else {
                return;
            };
            let body = AssignUnknownPhones {
                account_id,
                macs: ticked.iter().cloned().collect(),
            };
            let (ticked, notice, reload, cursor) = (
                ticked.clone(),
                notice.clone(),
                reload.clone(),
                cursor.clone(),
            );
            assign.run(
                move |token| async move { console::assign(&token, &body).await },
                move |done| {
                    ticked.set(BTreeSet::new());
                    notice.set(Some(format!(
                        "{} phones assigned.",
                        thousands(done.assigned)
                    )));
                    cursor.set(None);
                    reload.emit(());
                },
            );
        })
    };
    let next = {
        let (cursor, page) = (cursor.clone(), page.data.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(p) = &page {
                cursor.set(p.next_cursor.clone());
            }
        })
    };
    let first = {
        let cursor = cursor.clone();
        Callback::from(move |_: MouseEvent| cursor.set(None))
    };
    let accounts = accounts.data.clone().unwrap_or_default();

    html! {
        <>
            <div class="page-header"><h2>{ "Unknown Phones" }</h2></div>
            <p class="muted">{ "Phones that called with a trusted certificate but that no account registered. Assigning them registers them in the account, within its quota." }</p>
            if let Some(message) = &*notice {
                <p id="unknown-notice" class="alert alert-success" role="status">{ message }</p>
            }
            <ErrorAlert id="unknown-error" error={page.error.clone().or_else(|| assign.error().clone())} />
            if let Some(p) = &page.data {
                if p.items.is_empty() {
                    <p class="card muted">{ "No unknown phone has called." }</p>
                } else {
                    <form class="card form" onsubmit={onsubmit}>
                        <div class="form-inline">
                            <div class="field">
                                <label for="assign-account">{ "Account" }</label>
                                <select id="assign-account" onchange={bind(&account)} required=true>
                                    <option value="" selected={account.is_empty()}>{ "Choose an account" }</option>
                                    { for accounts.iter().map(|a| {
                                        let id = a.id.to_string();
                                        html! { <option value={id.clone()} selected={*account == id}>{ &a.name }</option> }
                                    }) }
                                </select>
                            </div>
                            <button id="assign-phones" type="submit" class="button button-primary"
                                disabled={assign.busy() || ticked.is_empty() || account.is_empty()}>
                                { format!("Assign {} selected", ticked.len()) }
                            </button>
                        </div>
                        <p id="unknown-total" class="muted small">{ format!("{} unknown phones", thousands(p.total)) }</p>
                        <div class="table-wrap" tabindex="0" role="region" aria-label="Unknown phones">
                            <table id="unknown-table" class="table stack">
                                <thead><tr>
                                    <th scope="col"><span class="visually-hidden">{ "Select" }</span></th>
                                    <th scope="col">{ "MAC" }</th>
                                    <th scope="col">{ "Model" }</th>
                                    <th scope="col">{ "Certificate issuer" }</th>
                                    <th scope="col" class="num">{ "Contacts" }</th>
                                    <th scope="col">{ "First contact" }</th>
                                    <th scope="col">{ "Last contact" }</th>
                                </tr></thead>
                                <tbody>
                                    { for p.items.iter().map(|u| html! {
                                        <tr>
                                            <td>
                                                <input type="checkbox" id={format!("unknown-{}", u.mac)}
                                                    aria-label={format!("Select {}", pretty(&u.mac))}
                                                    checked={ticked.contains(&u.mac)} onchange={toggle(u.mac.clone())} />
                                            </td>
                                            <th scope="row" data-label="MAC"><code>{ pretty(&u.mac) }</code></th>
                                            <td data-label="Model">{ u.model.clone().unwrap_or_default() }</td>
                                            <td data-label="Certificate issuer" class="wrap-words">{ u.issuer.clone().unwrap_or_default() }</td>
                                            <td data-label="Contacts" class="num">{ thousands(u.contacts) }</td>
                                            <td data-label="First contact">{ when(&u.first_contact) }</td>
                                            <td data-label="Last contact">{ when(&u.last_contact) }</td>
                                        </tr>
                                    }) }
                                </tbody>
                            </table>
                        </div>
                        <div class="form-actions">
                            if cursor.is_some() {
                                <button type="button" class="button button-secondary" onclick={first}>{ "First page" }</button>
                            }
                            if p.next_cursor.is_some() {
                                <button id="unknown-next" type="button" class="button button-secondary" onclick={next}>{ "Next page" }</button>
                            }
                        </div>
                    </form>
                }
            } else if page.loading {
                <p class="muted" role="status">{ "Loading…" }</p>
            }
        </>
    }
}
