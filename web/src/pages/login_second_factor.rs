//! The second step of a login for users with two-factor login: a code from the authenticator
//! app (or a recovery code); or, where the account or platform requires a second factor and
//! the user has none, setting one up, which finishes the login. Until then there is no
//! session, so the user can do nothing else.

use rcs_shared::{
    EnrolledLogin, EnrolmentStart, LoginResponse, SecondFactorChallenge, SecondFactorEnrolment,
    SecondFactorLogin,
};
use yew::prelude::*;

use super::login::value_of;
use crate::components::errors::ErrorAlert;
use crate::components::second_factor::{AppSetup, RecoveryCodeList};
use crate::hooks::use_public_action;
use crate::services::api;
use crate::session::use_session;

#[derive(Properties, PartialEq)]
pub struct SecondStepProps {
    pub challenge: SecondFactorChallenge,
    /// Back to the password form (e.g. after the challenge expired).
    pub on_back: Callback<()>,
}

/// A code, or setting up the required second factor.
#[function_component]
pub fn SecondStep(props: &SecondStepProps) -> Html {
    let back = {
        let on_back = props.on_back.clone();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            on_back.emit(());
        })
    };
    let step = if props.challenge.enrolment_required {
        html! { <EnrolAtLogin challenge={props.challenge.challenge.clone()} /> }
    } else {
        html! { <CodeAtLogin challenge={props.challenge.challenge.clone()} /> }
    };
    html! {
        <>
            { step }
            <p class="form-footer">
                <a id="second-factor-back" href="#login" onclick={back}>{ "Back to login" }</a>
            </p>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct ChallengeProps {
    challenge: String,
}

/// The code from the app (or a recovery code) opens the session.
#[function_component]
fn CodeAtLogin(props: &ChallengeProps) -> Html {
    let session = use_session();
    let code = use_node_ref();
    let verify = use_public_action();
    {
        let code = code.clone();
        use_effect_with((), move |_| {
            if let Some(input) = code.cast::<web_sys::HtmlElement>() {
                let _ = input.focus();
            }
        });
    }
    let onsubmit = {
        let (code, verify, challenge) = (code.clone(), verify.clone(), props.challenge.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if verify.busy() {
                return;
            }
            let body = SecondFactorLogin {
                challenge: challenge.clone(),
                code: value_of(&code).trim().to_owned(),
            };
            let session = session.clone();
            verify.run(
                |_| async move { api::login_second_factor(&body).await },
                move |login: LoginResponse| session.sign_in(login),
            );
        })
    };
    html! {
        <form class="form" {onsubmit}>
            <h2>{ "Two-factor login" }</h2>
            <p class="muted">
                { "Enter the 6-digit code from your authenticator app, or one of your recovery codes." }
            </p>
            <ErrorAlert id="second-factor-error" error={verify.error().clone()} />
            <div class="field">
                <label for="second-factor-code">{ "Code" }</label>
                <input id="second-factor-code" name="code" type="text" autocomplete="one-time-code"
                    required=true maxlength="32" ref={code} />
            </div>
            <button id="second-factor-submit" class="button button-primary button-block"
                type="submit" disabled={verify.busy()}>
                { if verify.busy() { "Checking…" } else { "Verify" } }
            </button>
        </form>
    }
}

/// Setting up the second factor the account requires: the app, a code, the recovery codes,
/// then the session.
#[function_component]
fn EnrolAtLogin(props: &ChallengeProps) -> Html {
    let session = use_session();
    let start = use_public_action();
    let confirm = use_public_action();
    let enrolment = use_state(|| None::<SecondFactorEnrolment>);
    let enrolled = use_state(|| None::<EnrolledLogin>);
    let code = use_node_ref();
    {
        let (start, enrolment) = (start.clone(), enrolment.clone());
        let body = EnrolmentStart {
            challenge: props.challenge.clone(),
        };
        use_effect_with((), move |_| {
            start.run(
                |_| async move { api::login_enrolment(&body).await },
                move |e| enrolment.set(Some(e)),
            );
        });
    }
    let onsubmit = {
        let (code, confirm, challenge) = (code.clone(), confirm.clone(), props.challenge.clone());
        let enrolled = enrolled.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = SecondFactorLogin {
                challenge: challenge.clone(),
                code: value_of(&code).trim().to_owned(),
            };
            let enrolled = enrolled.clone();
            confirm.run(
                |_| async move { api::login_enrolment_confirm(&body).await },
                move |done| enrolled.set(Some(done)),
            );
        })
    };

    if let Some(done) = &*enrolled {
        let proceed = {
            let login = done.login.clone();
            Callback::from(move |_: MouseEvent| session.sign_in(login.clone()))
        };
        return html! {
            <div class="form">
                <h2>{ "Recovery codes" }</h2>
                <RecoveryCodeList codes={done.recovery_codes.clone()} />
                <button id="recovery-continue" class="button button-primary button-block"
                    type="button" onclick={proceed}>
                    { "I have saved them: continue" }
                </button>
            </div>
        };
    }
    html! {
        <form class="form" {onsubmit}>
            <h2>{ "Set up two-factor login" }</h2>
            <p class="muted">{ "Your account requires a second factor to log in." }</p>
            <ErrorAlert id="enrol-start-error" error={start.error().clone()} />
            if let Some(enrolment) = &*enrolment {
                <AppSetup enrolment={enrolment.clone()} />
                <ErrorAlert id="second-factor-error" error={confirm.error().clone()} />
                <div class="field">
                    <label for="second-factor-code">{ "Code from the app" }</label>
                    <input id="second-factor-code" name="code" type="text" inputmode="numeric"
                        autocomplete="one-time-code" required=true maxlength="32" ref={code} />
                </div>
                <button id="second-factor-submit" class="button button-primary button-block"
                    type="submit" disabled={confirm.busy()}>
                    { if confirm.busy() { "Checking…" } else { "Turn on and log in" } }
                </button>
            } else if start.busy() {
                <p class="muted" role="status">{ "Preparing…" }</p>
            }
        </form>
    }
}
