//! Delete the selected phones, after confirmation (POST /api/v1/phones/delete).

use rcs_shared::MacList;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::dialog::Dialog;
use crate::components::errors::ErrorAlert;
use crate::mac::pretty;
use crate::services::{api, phones};
use crate::session::use_session;

#[derive(Properties, PartialEq)]
pub struct DeletePhonesProps {
    pub macs: Vec<String>,
    pub on_close: Callback<()>,
    pub on_done: Callback<(String, bool)>,
}

/// The confirmation dialog.
#[function_component]
pub fn DeletePhonesDialog(props: &DeletePhonesProps) -> Html {
    let session = use_session();
    let busy = use_state(|| false);
    let error = use_state(|| None::<api::Error>);
    let onclick = {
        let (busy, error, on_done, macs) = (
            busy.clone(),
            error.clone(),
            props.on_done.clone(),
            props.macs.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            busy.set(true);
            error.set(None);
            let body = MacList { macs: macs.clone() };
            let (session, busy, error, on_done) = (
                session.clone(),
                busy.clone(),
                error.clone(),
                on_done.clone(),
            );
            spawn_local(async move {
                match session.check(phones::delete(&session.token(), &body).await) {
                    Ok(c) => on_done.emit((format!("Deleted {} phone(s).", c.count), true)),
                    Err(e) => {
                        error.set(Some(e));
                        busy.set(false);
                    }
                }
            });
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
            <ErrorAlert id="delete-phones-error" error={(*error).clone()} />
            <div class="form-actions">
                <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                <button id="delete-phones-confirm" type="button" class="button button-danger" {onclick} disabled={*busy}>
                    { "Delete" }
                </button>
            </div>
        </Dialog>
    }
}
