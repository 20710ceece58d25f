//! Change Password: the current password, then the new one twice (PUT /api/v1/me/password).
//! Other sessions of the user end; this one stays.

use rcs_shared::PasswordChange;
use yew::prelude::*;

use crate::components::errors::{except_codes, for_codes, ErrorAlert, ErrorText};
use crate::components::options::bind_input;
use crate::hooks::{use_action, Action};
use crate::services::users;

/// The change-password form.
#[function_component]
pub fn PasswordPage() -> Html {
    let current = use_state(String::new);
    let new = use_state(String::new);
    let confirm = use_state(String::new);
    let change: Action = use_action();
    let mismatch = use_state(|| false);
    let done = use_state(|| false);

    let onsubmit = {
        let (current, new, confirm) = (current.clone(), new.clone(), confirm.clone());
        let (change, mismatch, done) = (change.clone(), mismatch.clone(), done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            done.set(false);
            if *new != *confirm {
                mismatch.set(true);
                return;
            }
            mismatch.set(false);
            let body = PasswordChange {
                current_password: (*current).clone(),
                new_password: (*new).clone(),
            };
            let (done, current, new, confirm) =
                (done.clone(), current.clone(), new.clone(), confirm.clone());
            change.run(
                |token| async move { users::change_password(&token, &body).await },
                move |()| {
                    done.set(true);
                    current.set(String::new());
                    new.set(String::new());
                    confirm.set(String::new());
                },
            );
        })
    };
    let error = change.error();

    html! {
        <>
            <div class="page-header"><h2>{ "Change Password" }</h2></div>
            <section class="card narrow">
                if *done {
                    <p id="password-changed" class="alert alert-success" role="status">
                        { "Your password has been changed." }
                    </p>
                }
                <form class="form" {onsubmit}>
                    <div class="field">
                        <label for="current-password">{ "Current Password" }</label>
                        <input id="current-password" type="password" required=true
                            autocomplete="current-password" value={(*current).clone()}
                            oninput={bind_input(&current)} />
                        <ErrorText id="current-password-error"
                            error={for_codes(error, &["wrong_current_password"])} />
                    </div>
                    <div class="field">
                        <label for="new-password">{ "New Password" }</label>
                        <input id="new-password" type="password" required=true minlength="12"
                            autocomplete="new-password" value={(*new).clone()}
                            oninput={bind_input(&new)} aria-describedby="new-password-hint" />
                        <p id="new-password-hint" class="hint">{ "At least 12 characters; not a common password. A few unrelated words work well." }</p>
                        <ErrorText id="new-password-error"
                            error={for_codes(error, &["invalid_password"])} />
                    </div>
                    <div class="field">
                        <label for="confirm-password">{ "Confirm New Password" }</label>
                        <input id="confirm-password" type="password" required=true minlength="12"
                            autocomplete="new-password" value={(*confirm).clone()}
                            oninput={bind_input(&confirm)} />
                        <ErrorText id="confirm-password-error"
                            error={mismatch.then(|| "The passwords do not match.".to_string())} />
                    </div>
                    <ErrorAlert id="password-error"
                        error={except_codes(error, &["wrong_current_password", "invalid_password"])} />
                    <div class="form-actions">
                        <button id="password-save" class="button button-primary" type="submit"
                            disabled={change.busy()}>
                            { if change.busy() { "Saving…" } else { "Change Password" } }
                        </button>
                    </div>
                </form>
            </section>
        </>
    }
}
