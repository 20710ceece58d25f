//! Delete User: confirms, then deletes; the user's sessions end at once.

use yew::prelude::*;

use super::UserDialogProps;
use crate::components::dialog::Dialog;
use crate::components::errors::ErrorAlert;
use crate::hooks::{use_action, Action};
use crate::services::users;

/// Confirms deleting a user.
#[function_component]
pub fn DeleteUserDialog(props: &UserDialogProps) -> Html {
    let delete: Action = use_action();
    let onclick = {
        let (delete, on_done, user) = (delete.clone(), props.on_done.clone(), props.user.clone());
        Callback::from(move |_: MouseEvent| {
            let (on_done, user) = (on_done.clone(), user.clone());
            let id = user.id;
            delete.run(
                move |token| async move { users::delete(&token, id).await },
                move |()| on_done.emit(format!("User {} deleted.", user.email)),
            );
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <Dialog id="user-delete-dialog" title="Delete User" on_close={props.on_close.clone()}>
            <p>{ format!("Delete the user {}? Their sessions end at once.", props.user.email) }</p>
            <ErrorAlert id="user-delete-error" error={delete.error().clone()} />
            <div class="form-actions">
                <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                <button id="user-delete-confirm" type="button" class="button button-danger" {onclick} disabled={delete.busy()}>{ "Delete" }</button>
            </div>
        </Dialog>
    }
}
