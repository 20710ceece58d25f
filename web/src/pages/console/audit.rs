//! The operator trail: every operator action, from the console or the CLI, newest first.

use rcs_shared::OperatorAuditEntry;
use yew::prelude::*;

use crate::components::errors::ErrorAlert;
use crate::hooks::use_resource;
use crate::services::console;
use crate::time::when;

#[function_component]
pub fn OperatorAuditPage() -> Html {
    // The pages walked so far: `before` of each (None: the newest).
    let before = use_state(|| None::<i64>);
    let (page, _) = use_resource(*before, console::audit);
    let older = {
        let (before, page) = (before.clone(), page.data.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(p) = &page {
                before.set(p.next_before);
            }
        })
    };
    let newest = {
        let before = before.clone();
        Callback::from(move |_: MouseEvent| before.set(None))
    };
    html! {
        <>
            <div class="page-header"><h2>{ "Operator Audit" }</h2></div>
            <ErrorAlert id="operator-audit-error" error={page.error.clone()} />
            if let Some(p) = &page.data {
                if p.items.is_empty() {
                    <p class="card muted">{ "No operator action yet." }</p>
                } else {
                    <div class="table-wrap card" tabindex="0" role="region" aria-label="Operator actions">
                        <table id="operator-audit-table" class="table stack">
                            <thead><tr>
                                <th scope="col">{ "When" }</th>
                                <th scope="col">{ "Who" }</th>
                                <th scope="col">{ "Action" }</th>
                                <th scope="col">{ "Account" }</th>
                                <th scope="col">{ "Target" }</th>
                                <th scope="col">{ "Detail" }</th>
                            </tr></thead>
                            <tbody>
                                { for p.items.iter().map(|e: &OperatorAuditEntry| html! {
                                    <tr>
                                        <td data-label="When">{ when(&e.created_at) }</td>
                                        <td data-label="Who" class="wrap-words">{ &e.actor }</td>
                                        <th scope="row" data-label="Action"><code>{ &e.action }</code></th>
                                        <td data-label="Account" class="wrap-words">{ &e.account_name }</td>
                                        <td data-label="Target" class="wrap-words">{ &e.target }</td>
                                        <td data-label="Detail" class="wrap-words">{ &e.detail }</td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    </div>
                    <div class="form-actions">
                        if before.is_some() {
                            <button type="button" class="button button-secondary" onclick={newest}>{ "Newest" }</button>
                        }
                        if p.next_before.is_some() {
                            <button id="operator-audit-older" type="button" class="button button-secondary" onclick={older}>{ "Older" }</button>
                        }
                    </div>
                }
            } else if page.loading {
                <p class="muted" role="status">{ "Loading…" }</p>
            }
        </>
    }
}
