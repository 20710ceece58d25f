//! Loading data from the API into component state.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::services::api;
use crate::session::use_session;

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
