//! Delete the selected phones, after confirmation (POST /api/v1/phones/delete).

use rcs_shared::MacList;
use yew::prelude::*;

use crate::components::dialog::Dialog;
use crate::components::errors::ErrorAlert;
use crate::hooks::{use_action, Action};
use crate::mac::pretty;
use crate::services::phones;

#[derive(Properties, PartialEq)]
pub struct DeletePhonesProps {
    pub macs: Vec<String>,
    pub on_close: Callback<()>,
    pub on_done: Callback<(String, bool)>,
}

/// The confirmation dialog.
#[function_component]
pub fn DeletePhonesDialog(props: &DeletePhonesProps) -> Html {
    let delete: Action = use_action();
    let onclick = {
        let (delete, on_done, macs) = (delete.clone(), props.on_done.clone(), props.macs.clone());
        Callback::from(move |_: MouseEvent| {
            let body = MacList {
                macs: Some(macs.clone()),
                ..MacList::default()
            };
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
    let shown: Vec<String> = props.macs.iter().take(5).map(|m| pretty(m)).collect();
    let more = props.macs.len().saturating_sub(shown.len());
    html! {
        <Dialog id="delete-phones-dialog" title="Delete Phones" on_close={props.on_close.clone()}>
            <p>{ format!("Delete {} phone(s)? They will no longer be redirected.", props.macs.len()) }</p>
            <p class="mono small">
                { shown.join(", ") }
                if more > 0 { { format!(" and {more} more") } }
            </p>
            <ErrorAlert id="delete-phones-error" error={delete.error().clone()} />
            <div class="form-actions">
                <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                <button id="delete-phones-confirm" type="button" class="button button-danger" {onclick} disabled={delete.busy()}>
                    { "Delete" }
                </button>
            </div>
        </Dialog>
    }
}
