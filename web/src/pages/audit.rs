//! Audit (Super User only): who changed what and when, newest first, narrowed by user,
//! action and a range of days in the user's timezone, a page at a time.

use rcs_shared::{AuditEntry, User};
use yew::prelude::*;

use crate::components::errors::ErrorAlert;
use crate::components::options::event_value;
use crate::hooks::use_resource;
use crate::number::thousands;
use crate::services::audit::{self, AuditQuery};
use crate::services::users;
use crate::time;

/// The actions the filter offers: a resource (all its actions) and then its actions.
const ACTIONS: &[(&str, &[&str])] = &[
    (
        "phone",
        &["phone.add", "phone.import", "phone.update", "phone.delete"],
    ),
    (
        "server",
        &["server.create", "server.update", "server.delete"],
    ),
    (
        "branding",
        &["branding.create", "branding.update", "branding.delete"],
    ),
    (
        "user",
        &[
            "user.create",
            "user.update",
            "user.delete",
            "user.second_factor_reset",
        ],
    ),
    ("api_key", &["api_key.create", "api_key.revoke"]),
    (
        "me",
        &[
            "me.update",
            "me.password",
            "me.password_reset",
            "me.second_factor_enable",
            "me.second_factor_disable",
            "me.recovery_code_used",
        ],
    ),
    (
        "account",
        &[
            "account.second_factor_required",
            "account.second_factor_optional",
        ],
    ),
];

/// The filter form's fields as typed: `from`/`to` are days (`YYYY-MM-DD`), both included.
#[derive(Debug, Clone, Default, PartialEq)]
struct Form {
    actor: String,
    action: String,
    from: String,
    to: String,
}

impl Form {
    /// The API query of the first page; the days become instants in the user's timezone.
    fn to_query(&self) -> AuditQuery {
        AuditQuery {
            actor: self.actor.trim().to_string(),
            action: self.action.clone(),
            since: time::day_start(&self.from, false).unwrap_or_default(),
            until: time::day_start(&self.to, true).unwrap_or_default(),
            before: None,
        }
    }
}

/// The filters, the table and the pager.
#[function_component]
pub fn AuditPage() -> Html {
    let form = use_state(Form::default);
    let applied = use_state(AuditQuery::default);
    // The `before` of each newer page, so "Newer" can go back.
    let newer = use_state(Vec::<Option<i64>>::new);
    let (page, _) = use_resource((*applied).clone(), audit::page);
    let (people, _) = use_resource((), |token, ()| users::list(token));

    let onsubmit = {
        let (form, applied, newer) = (form.clone(), applied.clone(), newer.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            newer.set(Vec::new());
            applied.set(form.to_query());
        })
    };
    let older = page
        .data
        .as_ref()
        .and_then(|p| p.next_before)
        .map(|before| {
            let (applied, newer) = (applied.clone(), newer.clone());
            Callback::from(move |_: MouseEvent| {
                let mut stack = (*newer).clone();
                stack.push(applied.before);
                newer.set(stack);
                applied.set(AuditQuery {
                    before: Some(before),
                    ..(*applied).clone()
                });
            })
        });
    let back = (!newer.is_empty()).then(|| {
        let (applied, newer) = (applied.clone(), newer.clone());
        Callback::from(move |_: MouseEvent| {
            let mut stack = (*newer).clone();
            let before = stack.pop().flatten();
            newer.set(stack);
            applied.set(AuditQuery {
                before,
                ..(*applied).clone()
            });
        })
    });
    let people: Vec<User> = people.data.as_deref().cloned().unwrap_or_default();

    html! {
        <>
            <div class="page-header">
                <h2>{ "Audit" }</h2>
                <p class="muted">{ format!("Every change in this account, newest first. Times in {}.", time::zone()) }</p>
            </div>
            <FilterForm form={(*form).clone()} people={people}
                on_change={Callback::from({ let form = form.clone(); move |f| form.set(f) })}
                {onsubmit} />
            <ErrorAlert id="audit-error" error={page.error.clone()} />
            if let Some(p) = &page.data {
                <AuditTable entries={p.items.clone()} loading={page.loading} />
            } else if page.loading {
                <p class="muted" role="status">{ "Loading…" }</p>
            }
            <div class="pager">
                <button id="audit-newer" type="button" class="button button-secondary"
                    disabled={back.is_none()} onclick={back.unwrap_or_default()}>{ "Newer" }</button>
                <button id="audit-older" type="button" class="button button-secondary"
                    disabled={older.is_none()} onclick={older.unwrap_or_default()}>{ "Older" }</button>
            </div>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct FilterFormProps {
    form: Form,
    people: Vec<User>,
    on_change: Callback<Form>,
    onsubmit: Callback<SubmitEvent>,
}

/// User, action, from and to, applied with the Filter button (not on each keystroke: a date
/// half typed is not a filter).
#[function_component]
fn FilterForm(props: &FilterFormProps) -> Html {
    let change = |set: fn(&mut Form, String)| {
        let (form, on_change) = (props.form.clone(), props.on_change.clone());
        Callback::from(move |e: Event| {
            let mut next = form.clone();
            set(&mut next, event_value(&e));
            on_change.emit(next);
        })
    };
    let actor_input = {
        let (form, on_change) = (props.form.clone(), props.on_change.clone());
        Callback::from(move |e: InputEvent| {
            on_change.emit(Form {
                actor: event_value(&e),
                ..form.clone()
            });
        })
    };
    let f = &props.form;
    html! {
        <form id="audit-filters" class="filters card" onsubmit={props.onsubmit.clone()}
            aria-label="Audit filters">
            <div class="field">
                <label for="audit-actor">{ "User" }</label>
                <input id="audit-actor" type="text" list="audit-actors" autocomplete="off"
                    value={f.actor.clone()} oninput={actor_input}
                    onchange={change(|f, v| f.actor = v)} />
                <datalist id="audit-actors">
                    { for props.people.iter().map(|u| html! { <option value={u.email.clone()} /> }) }
                </datalist>
            </div>
            <div class="field">
                <label for="audit-action">{ "Action" }</label>
                <select id="audit-action" onchange={change(|f, v| f.action = v)}>
                    <option value="" selected={f.action.is_empty()}>{ "All" }</option>
                    { for ACTIONS.iter().map(|(resource, actions)| html! {
                        <optgroup label={*resource}>
                            <option value={*resource} selected={f.action == *resource}>
                                { format!("Every {resource} change") }
                            </option>
                            { for actions.iter().map(|a| html! {
                                <option value={*a} selected={f.action == *a}>{ *a }</option>
                            }) }
                        </optgroup>
                    }) }
                </select>
            </div>
            <div class="field">
                <label for="audit-from">{ "From" }</label>
                <input id="audit-from" type="date" value={f.from.clone()}
                    onchange={change(|f, v| f.from = v)} />
            </div>
            <div class="field">
                <label for="audit-to">{ "To (included)" }</label>
                <input id="audit-to" type="date" value={f.to.clone()}
                    onchange={change(|f, v| f.to = v)} />
            </div>
            <div class="field field-action">
                <button id="audit-apply" type="submit" class="button button-primary">{ "Filter" }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct AuditTableProps {
    entries: Vec<AuditEntry>,
    loading: bool,
}

/// One row per entry; on narrow screens each row is a card with its column names
/// (`data-label`).
#[function_component]
fn AuditTable(props: &AuditTableProps) -> Html {
    if props.entries.is_empty() {
        return html! {
            <p id="audit-empty" class="card muted" role="status">{ "No changes match." }</p>
        };
    }
    html! {
        // Focusable, so a keyboard can scroll it when a long detail makes it wider than
        // the page.
        <div class={classes!("table-wrap", "card", props.loading.then_some("loading"))}
            aria-busy={props.loading.to_string()} tabindex="0" role="region"
            aria-label="Audit entries">
            <table id="audit-table" class="table stack">
                <thead><tr>
                    <th scope="col">{ "When" }</th>
                    <th scope="col">{ "User" }</th>
                    <th scope="col">{ "Action" }</th>
                    <th scope="col">{ "Target" }</th>
                    <th scope="col" class="num">{ "Count" }</th>
                    <th scope="col">{ "Detail" }</th>
                </tr></thead>
                <tbody>
                    { for props.entries.iter().map(|e| html! {
                        <tr>
                            <td data-label="When" class="nowrap">{ time::when(&e.created_at) }</td>
                            <td data-label="User" class="wrap-words">{ &e.actor }</td>
                            <td data-label="Action"><code>{ &e.action }</code></td>
                            <th scope="row" data-label="Target" class="wrap-words">{ &e.target }</th>
                            <td data-label="Count" class="num">{ thousands(e.count) }</td>
                            <td data-label="Detail" class="wrap-words">{ &e.detail }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}
