//! The boot recorder: phone contacts are written in batches by one background task.
//!
//! A boot answer must not wait for a database write: handlers queue the event and return.
//! The writer takes whatever has queued up (one event when idle, hundreds during a boot
//! storm) and writes it in one transaction, so a storm costs a few large writes instead of
//! thousands of small ones. After a batch of some size it waits a moment (`LINGER`) so the
//! next one gathers more: the cost of a commit is paid per commit, not per event. The queue
//! is bounded: when the database falls far behind, handlers wait for room rather than memory
//! growing without limit. A failed batch is kept and retried until it is written, and on
//! shutdown the queue is drained before the process exits, so an answered contact is not lost
//! to a database blip or a clean restart.
//!
//! Each batch also queues the webhook events of its contacts (`phone.boot`,
//! `phone.first_contact`, `phone.boot_refused`) in its own transaction, so a batch retried
//! after a failure queues them once; one query per batch finds the enabled webhooks, and
//! nothing more is done when there are none.

use std::collections::HashSet;
use std::time::Duration;

use rcs_shared::webhooks::{PhoneContactData, WebhookEventType};
use rcs_shared::BootOutcome;
use sqlx::AnyConnection;
use tokio::sync::mpsc;

use crate::db::boot_events::{self, NewBootEvent};
use crate::db::webhooks::{self, Subscriber};
use crate::db::{rfc3339, Db};
use crate::webhooks::{Event, Outbox};

/// Events waiting to be written before handlers have to wait.
const QUEUE: usize = 16_384;
/// Most events written in one transaction.
const BATCH: usize = 1_000;
/// A batch at least this large means phones are arriving faster than single writes ...
const BUSY: usize = 32;
/// ... and the writer then lets the next batch gather this long before taking it. Each
/// commit rewrites the same hot index pages (the newest events' leaves, the phones' rows), so
/// at tens of thousands of contacts a second, fewer and larger commits cost less in all:
/// the SQLite WAL's writes and PostgreSQL's flushes are per commit, not per row. A quiet
/// phone's single event is written at once; answers never wait for either.
const LINGER: Duration = Duration::from_millis(25);

/// The handlers' side of the queue. Cheap to clone.
#[derive(Clone)]
pub struct BootRecorder {
    tx: mpsc::Sender<NewBootEvent>,
}

impl BootRecorder {
    /// Starts the writer; it ends (after writing everything queued) once every
    /// `BootRecorder` clone is dropped.
    pub fn start(db: Db, outbox: Outbox) -> (BootRecorder, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let worker = tokio::spawn(write_batches(db, outbox, rx));
        (BootRecorder { tx }, worker)
    }

    /// Events queued and not yet taken by the writer.
    pub fn queued(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }

    /// Queues an event; waits only while the queue is full.
    pub async fn record(&self, event: NewBootEvent) {
        if self.tx.send(event).await.is_err() {
            // Only after shutdown began and the writer is gone; nothing left to do.
            tracing::warn!("boot event dropped: the recorder has stopped");
        }
    }
}

async fn write_batches(db: Db, outbox: Outbox, mut rx: mpsc::Receiver<NewBootEvent>) {
    let mut batch: Vec<NewBootEvent> = Vec::with_capacity(BATCH);
    loop {
        if batch.is_empty() && rx.recv_many(&mut batch, BATCH).await == 0 {
            return; // every sender is gone and the queue is empty
        }
        let mut delay = Duration::from_millis(100);
        loop {
            match write(&db, &outbox, &batch).await {
                Ok(queued) => {
                    if queued > 0 {
                        outbox.wake();
                    }
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, events = batch.len(), "cannot write boot events; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
        // A full batch leaves more waiting: the next is taken at once.
        let busy = (BUSY..BATCH).contains(&batch.len());
        batch.clear();
        if busy {
            tokio::time::sleep(LINGER).await;
        }
    }
}

/// Writes a batch and queues its webhook events in one transaction; answers how many
/// deliveries were queued. The events are worked out before the batch is written: whether a
/// boot or a phone was seen before is read from the rows the batch is about to change.
async fn write(db: &Db, outbox: &Outbox, batch: &[NewBootEvent]) -> sqlx::Result<usize> {
    let mut tx = db.begin_write().await?;
    let subscribers = outbox.subscribers(&mut tx, None).await?;
    let events = if subscribers.is_empty() {
        Vec::new()
    } else {
        contact_events(&mut tx, &subscribers, batch).await?
    };
    boot_events::insert(&mut tx, batch).await?;
    let queued = outbox.queue(&mut tx, &subscribers, &events).await?;
    tx.commit().await?;
    Ok(queued)
}

/// The webhook events of a batch, for the accounts that have a webhook: one `phone.boot` per
/// boot (a native boot's files are one boot, told when its history row is first written),
/// preceded by `phone.first_contact` when the phone was never seen, and one
/// `phone.boot_refused` per refused contact (or native boot) of a trusted sender.
async fn contact_events(
    conn: &mut AnyConnection,
    subscribers: &[Subscriber],
    batch: &[NewBootEvent],
) -> sqlx::Result<Vec<Event>> {
    let accounts: HashSet<i64> = subscribers.iter().map(|s| s.account_id).collect();
    let merged = boot_events::merge_boots(batch);
    let contacts: Vec<&NewBootEvent> = merged
        .iter()
        .filter(|e| e.account_id.is_some_and(|a| accounts.contains(&a)))
        .collect();
    let keys: Vec<&str> = contacts
        .iter()
        .filter_map(|e| e.boot_key.as_deref())
        .collect();
    let known: HashSet<String> = if keys.is_empty() {
        HashSet::new()
    } else {
        webhooks::known_boot_keys(conn, &keys)
            .await?
            .into_iter()
            .collect()
    };
    let contacts: Vec<(i64, &NewBootEvent)> = contacts
        .into_iter()
        .filter(|e| !e.boot_key.as_deref().is_some_and(|k| known.contains(k)))
        .filter_map(|e| Some((e.account_id?, e)))
        .collect();
    let mut answered: Vec<(i64, &str)> = contacts
        .iter()
        .filter(|(_, e)| is_answered(e.outcome))
        .map(|(a, e)| (*a, e.mac.as_str()))
        .collect();
    answered.sort_unstable();
    answered.dedup();
    let mut fresh: HashSet<(i64, String)> = if answered.is_empty() {
        HashSet::new()
    } else {
        webhooks::never_seen(conn, &answered)
            .await?
            .into_iter()
            .collect()
    };
    let mut events = Vec::new();
    for (account_id, e) in contacts {
        let event = |event_type| Event::new(account_id, event_type, e.at, contact_data(e));
        if e.outcome == BootOutcome::Refused {
            events.push(event(WebhookEventType::PhoneBootRefused));
        } else if is_answered(e.outcome) {
            if fresh.remove(&(account_id, e.mac.clone())) {
                events.push(event(WebhookEventType::PhoneFirstContact));
            }
            events.push(event(WebhookEventType::PhoneBoot));
        }
    }
    Ok(events)
}

/// Whether a contact was answered (a boot), rather than refused or of an unknown MAC.
fn is_answered(outcome: BootOutcome) -> bool {
    !matches!(outcome, BootOutcome::Refused | BootOutcome::Unknown)
}

/// What a contact event tells.
fn contact_data(e: &NewBootEvent) -> PhoneContactData {
    PhoneContactData {
        mac: rcs_shared::mac::pretty(&e.mac),
        at: rfc3339(e.at),
        addr: e.addr.clone(),
        vendor: e.vendor.clone(),
        model: e.model.clone(),
        firmware: e.firmware.clone(),
        outcome: e.outcome.as_str().to_string(),
        detail: e.detail.clone(),
    }
}
