//! The API reference: `GET /api/openapi.json` (the document [`crate::openapi::document`]
//! builds from the registered routes) and `GET /api/docs`, a self-contained page that fetches
//! it and lists the operations by tag. The page, its script and its style are compiled into
//! the binary: nothing is downloaded at build or run time, and a strict Content Security
//! Policy allows only same-origin resources. These routes are not part of the document.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{web, HttpResponse};

const PAGE: &str = include_str!("api_docs/index.html");
const SCRIPT: &str = include_str!("api_docs/docs.js");
const STYLE: &str = include_str!("api_docs/docs.css");

/// Same-origin script, style and fetch only; no inline code, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Registers the reference routes on the app (outside the documented `routes::configure`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/openapi.json", web::get().to(openapi_json))
        .route("/api/docs", web::get().to(page))
        .route("/api/docs/docs.js", web::get().to(script))
        .route("/api/docs/docs.css", web::get().to(style));
}

/// The document as JSON, serialized once per process.
pub fn openapi_json_text() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        crate::openapi::document()
            .to_json()
            .expect("the OpenAPI document serializes")
    })
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(openapi_json_text())
}

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .body(body)
}

async fn page() -> HttpResponse {
    asset("text/html; charset=utf-8", PAGE)
}

async fn script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

async fn style() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLE)
}
