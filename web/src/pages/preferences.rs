//! Preferences: the signed-in user's name, address and two phone numbers (PATCH /api/v1/me),
//! the timezone times are shown in (`timezone`, kept in the browser) and their two-factor
//! login (`two_factor`). The username is shown but cannot change, as in
//! the original.

use rcs_shared::{ProfilePatch, User};
use yew::prelude::*;

use super::timezone::TimezoneSection;
use super::two_factor::TwoFactorSection;
use crate::components::errors::{except_codes, ErrorAlert, ErrorText};
use crate::components::options::bind_input;
use crate::hooks::{use_action, Action};
use crate::services::users;
use crate::session::use_session;

#[derive(Properties, PartialEq)]
pub struct PreferencesPageProps {
    pub user: User,
}

const FIELD_CODES: &[&str] = &["invalid_name", "invalid_address", "invalid_phone_number"];

/// The preferences form.
#[function_component]
pub fn PreferencesPage(props: &PreferencesPageProps) -> Html {
    let session = use_session();
    let name = use_state(|| props.user.name.clone());
    let address = use_state(|| props.user.address.clone());
    let phone1 = use_state(|| props.user.phone1.clone());
    let phone2 = use_state(|| props.user.phone2.clone());
    let save: Action = use_action();
    let saved = use_state(|| false);

    let onsubmit = {
        let (name, address, phone1, phone2) = (
            name.clone(),
            address.clone(),
            phone1.clone(),
            phone2.clone(),
        );
        let (save, saved) = (save.clone(), saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = ProfilePatch {
                name: Some(name.trim().to_string()),
                address: Some(address.trim().to_string()),
                phone1: Some(phone1.trim().to_string()),
                phone2: Some(phone2.trim().to_string()),
            };
            saved.set(false);
            let (session, saved) = (session.clone(), saved.clone());
            save.run(
                |token| async move { users::update_profile(&token, &body).await },
                move |user| {
                    saved.set(true);
                    session.set_user(user);
                },
            );
        })
    };
    let error = save.error();

    let field_error = |code: &str, label: Option<&str>| -> Option<String> {
        error
            .as_ref()
            .filter(|e| e.code() == code)
            .filter(|e| label.is_none_or(|l| e.to_string().contains(l)))
            .map(|e| e.to_string())
    };
    let phone1_error = field_error("invalid_phone_number", Some("Phone 1"));
    let phone2_error = field_error("invalid_phone_number", Some("Phone 2"))
        .or_else(|| field_error("invalid_phone_number", None).filter(|_| phone1_error.is_none()));

    html! {
        <>
            <div class="page-header"><h2>{ "Preferences" }</h2></div>
            <section class="card narrow">
                if *saved {
                    <p id="preferences-saved" class="alert alert-success" role="status">
                        { "Your preferences have been saved." }
                    </p>
                }
                <form class="form" {onsubmit}>
                    <div class="field">
                        <label for="pref-username">{ "Username" }</label>
                        <input id="pref-username" type="email" value={props.user.email.clone()}
                            readonly=true aria-describedby="pref-username-hint" />
                        <p id="pref-username-hint" class="hint">{ "Usernames cannot be changed." }</p>
                    </div>
                    <div class="field">
                        <label for="pref-name">{ "Name" }</label>
                        <input id="pref-name" type="text" maxlength="100" autocomplete="name"
                            value={(*name).clone()} oninput={bind_input(&name)} />
                        <ErrorText id="pref-name-error" error={field_error("invalid_name", None)} />
                    </div>
                    <div class="field">
                        <label for="pref-address">{ "Address" }</label>
                        <textarea id="pref-address" maxlength="200" rows="3"
                            autocomplete="street-address" value={(*address).clone()}
                            oninput={bind_textarea(&address)} />
                        <ErrorText id="pref-address-error" error={field_error("invalid_address", None)} />
                    </div>
                    <div class="field-row">
                        <div class="field">
                            <label for="pref-phone1">{ "Phone 1" }</label>
                            <input id="pref-phone1" type="tel" maxlength="32" autocomplete="tel"
                                value={(*phone1).clone()} oninput={bind_input(&phone1)} />
                            <ErrorText id="pref-phone1-error" error={phone1_error} />
                        </div>
                        <div class="field">
                            <label for="pref-phone2">{ "Phone 2" }</label>
                            <input id="pref-phone2" type="tel" maxlength="32"
                                value={(*phone2).clone()} oninput={bind_input(&phone2)} />
                            <ErrorText id="pref-phone2-error" error={phone2_error} />
                        </div>
                    </div>
                    <ErrorAlert id="preferences-error" error={except_codes(error, FIELD_CODES)} />
                    <div class="form-actions">
                        <button id="preferences-save" class="button button-primary" type="submit"
                            disabled={save.busy()}>
                            { if save.busy() { "Saving…" } else { "Save" } }
                        </button>
                    </div>
                </form>
            </section>
            <TimezoneSection />
            <TwoFactorSection />
        </>
    }
}

/// Stores a textarea's value in `state` on every keystroke.
fn bind_textarea(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    use wasm_bindgen::JsCast;
    let state = state.clone();
    Callback::from(move |e: InputEvent| {
        if let Some(t) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
        {
            state.set(t.value());
        }
    })
}
