//! The session: who is logged in, and the bearer token that proves it.
//!
//! [`SessionProvider`] owns the token so that no page stores it, forgets to send it, or
//! leaves a stale copy behind: pages call [`Session::login`] and [`Session::logout`] (and,
//! as the UI grows, further methods here) and simply render the resulting state.
//!
//! The token is kept in `sessionStorage`: a reload of the tab keeps the user logged in (the
//! token is re-checked with GET /api/v1/me on start), while closing the tab forgets it, which
//! suits a shared admin workstation better than `localStorage` would.

use gloo_storage::{SessionStorage, Storage};
use rcs_shared::{LoginAnswer, LoginRequest, LoginResponse, SecondFactorChallenge, User};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::services::api;

/// The `sessionStorage` key of the bearer token.
const TOKEN_KEY: &str = "rcs.token";

/// Where the session stands.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionState {
    /// A stored token is being checked with GET /api/v1/me.
    Restoring,
    /// Nobody is logged in; the login page may show a notice.
    SignedOut(Option<Notice>),
    /// Logged in.
    SignedIn { token: String, user: User },
}

/// A message for the login page about how the previous session ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// The user logged out.
    LoggedOut,
    /// The stored session could not be checked (e.g. the server was unreachable).
    Failed(String),
    /// The password was just reset with an emailed link.
    PasswordChanged,
    /// An API call answered 401: the token expired or was revoked (e.g. by a password or
    /// role change made elsewhere).
    Expired,
}

/// Handle to the session, from [`use_session`].
#[derive(Clone, PartialEq)]
pub struct Session(UseStateHandle<SessionState>);

impl Session {
    /// The current state.
    pub fn state(&self) -> &SessionState {
        &self.0
    }

    /// The bearer token, or "" when signed out (a call with it then fails with 401, which
    /// [`Session::check`] turns into the login page).
    pub fn token(&self) -> String {
        match self.state() {
            SessionState::SignedIn { token, .. } => token.clone(),
            _ => String::new(),
        }
    }

    /// Replaces the signed-in user's record, e.g. after their preferences changed, so the top
    /// bar shows the new name without another request.
    pub fn set_user(&self, user: User) {
        if let SessionState::SignedIn { token, .. } = self.state() {
            self.0.set(SessionState::SignedIn {
                token: token.clone(),
                user,
            });
        }
    }

    /// Passes an API result through, ending the session on a 401 so a lost session always
    /// returns to the login page instead of leaving a page of errors behind.
    pub fn check<T>(&self, result: Result<T, api::Error>) -> Result<T, api::Error> {
        if let Err(e) = &result {
            self.end_if_unauthorized(e);
        }
        result
    }

    /// Ends the session when `error` is a 401 (see [`Session::check`]).
    pub fn end_if_unauthorized(&self, error: &api::Error) {
        if error.is_unauthorized() {
            self.sign_out(Some(Notice::Expired));
        }
    }

    /// Logs in with the password. With a session the state becomes
    /// [`SessionState::SignedIn`]; when the user has (or must set up) a second factor, the
    /// challenge for the second step is returned and nobody is signed in yet.
    pub async fn login(
        &self,
        credentials: LoginRequest,
    ) -> Result<Option<SecondFactorChallenge>, api::Error> {
        match api::login(&credentials).await? {
            LoginAnswer::Session(response) => {
                self.sign_in(*response);
                Ok(None)
            }
            LoginAnswer::SecondFactor(challenge) => Ok(Some(challenge)),
        }
    }

    /// Signs in with the session a login (or its second step) answered; stores the token.
    pub fn sign_in(&self, response: LoginResponse) {
        // Without storage the session still works; it just does not survive a reload.
        let _ = SessionStorage::set(TOKEN_KEY, &response.token);
        self.0.set(SessionState::SignedIn {
            token: response.token,
            user: response.user,
        });
    }

    /// Ends the session on the server, then forgets the token.
    ///
    /// A 401 means the server already considers the token dead, which is the goal. Any other
    /// failure keeps the user logged in, so the token is not left valid on the server while the
    /// page claims a successful logout.
    pub async fn logout(&self) -> Result<(), api::Error> {
        if let SessionState::SignedIn { token, .. } = self.state() {
            match api::logout(token).await {
                Ok(()) => {}
                Err(e) if e.is_unauthorized() => {}
                Err(e) => return Err(e),
            }
        }
        self.sign_out(Some(Notice::LoggedOut));
        Ok(())
    }

    /// Shows the login page with `notice`, forgetting any stored token: after a password
    /// reset the server has ended every session, so a kept token would only fail later.
    pub fn show_login(&self, notice: Notice) {
        self.sign_out(Some(notice));
    }

    fn sign_out(&self, notice: Option<Notice>) {
        SessionStorage::delete(TOKEN_KEY);
        self.0.set(SessionState::SignedOut(notice));
    }
}

#[derive(Properties, PartialEq)]
pub struct SessionProviderProps {
    pub children: Html,
}

/// Provides the [`Session`] to its children and restores a stored session on start.
#[function_component]
pub fn SessionProvider(props: &SessionProviderProps) -> Html {
    let state = use_state(|| match stored_token() {
        Some(_) => SessionState::Restoring,
        None => SessionState::SignedOut(None),
    });
    let session = Session(state);

    {
        let session = session.clone();
        use_effect_with((), move |_| {
            if let Some(token) = stored_token() {
                spawn_local(restore(session, token));
            }
        });
    }

    html! {
        <ContextProvider<Session> context={session}>
            { props.children.clone() }
        </ContextProvider<Session>>
    }
}

/// Checks a stored token. A 401 drops it; other failures keep it (a reload retries) but
/// show the login page with the reason.
async fn restore(session: Session, token: String) {
    match api::me(&token).await {
        Ok(user) => session.0.set(SessionState::SignedIn { token, user }),
        Err(e) if e.is_unauthorized() => session.sign_out(None),
        Err(e) => session
            .0
            .set(SessionState::SignedOut(Some(Notice::Failed(e.to_string())))),
    }
}

fn stored_token() -> Option<String> {
    SessionStorage::get::<String>(TOKEN_KEY)
        .ok()
        .filter(|t| !t.is_empty())
}

/// The session of the surrounding [`SessionProvider`].
#[hook]
pub fn use_session() -> Session {
    use_context::<Session>().expect("use_session must be called inside a SessionProvider")
}
