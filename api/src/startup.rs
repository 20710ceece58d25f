//! Building and running the application.
//!
//! [`Application::build`] connects and migrates the database, prepares TLS, and binds every
//! listener before returning, so callers (tests included, with port 0) know the ports and
//! can send requests at once without sleeping or retrying.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_http::body::BoxBody;
use actix_http::{HttpServiceBuilder, Protocol, Request, Response};
use actix_service::{map_config, IntoServiceFactory, Service, ServiceFactory, ServiceFactoryExt};
use actix_tls::accept::rustls_0_23::{Acceptor, TlsStream};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{AppConfig, Extensions, ServiceRequest, ServiceResponse};
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::DefaultHeaders;
use actix_web::middleware::Next;
use actix_web::rt::net::TcpStream;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use secrecy::SecretString;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;

use crate::auth::{jwt, Tokens};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::device::trust::HandshakeVerifier;
use crate::device::{BootRecorder, Device, PeerChain};
use crate::error::Error;
use crate::mail::Mailer;
use crate::metrics::{self, Metrics};
use crate::{device, routes, tls};

/// Shared, read-only state handed to every handler.
pub struct AppState {
    pub db: Db,
    pub tokens: Tokens,
    pub settings: Settings,
    /// The outgoing mail queue.
    pub mailer: Mailer,
    /// The base of links in mail, without a trailing slash: `public_url`, or
    /// `https://localhost:<bound HTTPS port>` when that is unset.
    pub public_url: String,
    /// The device side: trusted CAs and the boot recorder.
    pub device: Device,
    /// This node's counters, served on the metrics listener.
    pub metrics: Metrics,
}

pub struct Application {
    server: Server,
    /// The plain-HTTP `/metrics` listener, when `metrics_addr` is set; stops with `server`.
    metrics_server: Option<Server>,
    metrics_port: Option<u16>,
    https_port: u16,
    http_port: Option<u16>,
    /// Periodic tasks (housekeeping, following the device CAs); aborted on shutdown.
    background: Vec<tokio::task::JoinHandle<()>>,
    mail_worker: tokio::task::JoinHandle<()>,
    boot_writer: tokio::task::JoinHandle<()>,
    state: web::Data<AppState>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        crate::storage::ensure_writable(&settings.data_dir)?;
        let db = Db::connect_and_migrate(&settings.database_url, settings.database_max_connections)
            .await?;
        let tls = tls::load_or_generate(&settings)?;
        for note in &tls.generated {
            tracing::info!("{note}");
        }
        if let Some(pem) = &tls.new_dev_ca {
            device::ca::register(&db, pem, "generated development CA").await?;
        }
        let trust = Arc::new(device::ca::load_trust(&db, tls.configured_cas.clone()).await?);
        if trust.anchors() == 0 {
            tracing::warn!(
                "no device CA is trusted: every phone will be refused (rcs device-ca add FILE)"
            );
        }
        let handshake = Arc::new(HandshakeVerifier::new(tls::provider(), trust.hints()));
        let tls_config = tls.server_config(handshake)?;
        let (recorder, boot_writer) = BootRecorder::start(db.clone());
        let secret = match &settings.jwt_secret {
            Some(s) => s.clone(),
            None => SecretString::from(
                db::settings::get_or_init(&db, "jwt_secret", jwt::generate_secret).await?,
            ),
        };
        let tokens = Tokens::new(&secret, settings.token_ttl_secs);

        let https = TcpListener::bind(&settings.https_addr)
            .with_context(|| format!("cannot listen on {}", settings.https_addr))?;
        let https_port = https.local_addr()?.port();
        let http = match &settings.http_addr {
            Some(addr) => {
                Some(TcpListener::bind(addr).with_context(|| format!("cannot listen on {addr}"))?)
            }
            None => None,
        };
        let metrics_listener = match &settings.metrics_addr {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .with_context(|| format!("cannot listen on {addr} (metrics_addr)"))?,
            ),
            None => None,
        };
        let http_port = http
            .as_ref()
            .map(|l| l.local_addr())
            .transpose()?
            .map(|a| a.port());

        let public_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("https://localhost:{https_port}"));
        let (mailer, mail_worker) = Mailer::start(&settings)?;

        let workers = settings.workers;
        let request_timeout = Duration::from_secs(settings.request_timeout_secs);
        let (max_handshakes, max_connections) =
            (settings.max_tls_handshakes, settings.max_connections);
        let state = web::Data::new(AppState {
            db,
            tokens,
            settings,
            mailer,
            public_url,
            device: Device { trust, recorder },
            metrics: Metrics::default(),
        });
        let app_state = state.clone();
        let app = move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(refuse_encoded_bodies))
                .wrap(actix_web::middleware::from_fn(metrics::track))
                .wrap(security_headers())
                .wrap(TracingLogger::default())
                .app_data(app_state.clone())
                .app_data(json_config())
                .app_data(query_config())
                .app_data(path_config())
                .into_utoipa_app()
                .configure(routes::configure)
                .into_app()
                .configure(routes::api_docs::configure)
                .default_service(web::to(routes::web_ui::serve))
        };
        // The listeners are assembled from actix-server, actix-tls and actix-http instead of
        // actix-web's HttpServer so that the TLS acceptor is ours: HttpServer drops a failed
        // handshake without a trace, and an operator whose phones cannot connect needs to see
        // why (rcs_tls_handshake_failures_total). The settings are the ones HttpServer had.
        // TLS handshakes in progress at once, per worker (boot storms wait in the kernel).
        actix_tls::accept::max_concurrent_tls_connect(max_handshakes);
        let mut builder = actix_server::Server::build()
            .shutdown_timeout(30)
            .max_concurrent_connections(max_connections);
        if workers > 0 {
            builder = builder.workers(workers);
        }
        let limits = Limits {
            request_timeout,
            shutdown: builder.graceful_shutdown_signal(),
        };
        let mut tls_config = tls_config;
        tls_config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let https_state = state.clone();
        let https_app = app.clone();
        let https_limits = limits.clone();
        builder = builder.listen("rcs-https", https, move || {
            let state = https_state.clone();
            let mut acceptor = Acceptor::new(tls_config.clone());
            acceptor.set_handshake_timeout(https_limits.request_timeout);
            let http = https_limits
                .http_service()
                .on_connect_ext(|io: &TlsStream<TcpStream>, ext: &mut Extensions| {
                    attach_peer_chain(io, ext)
                })
                // Links are built from public_url, never from this configuration's scheme.
                .finish(map_config(
                    https_app()
                        .into_factory()
                        .map_err(|e: actix_web::Error| e.error_response()),
                    |_| AppConfig::default(),
                ));
            acceptor
                .map_init_err(|_| ())
                .map_err(move |e| {
                    let reason = tls::handshake_failure_reason(&e);
                    tracing::debug!(reason, "TLS handshake failed");
                    state.metrics.tls_failure(reason);
                })
                .and_then(|io: TlsStream<TcpStream>| async move {
                    let peer = io.get_ref().0.peer_addr().ok();
                    Ok::<_, ()>((io, Protocol::Http1, peer))
                })
                .and_then(http.map_err(|_| ()).map_init_err(|_| ()))
        })?;
        if let Some(http) = http {
            builder = builder.listen("rcs-http", http, move || {
                limits
                    .http_service()
                    .finish(map_config(
                        app()
                            .into_factory()
                            .map_err(|e: actix_web::Error| e.error_response()),
                        |_| AppConfig::default(),
                    ))
                    .tcp()
                    .map_err(|_| ())
                    .map_init_err(|_| ())
            })?;
        }
        let server = builder.run();
        let (metrics_server, metrics_port) = match metrics_listener {
            Some(listener) => {
                let port = listener.local_addr()?.port();
                let metrics_state = state.clone();
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(metrics_state.clone())
                        .route("/metrics", web::get().to(metrics::serve))
                })
                .workers(1)
                .disable_signals()
                .shutdown_timeout(1)
                .listen(listener)?
                .run();
                (Some(server), Some(port))
            }
            None => (None, None),
        };
        let background = vec![
            tokio::spawn(housekeeping(state.clone())),
            tokio::spawn(device::ca::follow_trust(state.clone())),
        ];

        tracing::info!(
            https_port,
            http_port,
            metrics_port,
            engine = ?state.db.engine,
            server_cert = %tls.server_cert.display(),
            device_ca = %tls.device_ca.display(),
            public_url = %state.public_url,
            "rcs is ready"
        );
        Ok(Application {
            server,
            metrics_server,
            metrics_port,
            https_port,
            http_port,
            background,
            mail_worker,
            boot_writer,
            state,
        })
    }

    pub fn https_port(&self) -> u16 {
        self.https_port
    }

    pub fn http_port(&self) -> Option<u16> {
        self.http_port
    }

    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// Stops the server (gracefully when asked): for tests and embedders.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM or [`ServerHandle::stop`]; in-flight requests finish first.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics_server.map(|server| {
            let handle = server.handle();
            (handle, tokio::spawn(server))
        });
        let result = self.server.await;
        if let Some((handle, task)) = metrics {
            handle.stop(true).await;
            let _ = task.await;
        }
        // The periodic tasks hold the state too: they end first, or the queues below would
        // never see their last sender go.
        for task in self.background {
            task.abort();
            let _ = task.await;
        }
        // Mail already queued (a reset link, say) still goes out, and boot events already
        // answered are written, within a bounded wait: each worker ends once its queue's last
        // sender, held by the state, is gone.
        drop(self.state);
        let mut boot_writer = self.boot_writer;
        if tokio::time::timeout(Duration::from_secs(30), &mut boot_writer)
            .await
            .is_err()
        {
            tracing::error!("boot events not written before shutdown: the database is unavailable");
            boot_writer.abort();
        }
        let mut mail_worker = self.mail_worker;
        if tokio::time::timeout(Duration::from_secs(10), &mut mail_worker)
            .await
            .is_err()
        {
            tracing::warn!("queued mail not delivered before shutdown");
            mail_worker.abort();
        }
        result
    }
}

/// Every few minutes: forget expired sessions, login counters and reset links.
async fn housekeeping(state: web::Data<AppState>) {
    let window = i64::try_from(state.settings.login_window_secs).unwrap_or(i64::MAX / 4);
    let period = Duration::from_secs(300);
    // The first round waits a period too: start-up is busy enough without it.
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tick.tick().await;
        let now = db::now();
        if let Err(e) = db::sessions::delete_expired(&state.db, now).await {
            tracing::warn!(error = %e, "cannot delete expired sessions");
        }
        if let Err(e) = db::rate_limits::delete_expired(&state.db, window, now).await {
            tracing::warn!(error = %e, "cannot delete expired rate limits");
        }
        if let Err(e) = db::password_resets::delete_expired(&state.db, now).await {
            tracing::warn!(error = %e, "cannot delete expired password reset links");
        }
        prune_boot_events(&state, now).await;
    }
}

/// Deletes boot events past the retention, a bounded batch at a time.
pub async fn prune_boot_events(state: &AppState, now: i64) {
    let days = state.settings.boot_event_retention_days;
    if days == 0 {
        return;
    }
    let cutoff = now.saturating_sub(i64::try_from(days).unwrap_or(i64::MAX / 4) * db::summary::DAY);
    loop {
        match db::boot_events::prune(&state.db, cutoff, 10_000).await {
            Ok(10_000) => continue,
            Ok(_) => break,
            Err(e) => {
                tracing::warn!(error = %e, "cannot prune old boot events");
                break;
            }
        }
    }
}

/// Keeps the certificate chain a client presented with its connection, for device routes.
fn attach_peer_chain(tls: &TlsStream<TcpStream>, ext: &mut Extensions) {
    let (_, session) = tls.get_ref();
    if let Some(chain) = session.peer_certificates() {
        ext.insert(PeerChain::new(
            chain.iter().map(|c| c.clone().into_owned()).collect(),
        ));
    }
}

/// What every listener's HTTP service shares: timeouts, and the signal that makes idle
/// keep-alive connections close when a graceful shutdown begins.
#[derive(Clone)]
struct Limits {
    request_timeout: Duration,
    shutdown: actix_server::GracefulShutdownSignal,
}

impl Limits {
    /// An HTTP/1.1 service builder with these timeouts and the shutdown signal.
    fn http_service<T, S>(&self) -> HttpServiceBuilder<T, S>
    where
        S: ServiceFactory<Request, Config = ()>,
        S::Error: Into<Response<BoxBody>> + 'static,
        S::InitError: std::fmt::Debug,
        <S::Service as Service<Request>>::Future: 'static,
    {
        let shutdown = self.shutdown.clone();
        HttpServiceBuilder::default()
            .client_request_timeout(self.request_timeout)
            .client_disconnect_timeout(Duration::from_secs(5))
            .graceful_shutdown_signal(move || {
                let signal = shutdown.clone();
                async move { signal.notified().await }
            })
    }
}

fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
}

/// Request bodies are read as sent: actix-web's decompression is not compiled in, so nothing
/// is ever inflated and a small compressed body cannot grow past a route's size limit (a
/// "zip bomb"). A body that declares a content coding is refused with a clear 415 instead of
/// being misread as garbage. A coding on a request without a body means nothing and passes.
async fn refuse_encoded_bodies(
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

fn json_config() -> web::JsonConfig {
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

fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _| {
        Error::bad_request(
            "invalid_query",
            format!("The query string is not valid: {err}"),
        )
        .into()
    })
}

fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _| {
        Error::not_found("not_found", format!("No such resource: {err}")).into()
    })
}
