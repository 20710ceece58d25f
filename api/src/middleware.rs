//! What every request passes before its handler: security headers, the refusal of compressed
//! bodies, `no-store` on API answers, the device directory following API writes, and the
//! error answers of actix-web's extractors (bad JSON, query strings and paths become the one
//! `{ code, message }` error).

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::web;

use crate::error::Error;
use crate::state::AppState;

/// API answers carry tokens and account data: no browser or proxy may keep a copy (a shared
/// computer's disk cache, a corporate proxy). An answer that set its own `Cache-Control`
/// keeps it.
pub async fn api_answers_are_not_stored(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let api = req.path().starts_with("/api/v1/");
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    if api && !headers.contains_key(actix_web::http::header::CACHE_CONTROL) {
        headers.insert(
            actix_web::http::header::CACHE_CONTROL,
            actix_web::http::header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(response)
}

/// The parts of the API whose writes can change what a phone is told: its registration,
/// servers, brandings, the account, and the operator's accounts, firmware and unknown phones.
const CHANGES_ANSWERS: &[&str] = &[
    "/api/v1/phones",
    "/api/v1/servers",
    "/api/v1/brandings",
    "/api/v1/account",
    "/api/v1/admin/",
];

/// After a write through the API that can change device answers, the node's device directory
/// is dropped and the other nodes are told (`crate::device::directory`), before the answer
/// leaves: a phone that boots once the user saw "Saved" is told the new thing on this node,
/// and on the others within a second. A refused request (4xx) changed nothing; reads, and the
/// export that is a POST, change nothing either.
pub async fn device_answers_follow_changes(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let path = req.path();
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && CHANGES_ANSWERS.iter().any(|p| path.starts_with(p))
        && path != "/api/v1/phones/export";
    let state = writes
        .then(|| req.app_data::<web::Data<AppState>>().cloned())
        .flatten();
    let response = next.call(req).await?;
    if let Some(state) = state {
        if !response.status().is_client_error() {
            state.device.directory.changed(&state.db).await;
        }
    }
    Ok(response)
}

pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
}

/// Request bodies are read as sent: actix-web's decompression is not compiled in, so nothing
/// is ever inflated and a small compressed body cannot grow past a route's size limit (a
/// "zip bomb"). A body that declares a content coding is refused with a clear 415 instead of
/// being misread as garbage. A coding on a request without a body means nothing and passes.
pub async fn refuse_encoded_bodies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    use actix_web::http::header;
    let headers = req.headers();
    let encoded = headers
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"));
    let has_body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    if encoded && has_body {
        let refusal = Error::UnsupportedMediaType(
            "unsupported_content_encoding",
            "Send the request body uncompressed (no Content-Encoding).".into(),
        );
        return Ok(req.error_response(refusal).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(1024 * 1024)
        .error_handler(|err, _| {
            use actix_web::error::JsonPayloadError as E;
            match err {
                E::Overflow { .. } | E::OverflowKnownLength { .. } => {
                    Error::PayloadTooLarge("The request body is too large.".into()).into()
                }
                E::ContentType => Error::bad_request(
                    "unsupported_content_type",
                    "Send the body as application/json.",
                )
                .into(),
                other => Error::bad_request(
                    "invalid_json",
                    format!("The request body is not valid: {other}"),
                )
                .into(),
            }
        })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _| {
        Error::bad_request(
            "invalid_query",
            format!("The query string is not valid: {err}"),
        )
        .into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _| {
        Error::not_found("not_found", format!("No such resource: {err}")).into()
    })
}
