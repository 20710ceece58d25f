//! Logging: `tracing` to stderr, human-readable or JSON lines.

use std::io::IsTerminal;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::{field, Span};
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

use crate::config::LogFormat;

/// Installs the global subscriber. `RUST_LOG` overrides the configured filter. Calling it
/// twice is harmless (the first subscriber stays).
pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    // Colours only on a terminal: escape codes in files and pipes break grep and parsers.
    let ansi = std::io::stderr().is_terminal();
    let _ = match format {
        LogFormat::Human => registry
            .with(fmt::layer().with_ansi(ansi).with_writer(std::io::stderr))
            .try_init(),
        LogFormat::Json => registry
            .with(fmt::layer().json().with_writer(std::io::stderr))
            .try_init(),
    };
}

/// The span each HTTP request runs in: what a log line needs to be tied to its request
/// (method, path, matched route, status, request id), at the cost a device lookup can carry.
///
/// tracing-actix-web's default span resolves the route before actix routes the request (one
/// more regular-expression pass over the routes), parses the connection info twice and
/// formats an OpenTelemetry name; with a phone's files fetched on one kept-alive connection
/// that was several percent of rcs's CPU per request (BENCHMARKS.md). Here the route is
/// recorded once the answer is ready, from the resource actix already matched. The target is
/// the path without its query string, so no query value reaches the logs.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request.extensions().get::<RequestId>().copied();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.target = %request.path(),
            http.route = field::Empty,
            http.status_code = field::Empty,
            otel.status_code = field::Empty,
            request_id = field::display(request_id.map(|id| *id).unwrap_or_default()),
            exception.message = field::Empty,
            exception.details = field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        // A span the filter turned off records nothing: no route to look up for it.
        if let (Ok(response), false) = (outcome, span.is_disabled()) {
            if let Some(route) = response.request().match_pattern() {
                span.record("http.route", route);
            }
        }
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
