//! The webhook events of phone changes (`phones.added`, `phones.removed`, `import.finished`),
//! queued in the change's transaction: a change and its events commit together or not at
//! all (a rolled-back change queues nothing), and a node's dispatcher delivers them from the
//! database, so a change made by the CLI is delivered by a running node.

use rcs_shared::webhooks::{ImportFinishedData, WebhookEventType};
use sqlx::AnyConnection;

use crate::db::webhooks::Subscriber;
use crate::error::Result;
use crate::services::Actor;
use crate::webhooks::{self, Event, Outbox};

/// The account's enabled webhooks when one of them takes one of `types`, otherwise none: a
/// change then skips collecting what the events would say (one cheap query when the account
/// has no webhook).
pub(super) async fn subscribers(
    conn: &mut AnyConnection,
    outbox: &Outbox,
    account_id: i64,
    types: &[WebhookEventType],
) -> Result<Vec<Subscriber>> {
    let subscribers = outbox.subscribers(conn, Some(account_id)).await?;
    let wanted = subscribers
        .iter()
        .any(|s| types.iter().any(|t| s.wants(*t)));
    Ok(if wanted { subscribers } else { Vec::new() })
}

/// Queues `phones.added` or `phones.removed` for `macs` (canonical spelling, at most 1,000
/// per event), by the actor; answers how many deliveries were queued.
pub(super) async fn phones_changed(
    conn: &mut AnyConnection,
    outbox: &Outbox,
    subscribers: &[Subscriber],
    actor: &Actor,
    event_type: WebhookEventType,
    macs: &[&str],
) -> Result<usize> {
    if subscribers.is_empty() || macs.is_empty() {
        return Ok(0);
    }
    let events = webhooks::phones_changed(actor.account_id, event_type, macs, &actor.name);
    Ok(outbox.queue(conn, subscribers, &events).await?)
}

/// Queues `phones.added` for the MACs an import created, then `import.finished` with its
/// counts; answers how many deliveries were queued.
pub(super) async fn import_finished(
    conn: &mut AnyConnection,
    outbox: &Outbox,
    subscribers: &[Subscriber],
    actor: &Actor,
    added_macs: &[&str],
    (added, updated): (u64, u64),
) -> Result<usize> {
    if subscribers.is_empty() {
        return Ok(0);
    }
    let added_type = WebhookEventType::PhonesAdded;
    let mut queued =
        phones_changed(conn, outbox, subscribers, actor, added_type, added_macs).await?;
    let data = ImportFinishedData {
        added: i64::try_from(added).unwrap_or(i64::MAX),
        updated: i64::try_from(updated).unwrap_or(i64::MAX),
        by: actor.name.clone(),
    };
    let event = Event::new(
        actor.account_id,
        WebhookEventType::ImportFinished,
        crate::db::now(),
        data,
    );
    queued += outbox.queue(conn, subscribers, &[event]).await?;
    Ok(queued)
}

/// Wakes this node's dispatcher after a commit that queued deliveries.
pub(crate) fn committed(outbox: &Outbox, queued: usize) {
    if queued > 0 {
        outbox.wake();
    }
}
