//! The dispatcher: one background task per node that delivers queued events.
//!
//! It asks the database which webhooks have a delivery due at the head of their queue, takes
//! a lease on each it will serve (an `UPDATE` that only succeeds when no other node holds a
//! live lease: with several nodes on one PostgreSQL, exactly one delivers a webhook's events
//! at a time, so each event goes out once, not once per node), and serves up to
//! [`CONCURRENCY`] webhooks at once. A webhook's deliveries go out strictly in event order: a
//! delivery waiting for a retry holds the later ones back, so receivers see events in the
//! order they happened. It wakes when this node queued something, and otherwise looks every
//! `webhook_poll_ms` (for other nodes' events and for retries coming due). Memory stays
//! bounded: deliveries are read [`BATCH`] at a time.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use rand::distributions::{Alphanumeric, DistString};
use rcs_shared::webhooks::DeliveryState;
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

use super::client::{Client, Request};
use super::sign;
use crate::config::Settings;
use crate::db::webhooks::{self, AttemptResult, DeliveryRow, Target};
use crate::db::{self, Db};
use crate::metrics::Metrics;

/// Webhooks served at once by one node.
pub const CONCURRENCY: usize = 8;
/// Deliveries read at a time for one webhook.
const BATCH: i64 = 50;
/// The longest wait between attempts, in seconds.
const MAX_BACKOFF_SECS: i64 = 3_600;

/// What the dispatcher needs, shared by its tasks.
struct Context {
    db: Db,
    client: Client,
    metrics: Arc<Metrics>,
    /// This process's name in `lease_node`: random, so two processes never share leases.
    node: String,
    lease_secs: i64,
    backoff_secs: i64,
    retry_for_secs: i64,
}

/// A running dispatcher: [`Dispatcher::stop`] ends it after the attempts in progress.
pub struct Dispatcher {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Dispatcher {
    /// Starts the dispatcher of this node.
    pub fn start(
        db: Db,
        settings: &Settings,
        metrics: Arc<Metrics>,
        wake: Arc<Notify>,
    ) -> anyhow::Result<Dispatcher> {
        let timeout = Duration::from_secs(settings.webhook_timeout_secs);
        let context = Arc::new(Context {
            db,
            client: Client::new(timeout, settings.webhook_allow_private)?,
            metrics,
            node: Alphanumeric.sample_string(&mut rand::rngs::OsRng, 16),
            lease_secs: i64::try_from(settings.webhook_timeout_secs).unwrap_or(3_600) + 30,
            backoff_secs: i64::try_from(settings.webhook_backoff_secs).unwrap_or(5),
            retry_for_secs: i64::try_from(settings.webhook_retry_for_secs).unwrap_or(86_400),
        });
        let poll = Duration::from_millis(settings.webhook_poll_ms);
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(context, wake, poll, stopped));
        Ok(Dispatcher { stop, task })
    }

    /// Stops taking work, lets the attempts in progress finish (within `grace`), gives the
    /// leases back, and returns.
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        let mut task = self.task;
        if tokio::time::timeout(grace, &mut task).await.is_err() {
            tracing::warn!(
                "webhook deliveries still in progress at shutdown; they will be retried"
            );
            task.abort();
        }
    }
}

async fn run(
    context: Arc<Context>,
    wake: Arc<Notify>,
    poll: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut tasks: JoinSet<i64> = JoinSet::new();
    let mut busy: HashSet<i64> = HashSet::new();
    while !*stop.borrow() {
        claim(&context, &mut tasks, &mut busy, &stop).await;
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(poll) => {}
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                if let Ok(id) = done {
                    busy.remove(&id);
                }
            }
            _ = stop.changed() => {}
        }
    }
    while tasks.join_next().await.is_some() {}
}

/// Leases due webhooks while there is room, and starts serving each.
async fn claim(
    context: &Arc<Context>,
    tasks: &mut JoinSet<i64>,
    busy: &mut HashSet<i64>,
    stop: &watch::Receiver<bool>,
) {
    // A finished task's id may not have been collected yet.
    while let Some(Ok(id)) = tasks.try_join_next() {
        busy.remove(&id);
    }
    let free = CONCURRENCY.saturating_sub(tasks.len());
    if free == 0 {
        return;
    }
    let now = db::now();
    let due = match webhooks::due(&context.db, now, (CONCURRENCY * 2) as i64).await {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read due webhook deliveries");
            return;
        }
    };
    let candidates: Vec<i64> = due
        .into_iter()
        .filter(|id| !busy.contains(id))
        .take(free)
        .collect();
    for id in candidates {
        match webhooks::lease(
            &context.db,
            id,
            &context.node,
            now,
            now + context.lease_secs,
        )
        .await
        {
            Ok(true) => {
                busy.insert(id);
                let (context, stop) = (context.clone(), stop.clone());
                tasks.spawn(async move {
                    serve(&context, id, &stop).await;
                    if let Err(e) = webhooks::release(&context.db, id, &context.node).await {
                        tracing::warn!(error = %e, webhook_id = id, "cannot release a webhook lease");
                    }
                    id
                });
            }
            Ok(false) => {} // another node serves it
            Err(e) => tracing::warn!(error = %e, "cannot lease a webhook"),
        }
    }
}

/// Delivers a leased webhook's due deliveries in order, until its queue is empty, its head
/// waits for a retry, the lease is lost, or the node stops.
async fn serve(context: &Context, id: i64, stop: &watch::Receiver<bool>) {
    loop {
        let batch = match webhooks::pending(&context.db, id, BATCH).await {
            Ok(batch) if !batch.is_empty() => batch,
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(error = %e, webhook_id = id, "cannot read webhook deliveries");
                return;
            }
        };
        for delivery in &batch {
            let now = db::now();
            if *stop.borrow() || delivery.next_attempt_at.unwrap_or(0) > now {
                return; // the head waits: later deliveries wait behind it
            }
            let until = now + context.lease_secs;
            match webhooks::lease(&context.db, id, &context.node, now, until).await {
                Ok(true) => {}
                Ok(false) => return, // lost (a long pause): another node carries on
                Err(e) => {
                    tracing::warn!(error = %e, webhook_id = id, "cannot renew a webhook lease");
                    return;
                }
            }
            // Read at every attempt: a rotated secret or a new URL applies at once.
            let target = match webhooks::target(&context.db, id).await {
                Ok(Some(target)) if target.enabled != 0 => target,
                Ok(_) => return,
                Err(e) => {
                    tracing::warn!(error = %e, webhook_id = id, "cannot read a webhook");
                    return;
                }
            };
            if !attempt(context, id, &target, delivery).await {
                return;
            }
        }
    }
}

/// One attempt, recorded; true when the delivery is finished (delivered, or failed for good)
/// and the next one may go.
async fn attempt(context: &Context, id: i64, target: &Target, d: &DeliveryRow) -> bool {
    let at = db::now();
    let Some(signature) = sign::signature(&target.secret, &d.event_id, at, &d.payload) else {
        tracing::error!(webhook_id = id, "a webhook's secret is not one rcs made");
        return false;
    };
    let outcome = context
        .client
        .send(&Request {
            url: &target.url,
            event_id: &d.event_id,
            timestamp: at,
            signature: &signature,
            body: &d.payload,
        })
        .await;
    let next = at + backoff(context.backoff_secs, d.attempts + 1);
    let (state, next_attempt_at, result) = if outcome.ok() {
        (DeliveryState::Delivered, None, "delivered")
    } else if next > d.created_at + context.retry_for_secs {
        (DeliveryState::Failed, None, "failed")
    } else {
        (DeliveryState::Pending, Some(next), "retry")
    };
    let recorded = webhooks::record_attempt(
        &context.db,
        &AttemptResult {
            id: d.id,
            webhook_id: id,
            state,
            at,
            next_attempt_at,
            status: outcome.status.map(i64::from),
            error: outcome.error.as_deref(),
            latency_ms: outcome.latency_ms,
        },
    )
    .await;
    context.metrics.webhook_delivery(result);
    if let Some(error) = &outcome.error {
        tracing::info!(webhook_id = id, delivery_id = d.id, attempts = d.attempts + 1, error = %error, result, "webhook delivery not accepted");
    }
    match recorded {
        Ok(()) => state != DeliveryState::Pending,
        Err(e) => {
            tracing::warn!(error = %e, webhook_id = id, "cannot record a webhook attempt");
            false
        }
    }
}

/// The wait after the `attempts`-th failed attempt: `base`, doubling, at most an hour.
pub fn backoff(base: i64, attempts: i64) -> i64 {
    let doublings = u32::try_from((attempts - 1).clamp(0, 20)).unwrap_or(20);
    base.max(0)
        .saturating_mul(1_i64 << doublings)
        .min(MAX_BACKOFF_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(5, 1), 5);
        assert_eq!(backoff(5, 2), 10);
        assert_eq!(backoff(5, 3), 20);
        assert_eq!(backoff(5, 10), 2_560);
        assert_eq!(backoff(5, 11), 3_600);
        assert_eq!(backoff(5, 1_000), 3_600);
        assert_eq!(backoff(0, 4), 0);
    }
}
