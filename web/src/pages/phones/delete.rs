//! Delete the selected phones, after confirmation (POST /api/v1/phones/delete).

use yew::prelude::*;

use super::edit::changed_notice;
use super::selection::Selection;
use crate::components::dialog::Dialog;
use crate::components::errors::ErrorAlert;
use crate::hooks::{use_action, Action};
use crate::mac::pretty;
use crate::services::phones;

#[derive(Properties, PartialEq)]
pub struct DeletePhonesProps {
    pub selection: Selection,
    pub on_close: Callback<()>,
    pub on_done: Callback<(String, bool)>,
}

/// The confirmation dialog.
#[function_component]
pub fn DeletePhonesDialog(props: &DeletePhonesProps) -> Html {
    let delete: Action = use_action();
    let onclick = {
        let (delete, on_done, selection) = (
            delete.clone(),
            props.on_done.clone(),
            props.selection.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let body = selection.delete();
            let on_done = on_done.clone();
            delete.run(
                |token| async move { phones::delete(&token, &body).await },
                move |c| on_done.emit((format!("Deleted {} phone(s).", c.count), true)),
            );
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let macs = match &props.selection {
        Selection::Macs(m) => m.clone(),
        Selection::Matching { .. } => Vec::new(),
    };
    let shown: Vec<String> = macs.iter().take(5).map(|m| pretty(m)).collect();
    let more = macs.len().saturating_sub(shown.len());
    html! {
        <Dialog id="delete-phones-dialog" title="Delete Phones" on_close={props.on_close.clone()}>
            <p id="delete-phones-what">{ format!("Delete {}? They will no longer be redirected.", props.selection.describe()) }</p>
            if !shown.is_empty() {
                <p class="mono small">
                    { shown.join(", ") }
                    if more > 0 { { format!(" and {more} more") } }
                </p>
            }
            <ErrorAlert id="delete-phones-error" error={delete.error().clone()} />
            { changed_notice(delete.error(), &props.on_done) }
            <div class="form-actions">
                <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                <button id="delete-phones-confirm" type="button" class="button button-danger" {onclick} disabled={delete.busy()}>
                    { "Delete" }
                </button>
            </div>
        </Dialog>
    }
}
