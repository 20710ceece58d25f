//! Talking to the API from components: [`use_resource`] loads what a page shows,
//! [`use_action`] runs what a user does (submit, save, delete, ...).
//!
//! Both own the parts every component would otherwise write by hand: the busy or loading
//! flag, the error to show, `spawn_local`, and ending the session on a 401, so a page only
//! says what to call and what to do with the answer.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::services::api;
use crate::session::{use_session, Session};

/// Data loaded from the API. The previous data stays while a reload runs, so a table does
/// not flash empty on every page turn or filter change.
#[derive(Debug, PartialEq)]
pub struct Resource<T> {
    pub data: Option<Rc<T>>,
    pub loading: bool,
    pub error: Option<api::Error>,
}

impl<T> Clone for Resource<T> {
    fn clone(&self) -> Self {
        Resource {
            data: self.data.clone(),
            loading: self.loading,
            error: self.error.clone(),
        }
    }
}

/// Loads with `fetch(token, deps)` whenever `deps` change or the returned callback is called.
///
/// Answers that arrive after a newer request was started are dropped, so a fast typist or a
/// quick page turn never sees an older answer overwrite a newer one. A 401 ends the session.
#[hook]
pub fn use_resource<T, D, F, Fut>(deps: D, fetch: F) -> (Resource<T>, Callback<()>)
where
    T: 'static,
    D: PartialEq + Clone + 'static,
    F: FnOnce(String, D) -> Fut + 'static,
    Fut: Future<Output = Result<T, api::Error>> + 'static,
{
    let session = use_session();
    let state = use_state(|| Resource {
        data: None,
        loading: true,
        error: None,
    });
    let reloads = use_state(|| 0u32);
    let generation = use_mut_ref(|| 0u64);
    {
        let state = state.clone();
        use_effect_with((deps, *reloads), move |(deps, _)| {
            let mine = bump(&generation);
            state.set(Resource {
                data: state.data.clone(),
                loading: true,
                error: None,
            });
            let future = fetch(session.token(), deps.clone());
            let previous = state.data.clone();
            spawn_local(async move {
                let result = session.check(future.await);
                if *generation.borrow() != mine {
                    return;
                }
                state.set(match result {
                    Ok(data) => Resource {
                        data: Some(Rc::new(data)),
                        loading: false,
                        error: None,
                    },
                    Err(error) => Resource {
                        data: previous,
                        loading: false,
                        error: Some(error),
                    },
                });
            });
        });
    }
    let reload = Callback::from(move |()| reloads.set(*reloads + 1));
    ((*state).clone(), reload)
}

fn bump(generation: &Rc<RefCell<u64>>) -> u64 {
    let mut g = generation.borrow_mut();
    *g += 1;
    *g
}

/// An error a user action can end with. `Clone + PartialEq` so it can live in component
/// state; the API error inside it, if any, may end the session.
pub trait ActionError: Clone + PartialEq + 'static {
    /// The API's answer inside this error, checked for a 401.
    fn as_api(&self) -> Option<&api::Error>;
}

impl ActionError for api::Error {
    fn as_api(&self) -> Option<&api::Error> {
        Some(self)
    }
}

/// One user action of a component (Save, Delete, Upload, ...): whether it is running and how
/// its last run failed. From [`use_action`] or [`use_public_action`]; cheap to clone into
/// callbacks.
pub struct Action<E: ActionError = api::Error> {
    busy: UseStateHandle<bool>,
    error: UseStateHandle<Option<E>>,
    /// `None` before login: there is no token to send and a 401 is an answer (wrong
    /// password), not the end of a session.
    session: Option<Session>,
}

impl<E: ActionError> Clone for Action<E> {
    fn clone(&self) -> Self {
        Action {
            busy: self.busy.clone(),
            error: self.error.clone(),
            session: self.session.clone(),
        }
    }
}

impl<E: ActionError> Action<E> {
    /// True from [`Action::run`] until its answer is in: forms disable their button.
    pub fn busy(&self) -> bool {
        *self.busy
    }

    /// How the last run failed; cleared when the next run starts.
    pub fn error(&self) -> &Option<E> {
        &self.error
    }

    /// Forgets the last failure, e.g. when the user picks another file.
    pub fn clear_error(&self) {
        self.error.set(None);
    }

    /// Runs `call(token)` in the background and hands a success to `done`; a failure is kept
    /// in [`Action::error`], and a 401 ends the session (for actions of a signed-in user).
    ///
    /// The token is read when the action starts, so the call carries the session the user
    /// acted in. `busy` is cleared after `done`: a dialog that `done` closes never shows its
    /// button enabled again.
    pub fn run<T, C, Fut, D>(&self, call: C, done: D)
    where
        T: 'static,
        C: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<T, E>> + 'static,
        D: FnOnce(T) + 'static,
    {
        self.busy.set(true);
        self.error.set(None);
        let token = self
            .session
            .as_ref()
            .map(Session::token)
            .unwrap_or_default();
        let future = call(token);
        let (busy, error, session) = (self.busy.clone(), self.error.clone(), self.session.clone());
        spawn_local(async move {
            match future.await {
                Ok(value) => done(value),
                Err(e) => {
                    if let (Some(session), Some(api)) = (&session, e.as_api()) {
                        session.end_if_unauthorized(api);
                    }
                    error.set(Some(e));
                }
            }
            busy.set(false);
        });
    }
}

/// A user action of the signed-in user: calls carry the session's token and a 401 returns to
/// the login page.
#[hook]
pub fn use_action<E>() -> Action<E>
where
    E: ActionError,
{
    let session = use_session();
    let busy = use_state(|| false);
    let error = use_state(|| None::<E>);
    Action {
        busy,
        error,
        session: Some(session),
    }
}

/// An action before login (log in, ask for or use a reset link): no token, and a 401 is
/// shown like any other answer.
#[hook]
pub fn use_public_action() -> Action {
    let busy = use_state(|| false);
    let error = use_state(|| None::<api::Error>);
    Action {
        busy,
        error,
        session: None,
    }
}
