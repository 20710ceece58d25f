//! The web UI: the trunk-built single-page app, embedded in the binary.
//!
//! Release builds carry `web/dist` inside the `rcs` binary, so one file is the whole service.
//! Paths that are not files get `index.html` (the app routes on the client). Unknown `/api`
//! paths get a JSON 404 instead, so scripts never parse an HTML page.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

use crate::error::Error;

#[derive(RustEmbed)]
#[folder = "../web/dist"]
#[allow_missing = true]
struct Assets;

const NOT_BUILT: &str = "<!doctype html><title>rcs</title><h1>rcs</h1>\
<p>The web UI has not been built. Run <code>scripts/run</code> (or <code>trunk build</code> in \
<code>web/</code>) and start rcs again. The API is available under <code>/api/v1</code>.</p>";

/// Serves an asset, the app shell, or a JSON 404 for unknown API paths.
pub async fn serve(req: HttpRequest) -> HttpResponse {
    let path = req.path().trim_start_matches('/');
    if path == "api" || path.starts_with("api/") || path.starts_with("phone/") {
        return actix_web::ResponseError::error_response(&Error::not_found(
            "not_found",
            "No such route.",
        ));
    }
    if let Some(file) = (!path.is_empty()).then(|| Assets::get(path)).flatten() {
        return HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, file.metadata.mimetype()))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(file.data.into_owned());
    }
    match Assets::get("index.html") {
        Some(index) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(index.data.into_owned()),
        None => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(NOT_BUILT),
    }
}
