//! The state every handler and background task shares, apart from how the application is
//! built and run (`startup`), so that routes, metrics and the device side depend on this small
//! module and not on the whole start-up sequence.

use std::sync::Arc;

use crate::auth::jwt::Tokens;
use crate::config::Settings;
use crate::db::Db;
use crate::device::Device;
use crate::mail::Mailer;
use crate::metrics::Metrics;

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
    pub metrics: Arc<Metrics>,
    /// Queues webhook events in the transaction of their change and wakes the dispatcher.
    pub webhooks: crate::webhooks::Outbox,
    /// One permit per CSV import this node may read and parse at once
    /// (`max_concurrent_imports`): N uploads in flight would otherwise hold N 64 MiB files.
    pub imports: Arc<tokio::sync::Semaphore>,
}
