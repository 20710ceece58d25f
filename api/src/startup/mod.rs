//! Building and running the application.
//!
//! [`Application::build`] connects and migrates the database, prepares TLS, and binds every
//! listener before returning, so callers (tests included, with port 0) know the ports and
//! can send requests at once without sleeping or retrying.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_http::body::BoxBody;
use actix_http::KeepAlive;
use actix_http::{HttpServiceBuilder, Protocol, Request, Response};
use actix_service::{
    fn_service, map_config, IntoServiceFactory, Service, ServiceFactory, ServiceFactoryExt,
};
use actix_tls::accept::rustls_0_23::{Acceptor, TlsStream};
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Extensions, ServiceRequest, ServiceResponse};
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Condition, DefaultHeaders};
use actix_web::rt::net::TcpStream;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use secrecy::SecretString;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;

use crate::auth::{jwt, Tokens};
use crate::config::Settings;
use crate::connection::{self, Guarded};
use crate::db::{self, Db};
use crate::device::directory::Directory;
use crate::device::trust::DeviceTrust;
use crate::device::trust::HandshakeVerifier;
use crate::device::{ArrivedAt, BootRecorder, Device, PeerChain};
use crate::mail::Mailer;
use crate::metrics::{self, Metrics};
use crate::state::AppState;
use crate::telemetry;
use crate::webhooks::dispatcher::Dispatcher;
use crate::webhooks::Outbox;
use crate::{device, middleware, routes, tls};

mod housekeeping;

use housekeeping::housekeeping;
pub use housekeeping::prune_boot_events;

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
    /// Delivers webhook events; stopped (its attempts finished, its leases given back) first.
    dispatcher: Dispatcher,
    state: web::Data<AppState>,
}

/// The listening sockets, bound before anything is served so that port 0 works and callers
/// know every port when `build` returns.
struct Listeners {
    https: TcpListener,
    http: Option<TcpListener>,
    metrics: Option<TcpListener>,
}

impl Listeners {
    fn bind(settings: &Settings) -> anyhow::Result<Listeners> {
        let bind = |addr: &str, what: &str| {
            TcpListener::bind(addr).with_context(|| format!("cannot listen on {addr}{what}"))
        };
        Ok(Listeners {
            https: bind(&settings.https_addr, "")?,
            http: settings
                .http_addr
                .as_deref()
                .map(|a| bind(a, ""))
                .transpose()?,
            metrics: settings
                .metrics_addr
                .as_deref()
                .map(|a| bind(a, " (metrics_addr)"))
                .transpose()?,
        })
    }
}

/// The port a listener got (the configured one, or the kernel's choice for port 0).
fn port_of(listener: &TcpListener) -> anyhow::Result<u16> {
    Ok(listener.local_addr()?.port())
}

impl Application {
    /// Starts the service: each step below is one function, in the order they must happen.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let db = open_database(&settings).await?;
        let (tls, trust) = load_tls_and_device_trust(&settings, &db).await?;
        let tls_config = tls.server_config(Arc::new(HandshakeVerifier::new(
            tls::provider(),
            trust.hints(),
        )))?;
        let metrics = Arc::new(Metrics::default());
        let outbox = Outbox::new(settings.webhook_queue_max, metrics.clone());
        let (recorder, boot_writer) = BootRecorder::start(db.clone(), outbox.clone());
        let tokens = session_tokens(&settings, &db).await?;
        let listeners = Listeners::bind(&settings)?;
        let https_port = port_of(&listeners.https)?;
        let http_port = listeners.http.as_ref().map(port_of).transpose()?;
        let public_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("https://localhost:{https_port}"));
        let (mailer, mail_worker) = Mailer::start(&settings)?;
        let dispatcher =
            Dispatcher::start(db.clone(), &settings, metrics.clone(), outbox.notified())?;
        let imports = Arc::new(tokio::sync::Semaphore::new(settings.max_concurrent_imports));
        let directory = Arc::new(Directory::new(settings.device_cache_entries));
        directory.follow_once(&db).await?;
        let state = web::Data::new(AppState {
            db,
            tokens,
            settings,
            mailer,
            public_url,
            device: Device {
                trust,
                recorder,
                sessions: Default::default(),
                directory,
            },
            metrics,
            webhooks: outbox,
            imports,
        });
        let server = serve_app(&state, listeners.https, listeners.http, tls_config)?;
        let (metrics_server, metrics_port) = match listeners.metrics {
            Some(listener) => (
                Some(serve_metrics(&state, &listener)?),
                Some(port_of(&listener)?),
            ),
            None => (None, None),
        };
        let background = background(&state);
        tracing::info!(
            https_port,
            http_port,
            metrics_port,
            engine = state.db.dialect.name(),
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
            dispatcher,
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
        let grace = Duration::from_secs(self.state.settings.webhook_timeout_secs + 5);
        self.dispatcher.stop(grace).await;
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

/// Checks the data directory, then connects and migrates the database.
async fn open_database(settings: &Settings) -> anyhow::Result<Db> {
    crate::storage::ensure_writable(&settings.data_dir)?;
    Db::connect_and_migrate(&settings.database_url, settings.database_max_connections).await
}

/// The server certificate (generated on first start when none is configured) and the device
/// CAs phones are checked against: the configured bundle plus those stored in the database.
async fn load_tls_and_device_trust(
    settings: &Settings,
    db: &Db,
) -> anyhow::Result<(tls::Tls, Arc<DeviceTrust>)> {
    let tls = tls::load_or_generate(settings)?;
    for note in &tls.generated {
        tracing::info!("{note}");
    }
    if let Some(pem) = &tls.new_dev_ca {
        device::ca::register(db, pem, "generated development CA").await?;
    }
    let trust = Arc::new(device::ca::load_trust(db, tls.configured_cas.clone()).await?);
    if trust.anchors() == 0 {
        tracing::warn!(
            "no device CA is trusted: every phone will be refused (rcs device-ca add FILE)"
        );
    }
    Ok((tls, trust))
}

/// The periodic tasks of a node: housekeeping, and following the device CAs and the device
/// directory's version that other nodes and the command line move.
fn background(state: &web::Data<AppState>) -> Vec<tokio::task::JoinHandle<()>> {
    vec![
        tokio::spawn(housekeeping(state.clone())),
        tokio::spawn(device::ca::follow_trust(
            state.db.clone(),
            state.device.trust.clone(),
        )),
        tokio::spawn(device::directory::follow(
            state.db.clone(),
            state.device.directory.clone(),
        )),
    ]
}

/// The session token signer: the configured secret, or the one generated once and kept in
/// the database so that every node signs alike.
async fn session_tokens(settings: &Settings, db: &Db) -> anyhow::Result<Tokens> {
    let secret = match &settings.jwt_secret {
        Some(s) => s.clone(),
        None => SecretString::from(
            db::settings::get_or_init(db, "jwt_secret", jwt::generate_secret).await?,
        ),
    };
    Ok(Tokens::new(&secret, settings.token_ttl_secs))
}

/// The web application every listener serves: the API, the device routes, the API
/// reference and the web UI, behind the middleware every request passes.
fn app(
    state: web::Data<AppState>,
    listener: Listener,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let hsts = match (listener, state.settings.hsts_max_age_secs) {
        (Listener::Https, age) if age > 0 => Some(format!("max-age={age}")),
        _ => None,
    };
    App::new()
        .wrap(actix_web::middleware::from_fn(
            middleware::refuse_encoded_bodies,
        ))
        .wrap(actix_web::middleware::from_fn(
            middleware::device_answers_follow_changes,
        ))
        .wrap(actix_web::middleware::from_fn(metrics::track))
        .wrap(actix_web::middleware::from_fn(
            middleware::api_answers_are_not_stored,
        ))
        .wrap(Condition::new(
            hsts.is_some(),
            DefaultHeaders::new().add(("Strict-Transport-Security", hsts.unwrap_or_default())),
        ))
        .wrap(middleware::security_headers())
        .wrap(TracingLogger::<telemetry::RequestSpan>::new())
        // Outermost: the connection's time limits follow each request from its parsed head
        // to the end of its answer.
        .wrap(actix_web::middleware::from_fn(connection::track))
        .app_data(web::Data::from(state.metrics.clone()))
        .app_data(state)
        .app_data(middleware::json_config())
        .app_data(middleware::query_config())
        .app_data(middleware::path_config())
        .into_utoipa_app()
        .configure(routes::configure)
        .into_app()
        .configure(routes::api_docs::configure)
        .default_service(web::to(routes::web_ui::serve))
}

/// Serves [`app`] on the HTTPS listener (and the plain-HTTP one, when configured).
///
/// The listeners are assembled from actix-server, actix-tls and actix-http instead of
/// actix-web's HttpServer so that the TLS acceptor is ours: HttpServer drops a failed
/// handshake without a trace, and an operator whose phones cannot connect needs to see why
/// (rcs_tls_handshake_failures_total), and so that every accepted connection is wrapped in
/// [`Guarded`], which puts time limits on every phase of it (see [`crate::connection`]).
fn serve_app(
    state: &web::Data<AppState>,
    https: TcpListener,
    http: Option<TcpListener>,
    mut tls_config: rustls::ServerConfig,
) -> anyhow::Result<Server> {
    let settings = &state.settings;
    // TLS handshakes in progress at once, per worker (boot storms wait in the kernel).
    actix_tls::accept::max_concurrent_tls_connect(settings.max_tls_handshakes);
    let mut builder = actix_server::Server::build()
        .shutdown_timeout(30)
        .max_concurrent_connections(settings.max_connections);
    if settings.workers > 0 {
        builder = builder.workers(settings.workers);
    }
    let limits = Limits {
        connections: connection::Policy::new(settings, state.metrics.clone()),
        shutdown: builder.graceful_shutdown_signal(),
    };
    tls_config.alpn_protocols = vec![b"http/1.1".to_vec()];
    builder = listen_https(builder, https, state.clone(), tls_config, limits.clone())?;
    if let Some(http) = http {
        builder = listen_http(builder, http, state.clone(), limits)?;
    }
    Ok(builder.run())
}

/// The plain-HTTP listener, for a TLS-terminating proxy: guarded connections, without the
/// per-address limit (every connection comes from the proxy).
fn listen_http(
    builder: actix_server::ServerBuilder,
    listener: TcpListener,
    state: web::Data<AppState>,
    limits: Limits,
) -> std::io::Result<actix_server::ServerBuilder> {
    builder.listen("rcs-http", listener, move || {
        let policy = limits.connections.clone();
        let http = limits
            .http_service()
            .on_connect_ext(|io: &Guarded<TcpStream>, ext: &mut Extensions| {
                connection::on_connect(io, ext)
            })
            .finish(map_config(
                app(state.clone(), Listener::Http)
                    .into_factory()
                    .map_err(|e: actix_web::Error| e.error_response()),
                |_| AppConfig::default(),
            ));
        fn_service(move |io: TcpStream| {
            let guarded = policy.admit(io, false).map(|io| {
                let peer = io.peer_addr();
                (io, Protocol::Http1, peer)
            });
            std::future::ready(guarded.ok_or(()))
        })
        .and_then(http.map_err(|_| ()).map_init_err(|_| ()))
    })
}

/// The HTTPS listener: the per-address limit (before any handshake work), our TLS acceptor
/// (which counts failed handshakes by reason), the client's certificate chain kept with the
/// connection for the device routes, then HTTP/1.1.
fn listen_https(
    builder: actix_server::ServerBuilder,
    listener: TcpListener,
    state: web::Data<AppState>,
    tls_config: rustls::ServerConfig,
    limits: Limits,
) -> std::io::Result<actix_server::ServerBuilder> {
    builder.listen("rcs-https", listener, move || {
        let metrics = state.metrics.clone();
        let policy = limits.connections.clone();
        let mut acceptor = Acceptor::new(tls_config.clone());
        acceptor.set_handshake_timeout(limits.connections.header);
        let http = limits
            .http_service()
            .on_connect_ext(|io: &TlsStream<Guarded<TcpStream>>, ext: &mut Extensions| {
                connection::on_connect(io.get_ref().0, ext);
                if let Ok(local) = io.get_ref().0.get_ref().local_addr() {
                    ext.insert(ArrivedAt(local));
                }
                attach_peer_chain(io, ext)
            })
            // Links are built from public_url, never from this configuration's scheme.
            .finish(map_config(
                app(state.clone(), Listener::Https)
                    .into_factory()
                    .map_err(|e: actix_web::Error| e.error_response()),
                |_| AppConfig::default(),
            ));
        fn_service(move |io: TcpStream| std::future::ready(policy.admit(io, true).ok_or(())))
            .and_then(acceptor.map_init_err(|_| ()).map_err(move |e| {
                let reason = tls::handshake_failure_reason(&e);
                tracing::debug!(reason, "TLS handshake failed");
                metrics.tls_failure(reason);
            }))
            .and_then(|io: TlsStream<Guarded<TcpStream>>| async move {
                let peer = io.get_ref().0.peer_addr();
                Ok::<_, ()>((io, Protocol::Http1, peer))
            })
            .and_then(http.map_err(|_| ()).map_init_err(|_| ()))
    })
}

/// The plain-HTTP `/metrics` listener: this node's counters and the pool and queue gauges
/// at the moment of the scrape. It serves nothing else.
fn serve_metrics(state: &web::Data<AppState>, listener: &TcpListener) -> anyhow::Result<Server> {
    let state = state.clone();
    let scrape = move || {
        let state = state.clone();
        async move {
            let pool = &state.db.pool;
            let gauges = metrics::Gauges {
                pool_size: pool.size(),
                pool_idle: pool.num_idle(),
                pool_max: state.settings.database_max_connections,
                boot_events_queued: state.device.recorder.queued(),
            };
            metrics::exposition(&state.metrics, &gauges)
        }
    };
    Ok(
        HttpServer::new(move || App::new().route("/metrics", web::get().to(scrape.clone())))
            .workers(1)
            .disable_signals()
            .shutdown_timeout(1)
            .listen(listener.try_clone()?)?
            .run(),
    )
}

/// Keeps the certificate chain a client presented with its connection, for device routes.
fn attach_peer_chain(tls: &TlsStream<Guarded<TcpStream>>, ext: &mut Extensions) {
    let (_, session) = tls.get_ref();
    if let Some(chain) = session.peer_certificates() {
        ext.insert(PeerChain::new(
            chain.iter().map(|c| c.clone().into_owned()).collect(),
        ));
    }
}

/// What every listener's HTTP service shares: the connection limits, and the signal that
/// makes idle keep-alive connections close when a graceful shutdown begins.
#[derive(Clone)]
struct Limits {
    connections: Arc<connection::Policy>,
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
        let limits = &self.connections;
        // actix-http's own timers (the first request's head, idle keep-alive) are backstops
        // at twice the limits: the connection limits cut first, and count it.
        let keep_alive = match limits.keep_alive {
            Some(idle) => KeepAlive::Timeout(idle * 2),
            None => KeepAlive::Disabled,
        };
        HttpServiceBuilder::default()
            .client_request_timeout(limits.header * 2)
            .keep_alive(keep_alive)
            .client_disconnect_timeout(Duration::from_secs(5))
            .graceful_shutdown_signal(move || {
                let signal = shutdown.clone();
                async move { signal.notified().await }
            })
    }
}

/// Which listener an [`app`] serves: HSTS belongs on HTTPS only (a plain-HTTP listener sits
/// behind a TLS-terminating proxy, which sets its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listener {
    Https,
    Http,
}
