//! Two-factor login on the Users page: requiring it for the whole account, and resetting a
//! user's second factor (a lost phone), which ends their sessions.

use rcs_shared::AccountPatch;
use yew::prelude::*;

use super::UserDialogProps;
use crate::components::dialog::Dialog;
use crate::components::errors::ErrorAlert;
use crate::hooks::{use_action, use_resource, Action};
use crate::services::second_factor;

/// "Require two-factor login for every user of this account", saved when changed.
#[function_component]
pub fn AccountRequirement() -> Html {
    let (account, reload) = use_resource((), |token, ()| second_factor::account(token));
    let save: Action = use_action();
    let Some(account) = account.data.clone() else {
        return html! { <ErrorAlert id="account-error" error={account.error.clone()} /> };
    };
    let onchange = {
        let (save, required) = (save.clone(), account.require_second_factor);
        Callback::from(move |_: Event| {
            let body = AccountPatch {
                require_second_factor: Some(!required),
            };
            let reload = reload.clone();
            save.run(
                |token| async move { second_factor::update_account(&token, &body).await },
                move |_| reload.emit(()),
            );
        })
    };
    html! {
        <section id="account-security" class="card">
            <label class="check">
                <input id="require-second-factor" type="checkbox"
                    checked={account.require_second_factor || account.platform_requires_second_factor}
                    disabled={save.busy() || account.platform_requires_second_factor}
                    {onchange} />
                { "Require two-factor login for every user of this account" }
            </label>
            <p class="hint">{ if account.platform_requires_second_factor {
                "The platform requires it for every account."
            } else {
                "Users without a second factor are logged out and set one up at their next login."
            } }</p>
            <ErrorAlert id="account-error" error={save.error().clone()} />
        </section>
    }
}

/// Confirms resetting a user's second factor.
#[function_component]
pub fn ResetSecondFactorDialog(props: &UserDialogProps) -> Html {
    let reset: Action = use_action();
    let onclick = {
        let (reset, on_done, user) = (reset.clone(), props.on_done.clone(), props.user.clone());
        Callback::from(move |_: MouseEvent| {
            let (on_done, email, id) = (on_done.clone(), user.email.clone(), user.id);
            reset.run(
                move |token| async move { second_factor::reset(&token, id).await },
                move |()| {
                    on_done.emit(format!(
                        "Two-factor login of {email} reset; their sessions ended."
                    ))
                },
            );
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <Dialog id="user-reset-2fa-dialog" title="Reset Two-Factor Login" on_close={props.on_close.clone()}>
            <p>{ format!(
                "Reset the two-factor login of {}? Their app and recovery codes stop working and \
                 their sessions end. They log in with their password, and set up a new second \
                 factor where one is required.",
                props.user.email
            ) }</p>
            <ErrorAlert id="user-reset-2fa-error" error={reset.error().clone()} />
            <div class="form-actions">
                <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                <button id="user-reset-2fa-confirm" type="button" class="button button-danger"
                    {onclick} disabled={reset.busy()}>{ "Reset" }</button>
            </div>
        </Dialog>
    }
}
