//! Image previews for brandings: a file already stored (fetched with the token, since an
//! `<img src>` cannot send one) or a file picked but not yet uploaded.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use web_sys::{Blob, Url};
use yew::prelude::*;

use crate::services::{brandings, download};
use crate::session::use_session;

/// True for names the server checks as images (and serves inline).
pub fn is_image(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg", ".gif", ".bmp"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// An object URL for a blob, revoked when dropped.
pub struct ObjectUrl(pub String);

impl ObjectUrl {
    pub fn new(blob: &Blob) -> Option<ObjectUrl> {
        Url::create_object_url_with_blob(blob).ok().map(ObjectUrl)
    }
}

impl Drop for ObjectUrl {
    fn drop(&mut self) {
        let _ = Url::revoke_object_url(&self.0);
    }
}

#[derive(Properties, PartialEq)]
pub struct StoredImageProps {
    pub branding: i64,
    pub name: String,
    /// The file's hash: a replaced file is fetched again.
    pub sha256: String,
}

/// A stored image of a branding, as a thumbnail.
#[function_component]
pub fn StoredImage(props: &StoredImageProps) -> Html {
    let session = use_session();
    let url = use_state(|| None::<Rc<ObjectUrl>>);
    let keep = use_mut_ref(|| None::<Rc<ObjectUrl>>);
    {
        let url = url.clone();
        let (id, name) = (props.branding, props.name.clone());
        use_effect_with(props.sha256.clone(), move |_| {
            spawn_local(async move {
                let path = brandings::file_path(id, &name);
                if let Ok(blob) = session.check(download::fetch_blob(&session.token(), &path).await)
                {
                    let object = ObjectUrl::new(&blob).map(Rc::new);
                    set(&keep, object.clone());
                    url.set(object);
                }
            });
        });
    }
    match &*url {
        Some(u) => {
            html! { <img class="thumb" src={u.0.clone()} alt={format!("Preview of {}", props.name)} /> }
        }
        None => html! { <span class="thumb thumb-empty" aria-hidden="true"></span> },
    }
}

fn set(keep: &Rc<RefCell<Option<Rc<ObjectUrl>>>>, value: Option<Rc<ObjectUrl>>) {
    *keep.borrow_mut() = value;
}
