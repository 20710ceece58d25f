//! Brandings: every user sees the list (to know what can be assigned to phones); only Super
//! Users create, edit, delete them and set the default, as in the original.

mod editor;
mod preview;

use rcs_shared::{Branding, BrandingPatch, NewBranding};
use yew::prelude::*;

use crate::components::counter::Counter;
use crate::components::dialog::Dialog;
use crate::components::errors::{except_codes, for_codes, ErrorAlert, ErrorText};
use crate::components::options::bind_input;
use crate::hooks::{use_action, use_resource, Action};
use crate::services::brandings;
use editor::BrandingEditor;

#[derive(Properties, PartialEq)]
pub struct BrandingsPageProps {
    /// Super Users edit; Users only read.
    pub can_edit: bool,
}

#[derive(Clone, PartialEq)]
enum Open {
    None,
    Create,
    Edit(i64),
    Delete(Branding),
}

/// The branding list and, for Super Users, its dialogs.
#[function_component]
pub fn BrandingsPage(props: &BrandingsPageProps) -> Html {
    let (list, reload) = use_resource((), |token, ()| brandings::list(token));
    let open = use_state(|| Open::None);
    let notice = use_state(|| None::<String>);
    let make_default: Action = use_action();

    let close = {
        let (open, reload) = (open.clone(), reload.clone());
        Callback::from(move |()| {
            open.set(Open::None);
            reload.emit(());
        })
    };
    let done = {
        let (open, notice, reload) = (open.clone(), notice.clone(), reload.clone());
        Callback::from(move |message: String| {
            open.set(Open::None);
            notice.set(Some(message));
            reload.emit(());
        })
    };
    let created = {
        let (open, reload) = (open.clone(), reload.clone());
        Callback::from(move |id: i64| {
            open.set(Open::Edit(id));
            reload.emit(());
        })
    };
    let create = {
        let (open, notice) = (open.clone(), notice.clone());
        Callback::from(move |_: MouseEvent| {
            notice.set(None);
            open.set(Open::Create);
        })
    };
    let set_default = {
        let (notice, make_default, reload) = (notice.clone(), make_default.clone(), reload.clone());
        Callback::from(move |b: Branding| {
            let (notice, reload) = (notice.clone(), reload.clone());
            let patch = BrandingPatch {
                name: None,
                is_default: Some(true),
            };
            let id = b.id;
            make_default.run(
                move |token| async move { brandings::update(&token, id, &patch).await },
                move |b| {
                    notice.set(Some(format!("{} is now the default branding.", b.name)));
                    reload.emit(());
                },
            );
        })
    };
    let rows = list.data.clone().unwrap_or_default();
    let can_edit = props.can_edit;

    html! {
        <>
            <div class="page-header">
                <h2>{ "Brandings" }</h2>
                if can_edit {
                    <button id="branding-create" class="button button-primary" type="button" onclick={create}>
                        { "Create Branding" }
                    </button>
                }
            </div>
            if !can_edit {
                <p id="brandings-read-only" class="muted">
                    { "Brandings are created and edited by a Super User. You can assign them to phones." }
                </p>
            }
            if let Some(message) = &*notice {
                <p id="brandings-notice" class="alert alert-success" role="status">{ message }</p>
            }
            <ErrorAlert id="brandings-error" error={list.error.clone().or(make_default.error().clone())} />
            if list.data.is_some() && rows.is_empty() {
                <p class="card muted">{ "No brandings yet." }</p>
            } else if !rows.is_empty() {
                <div class="table-wrap card">
                    <table id="brandings-table" class="table stack">
                        <thead><tr>
                            <th scope="col">{ "Name" }</th>
                            <th scope="col">{ "Default" }</th>
                            <th scope="col">{ "Files" }</th>
                            <th scope="col" class="num">{ "Phones" }</th>
                            if can_edit {
                                <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
                            }
                        </tr></thead>
                        <tbody>
                            { for rows.iter().map(|b| {
                                let edit = { let (open, id) = (open.clone(), b.id);
                                    Callback::from(move |_: MouseEvent| open.set(Open::Edit(id))) };
                                let delete = { let (open, b) = (open.clone(), b.clone());
                                    Callback::from(move |_: MouseEvent| open.set(Open::Delete(b.clone()))) };
                                let make_default = { let (set_default, b) = (set_default.clone(), b.clone());
                                    Callback::from(move |_: MouseEvent| set_default.emit(b.clone())) };
                                html! {
                                    <tr>
                                        <th scope="row" data-label="Name" class="wrap-words">{ &b.name }</th>
                                        <td data-label="Default">{ if b.is_default { "Default" } else { "" } }</td>
                                        <td data-label="Files" class="wrap-words">{ b.files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ") }</td>
                                        <td data-label="Phones" class="num">{ crate::number::thousands(b.phone_count) }</td>
                                        if can_edit {
                                            <td class="actions">
                                                <button type="button" class="button button-small"
                                                    aria-label={format!("Edit {}", b.name)} onclick={edit}>{ "Edit" }</button>
                                                if !b.is_default {
                                                    <button type="button" class="button button-small"
                                                        aria-label={format!("Make {} the default", b.name)}
                                                        onclick={make_default}>{ "Set Default" }</button>
                                                }
                                                <button type="button" class="button button-small button-danger"
                                                    aria-label={format!("Delete {}", b.name)} onclick={delete}>{ "Delete" }</button>
                                            </td>
                                        }
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                </div>
            }
            if can_edit {
                { match &*open {
                    Open::None => html! {},
                    Open::Create => html! { <CreateBrandingDialog on_close={close} on_created={created} /> },
                    Open::Edit(id) => html! { <BrandingEditor id={*id} on_close={close} /> },
                    Open::Delete(b) => html! { <DeleteBrandingDialog branding={b.clone()} on_close={close} on_done={done} /> },
                } }
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct CreateProps {
    on_close: Callback<()>,
    /// Opens the editor on the new branding, to add its files.
    on_created: Callback<i64>,
}

const NAME_CODES: &[&str] = &["invalid_branding_name", "branding_name_taken"];

/// Create Branding: a name and whether it is the default; files come next, in the editor.
#[function_component]
fn CreateBrandingDialog(props: &CreateProps) -> Html {
    let name = use_state(String::new);
    let is_default = use_state(|| false);
    let create: Action = use_action();
    let onsubmit = {
        let (name, is_default, create) = (name.clone(), is_default.clone(), create.clone());
        let on_created = props.on_created.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = NewBranding {
                name: name.trim().to_string(),
                is_default: *is_default,
            };
            let on_created = on_created.clone();
            create.run(
                |token| async move { brandings::create(&token, &body).await },
                move |b| on_created.emit(b.id),
            );
        })
    };
    let toggle = {
        let is_default = is_default.clone();
        Callback::from(move |_: Event| is_default.set(!*is_default))
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <Dialog id="branding-create-dialog" title="Create Branding" on_close={props.on_close.clone()}>
            <form class="form" {onsubmit}>
                <div class="field">
                    <label for="branding-name">{ "Name" }</label>
                    <input id="branding-name" type="text" required=true maxlength="40"
                        value={(*name).clone()} oninput={bind_input(&name)} aria-describedby="branding-name-count" />
                    <Counter id="branding-name-count" value={(*name).clone()} max={40} />
                    <ErrorText id="branding-name-error" error={for_codes(create.error(), NAME_CODES)} />
                </div>
                <div class="check">
                    <input id="branding-default" type="checkbox" checked={*is_default} onchange={toggle} />
                    <label for="branding-default">{ "Default branding (for phones without one of their own)" }</label>
                </div>
                <ErrorAlert id="branding-create-error" error={except_codes(create.error(), NAME_CODES)} />
                <div class="form-actions">
                    <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                    <button id="branding-create-submit" type="submit" class="button button-primary" disabled={create.busy()}>
                        { "Create" }
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

#[derive(Properties, PartialEq)]
struct DeleteProps {
    branding: Branding,
    on_close: Callback<()>,
    on_done: Callback<String>,
}

/// Confirms a delete; phones that use the branding fall back to the default (`force`).
#[function_component]
fn DeleteBrandingDialog(props: &DeleteProps) -> Html {
    let delete: Action = use_action();
    let b = &props.branding;
    let force = b.phone_count > 0
        || delete
            .error()
            .as_ref()
            .is_some_and(|e| e.code() == "branding_in_use");
    let onclick = {
        let (delete, on_done, b) = (delete.clone(), props.on_done.clone(), b.clone());
        Callback::from(move |_: MouseEvent| {
            let (on_done, b) = (on_done.clone(), b.clone());
            let id = b.id;
            delete.run(
                move |token| async move { brandings::delete(&token, id, force).await },
                move |()| on_done.emit(format!("Branding {} deleted.", b.name)),
            );
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <Dialog id="branding-delete-dialog" title="Delete Branding" on_close={props.on_close.clone()}>
            <p>{ format!("Delete the branding {} and its files?", b.name) }</p>
            if force {
                <p class="alert alert-warning">
                    { format!("{} phone(s) use it; they will receive the default branding instead.", b.phone_count.max(1)) }
                </p>
            }
            <ErrorAlert id="branding-delete-error" error={delete.error().clone()} />
            <div class="form-actions">
                <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                <button id="branding-delete-confirm" type="button" class="button button-danger" {onclick} disabled={delete.busy()}>
                    { "Delete" }
                </button>
            </div>
        </Dialog>
    }
}
