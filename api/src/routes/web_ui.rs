//! The web UI: the trunk-built single-page app, embedded in the binary.
//!
//! Release builds carry `web/dist` inside the `rcs` binary, so one file is the whole service.
//! Paths that are not files get `index.html` (the app routes on the client). Unknown `/api`
//! paths get a JSON 404 instead, so scripts never parse an HTML page.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine as _;
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

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
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                content_security_policy(&String::from_utf8_lossy(&index.data)),
            ))
            .body(index.data.into_owned()),
        None => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(NOT_BUILT),
    }
}

/// The policy for the app shell: everything from this origin only, WebAssembly allowed to
/// compile, and of inline scripts only the loader trunk writes into `index.html`, named by its
/// SHA-256 (computed from the page itself, so a rebuilt UI never needs a policy edit). Style
/// attributes are allowed (the UI sets widths inline); images may be `data:`/`blob:` (the
/// branding preview). The page cannot be framed, and `<base>`, plugins and foreign form
/// targets are off.
pub fn content_security_policy(index_html: &str) -> String {
    let hashes: String = inline_scripts(index_html)
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The text of every `<script>` element without a `src`, exactly as the browser hashes it.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, body) = rest.split_once('>')?;
        if attributes.contains("src=") {
            return None;
        }
        body.split_once("</script>").map(|(script, _)| script)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_allowed_by_their_hash_and_nothing_else_inline() {
        let html = "<head><script src=\"/app.js\"></script>\
                    <script type=\"module\">console.log(1)</script></head>";
        let policy = content_security_policy(html);
        // sha256("console.log(1)"), base64, as `openssl dgst -sha256 -binary | base64` gives.
        assert!(
            policy.contains(
                "script-src 'self' 'wasm-unsafe-eval' 'sha256-CihokcEcBW4atb/CW/XWsvWwbTjqwQlE9nj9ii5ww5M='; "
            ),
            "{policy}"
        );
        assert!(policy.contains("frame-ancestors 'none'"));
        assert_eq!(policy.matches("sha256-").count(), 1);
    }
}
