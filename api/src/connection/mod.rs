//! Time limits on every phase of every connection, and a limit on connections per client
//! address: without them a client that opens connections and then sends (or reads) slowly, or
//! not at all, holds a file descriptor for free, and enough of them exhaust the service.
//!
//! actix-http times only the first request's headers and the silence before a next request's
//! first byte: nothing limits the headers of later requests, a request body, or an answer the
//! client does not read. So the limits are ours, kept at two points that share one
//! [`Connection`] (atomics only; no lock on any read or write):
//!
//! - [`Guarded`] wraps every accepted TCP stream, below TLS. A read that has to wait arms a
//!   timer for the phase the connection is in: a request head, counted from its first byte
//!   (`request_timeout_secs`, for every request of a kept-alive connection), or idle between
//!   an answer and the next request (`keep_alive_secs`). A write that has to wait is held to
//!   the minimum answer rate. When a timer runs out the read or write fails with `TimedOut`
//!   and actix-http drops the connection at once.
//! - [`track`], the outermost middleware, marks the connection busy from the moment a head is
//!   parsed (a handler may legitimately not read for a long time: a big import, a slow
//!   database) until the answer's body is done, and holds the request body to its minimum
//!   rate while the handler waits for it.
//!
//! Connections refused for their address and every cut are counted in
//! `rcs_connections_cut_total{reason}`.

mod addresses;
mod io;
mod rate;
mod request;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;

use crate::config::Settings;
use crate::metrics::Metrics;

pub use io::Guarded;
pub use rate::Rate;
pub use request::{track, Answer};

use addresses::Addresses;

/// The limits of every connection, from the settings, with the per-address counts and the
/// counters the cuts go to. One per server, shared by all workers.
pub struct Policy {
    /// For each request's head, from its first byte.
    pub header: Duration,
    /// Idle between an answer and the next request; `None`: no keep-alive.
    pub keep_alive: Option<Duration>,
    pub body_rate: Option<Rate>,
    pub response_rate: Option<Rate>,
    addresses: Arc<Addresses>,
    metrics: Arc<Metrics>,
}

impl Policy {
    pub fn new(settings: &Settings, metrics: Arc<Metrics>) -> Arc<Policy> {
        let window = Duration::from_secs(settings.min_rate_window_secs.max(1));
        Arc::new(Policy {
            header: Duration::from_secs(settings.request_timeout_secs.max(1)),
            keep_alive: (settings.keep_alive_secs > 0)
                .then(|| Duration::from_secs(settings.keep_alive_secs)),
            body_rate: Rate::new(settings.request_body_min_bytes_per_sec, window),
            response_rate: Rate::new(settings.response_min_bytes_per_sec, window),
            addresses: Arc::new(Addresses::new(settings.max_connections_per_address)),
            metrics,
        })
    }

    /// An accepted connection, guarded; `None` (and the stream closed, by dropping it) when
    /// `per_address` and its address already has its share of connections.
    pub fn admit(self: &Arc<Self>, io: TcpStream, per_address: bool) -> Option<Guarded<TcpStream>> {
        let peer = io.peer_addr().ok();
        let slot = match peer {
            Some(peer) if per_address => match self.addresses.take(peer.ip()) {
                Ok(slot) => slot,
                Err(()) => {
                    tracing::debug!(%peer, "connection refused: too many from this address");
                    self.metrics.connection_cut("per_address_limit");
                    return None;
                }
            },
            _ => None,
        };
        Some(Guarded::new(io, peer, slot, Shared::new(self.clone())))
    }
}

/// Where a connection is, as far as time limits go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Phase {
    /// Accepted, TLS handshake under way (limited by the TLS acceptor).
    Handshake = 0,
    /// A request head is arriving: `Policy::header` from its first byte.
    Head = 1,
    /// A request is being handled or answered: no read limit (the body has its own).
    Request = 2,
    /// Between an answer and the next request's first byte: `Policy::keep_alive`.
    Idle = 3,
}

/// What the stream and the middleware know of one connection.
pub(crate) struct Shared {
    policy: Arc<Policy>,
    origin: Instant,
    phase: AtomicU8,
    /// When the phase began, in microseconds since `origin`.
    since_us: AtomicU64,
    cut: AtomicBool,
}

impl Shared {
    fn new(policy: Arc<Policy>) -> Arc<Shared> {
        Arc::new(Shared {
            policy,
            origin: Instant::now(),
            phase: AtomicU8::new(Phase::Handshake as u8),
            since_us: AtomicU64::new(0),
            cut: AtomicBool::new(false),
        })
    }

    fn enter(&self, phase: Phase) {
        let since = u64::try_from(self.origin.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.since_us.store(since, Ordering::Relaxed);
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

    fn phase(&self) -> (Phase, Instant) {
        let phase = match self.phase.load(Ordering::Relaxed) {
            0 => Phase::Handshake,
            1 => Phase::Head,
            2 => Phase::Request,
            _ => Phase::Idle,
        };
        let since = Duration::from_micros(self.since_us.load(Ordering::Relaxed));
        (phase, self.origin + since)
    }

    fn is_idle(&self) -> bool {
        self.phase.load(Ordering::Relaxed) == Phase::Idle as u8
    }

    /// Bytes arrived: after an answer, they are the next request's head.
    fn read_some(&self) {
        if self.is_idle() {
            self.enter(Phase::Head);
        }
    }

    /// The answer is done (its body handed to the socket's buffer, or dropped).
    fn answered(&self) {
        self.enter(Phase::Idle);
    }

    fn is_cut(&self) -> bool {
        self.cut.load(Ordering::Relaxed)
    }

    /// Cuts the connection for `reason`: counted once, and every later read or write fails.
    fn cut(&self, reason: &'static str) -> std::io::Error {
        if !self.cut.swap(true, Ordering::Relaxed) {
            tracing::debug!(reason, "connection cut");
            self.policy.metrics.connection_cut(reason);
        }
        cut_error()
    }
}

fn cut_error() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, "connection time limit")
}

/// The connection a request came on, for [`track`]: kept in the connection's data.
#[derive(Clone)]
pub struct Connection(Arc<Shared>);

/// For `on_connect_ext`: the HTTP service takes over the connection, so its first request's
/// head is now timed; the middleware finds the connection in the request's connection data.
pub fn on_connect<IO>(io: &Guarded<IO>, ext: &mut Extensions) {
    io.shared().enter(Phase::Head);
    ext.insert(Connection(io.shared().clone()));
}

/// A timer that is armed for one deadline at a time, allocated once per connection.
#[derive(Default)]
struct Timer(Option<std::pin::Pin<Box<tokio::time::Sleep>>>);

impl Timer {
    /// Ready once `deadline` has passed; otherwise the task is woken then.
    fn poll_until(
        &mut self,
        deadline: Instant,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        let deadline = tokio::time::Instant::from_std(deadline);
        let sleep = self
            .0
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if sleep.deadline() != deadline {
            sleep.as_mut().reset(deadline);
        }
        std::future::Future::poll(sleep.as_mut(), cx)
    }
}
