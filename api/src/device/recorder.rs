//! The boot recorder: phone contacts are written in batches by one background task.
//!
//! A boot answer must not wait for a database write: handlers queue the event and return.
//! The writer takes whatever has queued up (one event when idle, hundreds during a boot
//! storm) and writes it in one transaction, so a storm costs a few large writes instead of
//! thousands of small ones. The queue is bounded: when the database falls far behind, handlers
//! wait for room rather than memory growing without limit. A failed batch is kept and retried
//! until it is written, and on shutdown the queue is drained before the process exits, so an
//! answered contact is not lost to a database blip or a clean restart.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::db::boot_events::{self, NewBootEvent};
use crate::db::Db;

/// Events waiting to be written before handlers have to wait.
const QUEUE: usize = 16_384;
/// Most events written in one transaction.
const BATCH: usize = 1_000;

/// The handlers' side of the queue. Cheap to clone.
#[derive(Clone)]
pub struct BootRecorder {
    tx: mpsc::Sender<NewBootEvent>,
}

impl BootRecorder {
    /// Starts the writer; it ends (after writing everything queued) once every
    /// `BootRecorder` clone is dropped.
    pub fn start(db: Db) -> (BootRecorder, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let worker = tokio::spawn(write_batches(db, rx));
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

async fn write_batches(db: Db, mut rx: mpsc::Receiver<NewBootEvent>) {
    let mut batch: Vec<NewBootEvent> = Vec::with_capacity(BATCH);
    loop {
        if batch.is_empty() && rx.recv_many(&mut batch, BATCH).await == 0 {
            return; // every sender is gone and the queue is empty
        }
        let mut delay = Duration::from_millis(100);
        loop {
            match write(&db, &batch).await {
                Ok(()) => break,
                Err(e) => {
                    tracing::warn!(error = %e, events = batch.len(), "cannot write boot events; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
        batch.clear();
    }
}

async fn write(db: &Db, batch: &[NewBootEvent]) -> sqlx::Result<()> {
    let mut tx = db.begin_write().await?;
    boot_events::insert(&mut tx, batch).await?;
    tx.commit().await
}
