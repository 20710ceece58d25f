//! Downloads that need the bearer token (CSV export, branding images): fetched, then
//! handed to the browser as a `Blob` object URL, since a plain link cannot carry the token.

use gloo_net::http::RequestBuilder;
use serde::de::IgnoredAny;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{js_sys, JsFuture};
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

use super::api::{self, Error};

/// Fetches `path` with the token and returns its body as a `Blob` (kept in the browser, not
/// copied into wasm memory: an export of a million phones is tens of megabytes).
pub async fn fetch_blob(token: &str, path: &str) -> Result<Blob, Error> {
    let response = RequestBuilder::new(path)
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await
        .map_err(|e| api::log(Error::Network, path, &e))?;
    into_blob(response, path).await
}

/// POSTs `body` as JSON to `path` with the token and returns the answer's body as a `Blob`
/// (an export of the ticked phones, whose MACs a query string cannot carry).
pub async fn post_for_blob<B: serde::Serialize>(
    token: &str,
    path: &str,
    body: &B,
) -> Result<Blob, Error> {
    let response = RequestBuilder::new(path)
        .method(gloo_net::http::Method::POST)
        .header("Authorization", &format!("Bearer {token}"))
        .json(body)
        .map_err(|e| api::log(Error::Unexpected, path, &e))?
        .send()
        .await
        .map_err(|e| api::log(Error::Network, path, &e))?;
    into_blob(response, path).await
}

/// The body of a successful answer as a `Blob`; an error answer as the API's error.
async fn into_blob(response: gloo_net::http::Response, path: &str) -> Result<Blob, Error> {
    if !response.ok() {
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        return Err(
            match api::decode::<IgnoredAny>(status, &response.status_text(), &text, path) {
                Err(e) => e,
                Ok(_) => Error::Unexpected,
            },
        );
    }
    let raw: web_sys::Response = response.into();
    let promise = raw
        .blob()
        .map_err(|e| api::log(Error::Unexpected, path, &format!("{e:?}")))?;
    let blob = JsFuture::from(promise)
        .await
        .map_err(|e| api::log(Error::Network, path, &format!("{e:?}")))?;
    blob.dyn_into::<Blob>()
        .map_err(|e| api::log(Error::Unexpected, path, &format!("{e:?}")))
}

/// Saves `blob` as a file named `file_name` through a temporary link.
pub fn save(blob: &Blob, file_name: &str) -> Result<(), Error> {
    let url = Url::create_object_url_with_blob(blob).map_err(|_| Error::Unexpected)?;
    let link = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|e| e.dyn_into::<HtmlAnchorElement>().ok())
        .ok_or(Error::Unexpected)?;
    link.set_href(&url);
    link.set_download(file_name);
    link.click();
    // Revoked a little later: some browsers read the URL after `click` returns.
    yew::platform::spawn_local(async move {
        yew::platform::time::sleep(std::time::Duration::from_secs(30)).await;
        let _ = Url::revoke_object_url(&url);
    });
    Ok(())
}

/// Saves `text` (made in the app, e.g. an import's skipped lines) as a CSV file.
pub fn save_csv(text: &str, file_name: &str) -> Result<(), Error> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = BlobPropertyBag::new();
    options.set_type("text/csv;charset=utf-8");
    let blob =
        Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|_| Error::Unexpected)?;
    save(&blob, file_name)
}
