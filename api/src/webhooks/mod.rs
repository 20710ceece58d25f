//! Webhooks: the delivery engine.
//!
//! Events are queued into `webhook_deliveries` in the transaction of the change that causes
//! them ([`Outbox`]: a change and its events commit together, or neither does), and a
//! background task on every node ([`dispatcher`]) delivers them: each webhook is leased to one
//! node at a time, its deliveries go out strictly in event order, signed ([`sign`]), through a
//! client that refuses private addresses when connecting ([`client`], [`address`]), retried
//! with exponential backoff until `webhook_retry_for_secs` after the event.

pub mod address;
pub mod client;
pub mod dispatcher;
pub mod sign;

use std::collections::HashMap;
use std::sync::Arc;

use rcs_shared::webhooks::{WebhookEventType, WebhookPayload};
use serde::Serialize;
use sqlx::AnyConnection;
use tokio::sync::Notify;

use crate::db::webhooks::{self, NewDelivery, Subscriber};
use crate::db::{self, rfc3339};
use crate::metrics::Metrics;

/// Most MACs in one `phones.added` or `phones.removed` event; a larger change is several.
pub const MACS_PER_EVENT: usize = 1_000;

/// An event about to be queued.
#[derive(Debug, Clone)]
pub struct Event {
    pub account_id: i64,
    pub event_type: WebhookEventType,
    /// Unix seconds: when it happened.
    pub at: i64,
    /// The JSON body, exactly as it will be signed and sent.
    pub payload: String,
}

impl Event {
    /// An event of `account_id` with `data`, happening at `at`.
    pub fn new<T: Serialize>(
        account_id: i64,
        event_type: WebhookEventType,
        at: i64,
        data: T,
    ) -> Event {
        let payload = WebhookPayload {
            event_type,
            timestamp: rfc3339(at),
            data,
        };
        Event {
            account_id,
            event_type,
            at,
            payload: serde_json::to_string(&payload).expect("payloads serialize"),
        }
    }
}

/// Queues events in the caller's transaction, and wakes this node's dispatcher once the
/// caller has committed. Cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    queue_max: i64,
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
}

impl Outbox {
    pub fn new(queue_max: u64, metrics: Arc<Metrics>) -> Outbox {
        Outbox {
            queue_max: i64::try_from(queue_max).unwrap_or(i64::MAX),
            wake: Arc::new(Notify::new()),
            metrics,
        }
    }

    /// What the dispatcher waits on.
    pub fn notified(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Tells this node's dispatcher that deliveries were committed.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The account's enabled webhooks (or every account's, with `None`).
    pub async fn subscribers(
        &self,
        conn: &mut AnyConnection,
        account_id: Option<i64>,
    ) -> sqlx::Result<Vec<Subscriber>> {
        webhooks::subscribers(conn, account_id).await
    }

    /// Queues each event for each of `subscribers` of its account that takes its type, in
    /// the caller's transaction; answers how many deliveries were queued. The caller calls
    /// [`Outbox::wake`] after committing.
    pub async fn queue(
        &self,
        conn: &mut AnyConnection,
        subscribers: &[Subscriber],
        events: &[Event],
    ) -> sqlx::Result<usize> {
        if subscribers.is_empty() || events.is_empty() {
            return Ok(0);
        }
        let mut per_webhook: HashMap<i64, Vec<NewDelivery>> = HashMap::new();
        let mut order = Vec::new();
        for event in events {
            for s in subscribers
                .iter()
                .filter(|s| s.account_id == event.account_id && s.wants(event.event_type))
            {
                let entry = per_webhook.entry(s.id).or_insert_with(|| {
                    order.push(s.id);
                    Vec::new()
                });
                entry.push(NewDelivery {
                    webhook_id: s.id,
                    account_id: s.account_id,
                    event_id: sign::generate_event_id(),
                    event_type: event.event_type.as_str(),
                    payload: event.payload.clone(),
                    created_at: event.at,
                });
            }
        }
        let mut queued = 0;
        // Webhooks in id order: concurrent writers lock their rows in the same order.
        order.sort_unstable();
        for id in order {
            let deliveries = &per_webhook[&id];
            let dropped = webhooks::enqueue(conn, id, deliveries, self.queue_max).await?;
            if dropped > 0 {
                tracing::warn!(
                    webhook_id = id,
                    dropped,
                    "webhook queue full: events dropped"
                );
                self.metrics
                    .webhook_dropped(u64::try_from(dropped).unwrap_or(0));
            }
            queued += deliveries.len() - usize::try_from(dropped).unwrap_or(0);
        }
        Ok(queued)
    }

    /// [`Outbox::queue`] for one account's events, reading its subscribers first (one query,
    /// and nothing else when the account has no webhook).
    pub async fn publish(
        &self,
        conn: &mut AnyConnection,
        account_id: i64,
        events: &[Event],
    ) -> sqlx::Result<usize> {
        if events.is_empty() {
            return Ok(0);
        }
        let subscribers = self.subscribers(conn, Some(account_id)).await?;
        self.queue(conn, &subscribers, events).await
    }
}

/// `phones.added` / `phones.removed` events for `macs` (canonical spelling), at most
/// [`MACS_PER_EVENT`] each.
pub fn phones_changed(
    account_id: i64,
    event_type: WebhookEventType,
    macs: &[&str],
    by: &str,
) -> Vec<Event> {
    let at = db::now();
    macs.chunks(MACS_PER_EVENT)
        .map(|chunk| {
            let data = rcs_shared::webhooks::PhonesChangedData {
                macs: chunk.iter().map(|m| rcs_shared::mac::pretty(m)).collect(),
                by: by.to_string(),
            };
            Event::new(account_id, event_type, at, data)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_changes_are_several_events_of_at_most_a_thousand_macs() {
        let macs: Vec<String> = (0..2_500).map(|i| format!("00085D{i:06X}")).collect();
        let macs: Vec<&str> = macs.iter().map(String::as_str).collect();
        let events = phones_changed(1, WebhookEventType::PhonesAdded, &macs, "a@b.c");
        assert_eq!(events.len(), 3);
        let body: serde_json::Value = serde_json::from_str(&events[2].payload).unwrap();
        assert_eq!(body["type"], "phones.added");
        assert_eq!(body["data"]["macs"].as_array().unwrap().len(), 500);
        assert_eq!(body["data"]["macs"][0], "00:08:5D:00:07:D0");
        assert_eq!(body["data"]["by"], "a@b.c");
    }
}
