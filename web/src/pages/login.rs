//! The login page: username (email) and password, and the way to a reset link.
//!
//! Inputs are read through node refs when the form is submitted rather than mirrored into
//! state on every keystroke: that is less code and also picks up values a password manager
//! fills in without firing input events.

use rcs_shared::{LoginRequest, SecondFactorChallenge};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::forgot::ForgotPassword;
use super::login_second_factor::SecondStep;
use crate::hooks::use_public_action;
use crate::session::{use_session, Notice};

#[derive(Properties, PartialEq)]
pub struct LoginPageProps {
    /// How the previous session ended, if there was one.
    #[prop_or_default]
    pub notice: Option<Notice>,
}

/// The login form, centred on the page.
#[function_component]
pub fn LoginPage(props: &LoginPageProps) -> Html {
    let session = use_session();
    let username = use_node_ref();
    let password = use_node_ref();
    let login = use_public_action();
    // The notice belongs to the previous session; the first login attempt dismisses it.
    let notice = use_state(|| props.notice.clone());
    // `Some(username typed so far)` while the "Forgot Password?" form is shown.
    let forgot = use_state(|| None::<String>);
    // The second step, once the password was right for a user with a second factor.
    let second_step = use_state(|| None::<SecondFactorChallenge>);
    {
        // The cursor starts in the username field, so the page works from the keyboard alone.
        let username = username.clone();
        use_effect_with(forgot.is_none(), move |&shown| {
            if shown {
                if let Some(input) = username.cast::<web_sys::HtmlElement>() {
                    let _ = input.focus();
                }
            }
        });
    }

    let onsubmit = {
        let (username, password) = (username.clone(), password.clone());
        let (login, notice, second_step) = (login.clone(), notice.clone(), second_step.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if login.busy() {
                return;
            }
            let credentials = LoginRequest {
                email: value_of(&username).trim().to_owned(),
                password: value_of(&password),
            };
            notice.set(None);
            let (session, second_step) = (session.clone(), second_step.clone());
            // With a session the app switches to the home page and this page goes away; a
            // challenge shows the second step instead.
            login.run(
                |_| async move { session.login(credentials).await },
                move |challenge| {
                    if challenge.is_some() {
                        second_step.set(challenge);
                    }
                },
            );
        })
    };

    let open_forgot = {
        let (forgot, username) = (forgot.clone(), username.clone());
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            forgot.set(Some(value_of(&username).trim().to_owned()));
        })
    };
    let close_forgot = {
        let forgot = forgot.clone();
        Callback::from(move |()| forgot.set(None))
    };

    let error = login.error().as_ref().map(|e| e.to_string());
    let message = match (&error, &*notice) {
        (Some(message), _) | (None, Some(Notice::Failed(message))) => html! {
            <p id="login-error" class="alert alert-error" role="alert">{ message }</p>
        },
        (None, Some(Notice::LoggedOut)) => html! {
            <p id="logout-message" class="alert alert-success" role="status">
                { "Logout Successful." }
            </p>
        },
        (None, Some(Notice::Expired)) => html! {
            <p id="expired-message" class="alert alert-error" role="alert">
                { "Your session has ended. Please log in again." }
            </p>
        },
        (None, Some(Notice::PasswordChanged)) => html! {
            <p id="reset-message" class="alert alert-success" role="status">
                { "Your password has been changed. Log in with the new password." }
            </p>
        },
        (None, None) => html! {},
    };

    if let Some(challenge) = &*second_step {
        let on_back = {
            let second_step = second_step.clone();
            Callback::from(move |()| second_step.set(None))
        };
        return html! {
            <main class="centered">
                <section class="card login-card">
                    <header class="brand">
                        <h1 class="brand-name">{ "rcs" }</h1>
                        <p class="brand-tagline">{ "Redirection and Configuration Service" }</p>
                    </header>
                    <SecondStep challenge={challenge.clone()} {on_back} />
                </section>
            </main>
        };
    }

    if let Some(email) = &*forgot {
        return html! {
            <main class="centered">
                <section class="card login-card">
                    <header class="brand">
                        <h1 class="brand-name">{ "rcs" }</h1>
                        <p class="brand-tagline">{ "Redirection and Configuration Service" }</p>
                    </header>
                    <ForgotPassword email={email.clone()} on_back={close_forgot} />
                </section>
            </main>
        };
    }

    html! {
        <main class="centered">
            <section class="card login-card">
                <header class="brand">
                    <h1 class="brand-name">{ "rcs" }</h1>
                    <p class="brand-tagline">{ "Redirection and Configuration Service" }</p>
                </header>
                { message }
                <form class="form" {onsubmit}>
                    <div class="field">
                        <label for="username">{ "Username" }</label>
                        <input id="username" name="username" type="email" autocomplete="username"
                            required=true ref={username} />
                    </div>
                    <div class="field">
                        <label for="password">{ "Password" }</label>
                        <input id="password" name="password" type="password"
                            autocomplete="current-password" required=true ref={password} />
                    </div>
                    <button id="login-button" class="button button-primary button-block"
                        type="submit" disabled={login.busy()}>
                        { if login.busy() { "Logging in…" } else { "Login" } }
                    </button>
                </form>
                <p class="form-footer">
                    <a id="forgot-link" href="#forgot" onclick={open_forgot}>
                        { "Forgot Password?" }
                    </a>
                </p>
            </section>
        </main>
    }
}

/// The current value of the input behind `node`, or "" if it is not mounted.
pub(super) fn value_of(node: &NodeRef) -> String {
    node.cast::<HtmlInputElement>()
        .map(|input| input.value())
        .unwrap_or_default()
}
