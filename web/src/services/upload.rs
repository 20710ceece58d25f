//! Uploads through `XMLHttpRequest` (the CSV import, the console's firmware releases),
//! because `fetch` reports no upload progress and a large file (up to 64 MiB of CSV, a
//! firmware archive of hundreds) takes long enough that the user must see it moving.
//!
//! The file is sent as the raw body (`text/csv`), so the browser streams it from disk and the
//! app never copies it into wasm memory.

use rcs_shared::{ImportQuery, ImportResult, InvalidCsv};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{js_sys, JsFuture};
use web_sys::{File, ProgressEvent, XmlHttpRequest};
use yew::Callback;

use super::api::{self, with_query, Error};

/// Why an import failed: the file's bad lines, or any other API error.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportError {
    /// 422 `invalid_csv`: every bad line (the message says how many in all).
    Lines(InvalidCsv),
    Other(Error),
}

/// POST /api/v1/phones/import with `file` as the body. `on_progress` receives the share of
/// the file sent so far (0.0 to 1.0).
pub async fn import(
    token: &str,
    file: &File,
    query: &ImportQuery,
    on_progress: Callback<f64>,
) -> Result<ImportResult, ImportError> {
    let path = with_query(
        "/api/v1/phones/import",
        &[
            ("server_id", query.server_id.map(|i| i.to_string())),
            ("branding_id", query.branding_id.map(|i| i.to_string())),
            ("firmware", query.firmware.clone()),
            ("dry_run", query.dry_run.map(|b| b.to_string())),
            ("skip_invalid", query.skip_invalid.map(|b| b.to_string())),
        ],
    );
    let (status, status_text, text) = send(token, &path, file, "text/csv", on_progress)
        .await
        .map_err(|e| ImportError::Other(api::log(Error::Network, &path, &e)))?;
    if status == 422 {
        if let Ok(invalid) = serde_json::from_str::<InvalidCsv>(&text) {
            if !invalid.problems.is_empty() {
                return Err(ImportError::Lines(invalid));
            }
        }
    }
    api::decode(status, &status_text, &text, &path).map_err(ImportError::Other)
}

/// POSTs `file` as the raw body (`content_type`) and waits for the answer: status, status
/// text and body. `on_progress` receives the share sent so far (0.0 to 1.0).
pub async fn send(
    token: &str,
    path: &str,
    file: &File,
    content_type: &str,
    on_progress: Callback<f64>,
) -> Result<(u16, String, String), String> {
    let xhr = XmlHttpRequest::new().map_err(describe)?;
    xhr.open("POST", path).map_err(describe)?;
    xhr.set_request_header("Authorization", &format!("Bearer {token}"))
        .map_err(describe)?;
    xhr.set_request_header("Content-Type", content_type)
        .map_err(describe)?;
    xhr.set_request_header("Accept", "application/json")
        .map_err(describe)?;

    // Kept alive until the answer is in; dropped (and unregistered) when this returns.
    let progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            on_progress.emit(e.loaded() / e.total());
        }
    });
    let upload = xhr.upload().map_err(describe)?;
    upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));

    // The promise settles from the request's own events: no closure needed for them.
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&reject));
        xhr.set_onabort(Some(&reject));
        xhr.set_ontimeout(Some(&reject));
    });
    xhr.send_with_opt_blob(Some(file)).map_err(describe)?;
    let outcome = JsFuture::from(done).await;
    upload.set_onprogress(None);
    drop(progress);
    outcome.map_err(|_| "the upload failed or was interrupted".to_string())?;

    let status = xhr.status().map_err(describe)?;
    let status_text = xhr.status_text().unwrap_or_default();
    let text = xhr.response_text().map_err(describe)?.unwrap_or_default();
    Ok((status, status_text, text))
}

fn describe(e: wasm_bindgen::JsValue) -> String {
    format!("{e:?}")
}
