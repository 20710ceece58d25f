//! Preferences, two-factor login: setting it up (the password, the app, a code; then the
//! recovery codes, shown once) and turning it off (a code or the password) unless the account
//! or platform requires it.

use rcs_shared::{
    SecondFactorCode, SecondFactorDisable, SecondFactorEnrolment, SecondFactorSetup,
    SecondFactorStatus,
};
use yew::prelude::*;

use crate::components::errors::{except_codes, for_codes, ErrorAlert, ErrorText};
use crate::components::options::bind_input;
use crate::components::second_factor::{AppSetup, RecoveryCodeList};
use crate::hooks::{use_action, use_resource, Action};
use crate::services::second_factor;

/// Where setting up stands.
#[derive(Clone, PartialEq)]
enum Setup {
    /// Nothing under way.
    Idle,
    /// The password is asked for.
    Password,
    /// The app is being set up; a code confirms it.
    App(SecondFactorEnrolment),
    /// Just turned on: the recovery codes, once.
    Codes(Vec<String>),
}

/// The two-factor section of the preferences.
#[function_component]
pub fn TwoFactorSection() -> Html {
    let (status, reload) = use_resource((), |token, ()| second_factor::status(token));
    let setup = use_state(|| Setup::Idle);
    let notice = use_state(|| None::<&'static str>);
    let done = {
        let (setup, notice) = (setup.clone(), notice.clone());
        Callback::from(move |next: (Setup, Option<&'static str>)| {
            setup.set(next.0);
            notice.set(next.1);
            reload.emit(());
        })
    };
    let body = match (&*setup, status.data.as_deref()) {
        (Setup::Codes(codes), _) => {
            let done = done.clone();
            let close = Callback::from(move |_: MouseEvent| done.emit((Setup::Idle, None)));
            html! {
                <>
                    <RecoveryCodeList codes={codes.clone()} />
                    <div class="form-actions">
                        <button id="tf-done" class="button button-primary" type="button"
                            onclick={close}>{ "Done" }</button>
                    </div>
                </>
            }
        }
        (Setup::App(enrolment), _) => html! { <ConfirmApp enrolment={enrolment.clone()} {done} /> },
        (Setup::Password, _) => html! { <StartSetup done={done.clone()} /> },
        (Setup::Idle, Some(s)) if s.enabled => html! { <TurnOff status={s.clone()} {done} /> },
        (Setup::Idle, Some(s)) => {
            let setup = setup.clone();
            let start = Callback::from(move |_: MouseEvent| setup.set(Setup::Password));
            html! {
                <>
                    <p id="tf-state">{ if s.required {
                        "Off. Your account requires two-factor login: set it up now."
                    } else {
                        "Off. Logging in needs only your password."
                    } }</p>
                    <div class="form-actions">
                        <button id="tf-setup" class="button button-primary" type="button"
                            onclick={start}>{ "Set up two-factor login" }</button>
                    </div>
                </>
            }
        }
        (Setup::Idle, None) => html! {},
    };
    html! {
        <section id="two-factor" class="card narrow">
            <h2>{ "Two-factor login" }</h2>
            if let Some(message) = *notice {
                <p id="tf-notice" class="alert alert-success" role="status">{ message }</p>
            }
            <ErrorAlert id="tf-load-error" error={status.error.clone()} />
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct StepProps {
    done: Callback<(Setup, Option<&'static str>)>,
}

/// The password starts the set-up (a stolen session alone cannot set up its own app).
#[function_component]
fn StartSetup(props: &StepProps) -> Html {
    let password = use_state(String::new);
    let start: Action = use_action();
    let onsubmit = {
        let (password, start, done) = (password.clone(), start.clone(), props.done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = SecondFactorSetup {
                password: (*password).clone(),
            };
            let done = done.clone();
            start.run(
                |token| async move { second_factor::start(&token, &body).await },
                move |enrolment| done.emit((Setup::App(enrolment), None)),
            );
        })
    };
    let error = start.error();
    html! {
        <form class="form" {onsubmit}>
            <div class="field">
                <label for="tf-password">{ "Your password" }</label>
                <input id="tf-password" type="password" required=true
                    autocomplete="current-password" value={(*password).clone()}
                    oninput={bind_input(&password)} />
                <ErrorText id="tf-password-error" error={for_codes(error, &["wrong_current_password"])} />
            </div>
            <ErrorAlert id="tf-error" error={except_codes(error, &["wrong_current_password"])} />
            <div class="form-actions">
                <button id="tf-start" class="button button-primary" type="submit"
                    disabled={start.busy()}>{ "Continue" }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct ConfirmAppProps {
    enrolment: SecondFactorEnrolment,
    done: Callback<(Setup, Option<&'static str>)>,
}

/// The app set up, a code from it turns two-factor login on.
#[function_component]
fn ConfirmApp(props: &ConfirmAppProps) -> Html {
    let code = use_state(String::new);
    let confirm: Action = use_action();
    let onsubmit = {
        let (code, confirm, done) = (code.clone(), confirm.clone(), props.done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = SecondFactorCode {
                code: code.trim().to_string(),
            };
            let done = done.clone();
            confirm.run(
                |token| async move { second_factor::confirm(&token, &body).await },
                move |codes| done.emit((Setup::Codes(codes.recovery_codes), None)),
            );
        })
    };
    let cancel = {
        let done = props.done.clone();
        Callback::from(move |_: MouseEvent| done.emit((Setup::Idle, None)))
    };
    html! {
        <form class="form" {onsubmit}>
            <AppSetup enrolment={props.enrolment.clone()} />
            <div class="field">
                <label for="tf-code">{ "Code from the app" }</label>
                <input id="tf-code" type="text" inputmode="numeric" autocomplete="one-time-code"
                    required=true maxlength="32" value={(*code).clone()} oninput={bind_input(&code)} />
                <ErrorText id="tf-code-error" error={for_codes(confirm.error(), &["invalid_code"])} />
            </div>
            <ErrorAlert id="tf-error" error={except_codes(confirm.error(), &["invalid_code"])} />
            <div class="form-actions">
                <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
                <button id="tf-confirm" class="button button-primary" type="submit"
                    disabled={confirm.busy()}>{ "Turn on" }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct TurnOffProps {
    status: SecondFactorStatus,
    done: Callback<(Setup, Option<&'static str>)>,
}

/// On: how many recovery codes are left, and turning it off with a code or the password.
#[function_component]
fn TurnOff(props: &TurnOffProps) -> Html {
    let code = use_state(String::new);
    let password = use_state(String::new);
    let off: Action = use_action();
    let onsubmit = {
        let (code, password, off) = (code.clone(), password.clone(), off.clone());
        let done = props.done.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = SecondFactorDisable {
                code: (!code.trim().is_empty()).then(|| code.trim().to_string()),
                password: (!password.is_empty()).then(|| (*password).clone()),
            };
            let done = done.clone();
            off.run(
                |token| async move { second_factor::disable(&token, &body).await },
                move |()| done.emit((Setup::Idle, Some("Two-factor login is off."))),
            );
        })
    };
    let state = format!(
        "On: logging in needs a code from your app. {} recovery codes left.",
        props.status.recovery_codes_left
    );
    html! {
        <>
            <p id="tf-state">{ state }</p>
            if props.status.required {
                <p class="hint">{ "Your account requires two-factor login, so it cannot be turned off." }</p>
            } else {
                <form class="form" {onsubmit}>
                    <div class="field-row">
                        <div class="field">
                            <label for="tf-off-code">{ "Code (or recovery code)" }</label>
                            <input id="tf-off-code" type="text" autocomplete="one-time-code"
                                maxlength="32" value={(*code).clone()} oninput={bind_input(&code)} />
                        </div>
                        <div class="field">
                            <label for="tf-off-password">{ "or your password" }</label>
                            <input id="tf-off-password" type="password" autocomplete="current-password"
                                value={(*password).clone()} oninput={bind_input(&password)} />
                        </div>
                    </div>
                    <ErrorAlert id="tf-error" error={off.error().clone()} />
                    <div class="form-actions">
                        <button id="tf-off" class="button button-danger" type="submit"
                            disabled={off.busy()}>{ "Turn off" }</button>
                    </div>
                </form>
            }
        </>
    }
}
