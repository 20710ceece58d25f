//! Webhooks of an account: listed, created, changed, deleted, their secrets rotated, test
//! events sent and deliveries re-sent, by its Super Users only (a webhook sends the
//! account's data to a URL of their choosing).
//!
//! What is saved is checked here: a name, an `http(s)` URL without credentials, and a
//! non-empty list of distinct events. Unless `webhook_allow_private` is on, a URL naming a
//! non-public address literally (or `localhost`) is refused when saved; names are checked
//! again at every connection by the delivery client (DNS may change). Every query is scoped
//! to the actor's account: another account's webhook is a 404, as if it did not exist.

use rcs_shared::webhooks::{
    NewWebhook, Webhook, WebhookCreated, WebhookDeliveryPage, WebhookEventType, WebhookPatch,
    WebhookTestData,
};

use super::Actor;
use crate::db::audit::{self, AuditEntry};
use crate::db::webhooks::{self, join_events, NewDelivery, Subscriber, WebhookRow, WebhookValues};
use crate::db::{now, Db};
use crate::error::{Error, Result, ResultExt};
use crate::webhooks::{address, client::literal_ip, sign, Event, Outbox};

/// Longest webhook name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Longest URL, in characters.
pub const MAX_URL_CHARS: usize = 2_048;
/// Deliveries per page when `limit` is not given, and at most.
pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// A name: trimmed, 1 to 64 characters, no control characters.
pub fn parse_name(input: &str) -> Result<String> {
    let name = input.trim();
    let len = name.chars().count();
    if len == 0 || len > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(Error::unprocessable(
            "invalid_webhook_name",
            format!("Name must be 1 to {MAX_NAME_CHARS} characters, without control characters."),
        ));
    }
    Ok(name.to_string())
}

/// A URL: trimmed, `http` or `https`, at most 2,048 characters, with a host and without user
/// or password; with `allow_private` off, not a non-public literal address nor `localhost`.
pub fn parse_url(input: &str, allow_private: bool) -> Result<String> {
    let text = input.trim();
    let invalid = |why: &str| {
        Error::unprocessable(
            "invalid_webhook_url",
            format!("URL must be an http:// or https:// address of at most {MAX_URL_CHARS} characters, with a host and without user or password: {why}."),
        )
    };
    if text.chars().count() > MAX_URL_CHARS {
        return Err(invalid("too long"));
    }
    let url = reqwest::Url::parse(text).map_err(|e| invalid(&e.to_string()))?;
    if !["http", "https"].contains(&url.scheme()) {
        return Err(invalid("another scheme"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("user or password given"));
    }
    if !allow_private {
        check_address(&url)?;
    }
    Ok(text.to_string())
}

/// Refuses a literal non-public address, and `localhost` (with or without its final dot, and
/// its subdomains), which always resolve to loopback.
fn check_address(url: &reqwest::Url) -> Result<()> {
    let not_allowed = |why: String| {
        Error::unprocessable(
            "webhook_address_not_allowed",
            format!("{why}: webhooks may not reach non-public addresses (webhook_allow_private is off)."),
        )
    };
    if let Some(ip) = literal_ip(url) {
        if let Some(why) = address::refused(ip) {
            return Err(not_allowed(format!("{ip} is {why}")));
        }
        return Ok(());
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    if host == "localhost" || host.ends_with(".localhost") {
        return Err(not_allowed(format!("{host} is a loopback name")));
    }
    Ok(())
}

/// The events: at least one, each once; stored comma-separated.
pub fn parse_events(events: &[WebhookEventType]) -> Result<String> {
    let mut seen = events.to_vec();
    seen.sort_unstable();
    seen.dedup();
    if events.is_empty() || seen.len() != events.len() {
        return Err(Error::unprocessable(
            "invalid_webhook_events",
            "Choose at least one event, each once.",
        ));
    }
    Ok(join_events(events))
}

fn webhook_not_found() -> Error {
    Error::not_found("webhook_not_found", "No such webhook in this account.")
}

fn name_taken(name: &str) -> Error {
    Error::conflict(
        "webhook_name_taken",
        format!("A webhook of this account is already named {name:?}."),
    )
}

fn queue_full() -> Error {
    Error::conflict(
        "webhook_queue_full",
        "The webhook's queue is full (webhook_queue_max deliveries wait): nothing was queued.",
    )
}

/// The account's webhooks by name; never a secret.
#[tracing::instrument(skip_all)]
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Webhook>> {
    actor.require_super_user()?;
    let rows = webhooks::list(db, actor.account_id).await?;
    Ok(rows.iter().map(WebhookRow::to_dto).collect())
}

/// One webhook of the account; never its secret.
#[tracing::instrument(skip(db, actor))]
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Webhook> {
    actor.require_super_user()?;
    let row = webhooks::find(&db.pool, actor.account_id, id)
        .await?
        .ok_or_else(webhook_not_found)?;
    Ok(row.to_dto())
}

/// Creates a webhook and its audit entry, and answers its secret: the only time it is shown
/// with [`rotate_secret`]. A name the account uses is a 409 decided by the unique index.
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &Db,
    actor: &Actor,
    new: &NewWebhook,
    allow_private: bool,
) -> Result<WebhookCreated> {
    actor.require_super_user()?;
    let name = parse_name(&new.name)?;
    let url = parse_url(&new.url, allow_private)?;
    let events = parse_events(&new.events)?;
    let values = WebhookValues {
        name: &name,
        url: &url,
        events: &events,
        enabled: new.enabled.unwrap_or(true),
    };
    let secret = sign::generate_secret();
    let mut tx = db.begin_write().await?;
    let id = webhooks::insert(
        &mut tx,
        actor.account_id,
        &values,
        &secret,
        &actor.name,
        now(),
    )
    .await
    .on_unique_violation(|| name_taken(&name))?;
    let detail = format!("{url}; {}", events.replace(',', ", "));
    audit::record(
        &mut *tx,
        actor.author(),
        AuditEntry::one("webhook.create", &name, &detail),
    )
    .await?;
    let row = webhooks::find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(webhook_not_found)?;
    tx.commit().await?;
    tracing::info!(webhook_id = id, "webhook created");
    Ok(WebhookCreated {
        webhook: row.to_dto(),
        secret,
    })
}

/// Changes the fields given; the audit entry lists what changed. Deliveries already queued
/// go to the new URL from their next attempt.
#[tracing::instrument(skip(db, actor, patch))]
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    patch: &WebhookPatch,
    allow_private: bool,
) -> Result<Webhook> {
    actor.require_super_user()?;
    let name = patch.name.as_deref().map(parse_name).transpose()?;
    let url = patch
        .url
        .as_deref()
        .map(|u| parse_url(u, allow_private))
        .transpose()?;
    let events = patch.events.as_deref().map(parse_events).transpose()?;
    let mut tx = db.begin_write().await?;
    let old = webhooks::find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(webhook_not_found)?;
    let values = WebhookValues {
        name: name.as_deref().unwrap_or(&old.name),
        url: url.as_deref().unwrap_or(&old.url),
        events: events.as_deref().unwrap_or(&old.events),
        enabled: patch.enabled.unwrap_or(old.enabled != 0),
    };
    webhooks::update(&mut tx, actor.account_id, id, &values)
        .await
        .on_unique_violation(|| name_taken(values.name))?;
    let detail = describe_changes(&old, &values);
    let entry = AuditEntry::one("webhook.update", values.name, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    let row = webhooks::find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(webhook_not_found)?;
    tx.commit().await?;
    Ok(row.to_dto())
}

/// `name: "a" -> "b"; ...` for the audit trail, or `no change`.
fn describe_changes(old: &WebhookRow, new: &WebhookValues<'_>) -> String {
    let mut changes = Vec::new();
    if old.name != new.name {
        changes.push(format!("name: {:?} -> {:?}", old.name, new.name));
    }
    if old.url != new.url {
        changes.push(format!("url: {:?} -> {:?}", old.url, new.url));
    }
    if old.events != new.events {
        changes.push(format!("events: {} -> {}", old.events, new.events));
    }
    if (old.enabled != 0) != new.enabled {
        let now = if new.enabled { "enabled" } else { "disabled" };
        changes.push(now.to_string());
    }
    audit::describe(changes)
}

/// Deletes a webhook with its queued and past deliveries.
#[tracing::instrument(skip(db, actor))]
pub async fn delete(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    actor.require_super_user()?;
    let mut tx = db.begin_write().await?;
    let old = webhooks::find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(webhook_not_found)?;
    webhooks::delete(&mut tx, actor.account_id, id).await?;
    let entry = AuditEntry::one("webhook.delete", &old.name, &old.url);
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces the secret and answers the new one, shown this once: the next attempt (a retry
/// too) is signed with it, and the old one signs nothing any more.
#[tracing::instrument(skip(db, actor))]
pub async fn rotate_secret(db: &Db, actor: &Actor, id: i64) -> Result<WebhookCreated> {
    actor.require_super_user()?;
    let secret = sign::generate_secret();
    let mut tx = db.begin_write().await?;
    let row = webhooks::find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(webhook_not_found)?;
    webhooks::set_secret(&mut tx, actor.account_id, id, &secret).await?;
    let entry = AuditEntry::one("webhook.rotate_secret", &row.name, "new signing secret");
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    Ok(WebhookCreated {
        webhook: row.to_dto(),
        secret,
    })
}

/// Queues a `webhook.test` event for this webhook alone (whatever events it takes), through
/// the outbox in one transaction with its audit entry. A disabled webhook sends nothing, so
/// it is refused (409 `webhook_disabled`), as is a full queue (409 `webhook_queue_full`).
#[tracing::instrument(skip(db, outbox, actor))]
pub async fn send_test(db: &Db, outbox: &Outbox, actor: &Actor, id: i64) -> Result<()> {
    actor.require_super_user()?;
    let mut tx = db.begin_write().await?;
    let row = webhooks::find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(webhook_not_found)?;
    refuse_disabled(&row)?;
    let data = WebhookTestData {
        webhook: row.name.clone(),
        by: actor.name.clone(),
    };
    let event = Event::new(actor.account_id, WebhookEventType::WebhookTest, now(), data);
    let only_this = Subscriber {
        id,
        account_id: actor.account_id,
        events: WebhookEventType::WebhookTest.as_str().to_string(),
    };
    if outbox.queue(&mut tx, &[only_this], &[event]).await? == 0 {
        return Err(queue_full());
    }
    let entry = AuditEntry::one("webhook.test", &row.name, "test event queued");
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    outbox.wake();
    Ok(())
}

fn refuse_disabled(row: &WebhookRow) -> Result<()> {
    if row.enabled == 0 {
        return Err(Error::conflict(
            "webhook_disabled",
            "The webhook is disabled: enable it first.",
        ));
    }
    Ok(())
}

/// A page of the webhook's deliveries, newest first, older than `before` when given.
#[tracing::instrument(skip(db, actor))]
pub async fn deliveries(
    db: &Db,
    actor: &Actor,
    id: i64,
    before: Option<i64>,
    limit: Option<i64>,
) -> Result<WebhookDeliveryPage> {
    actor.require_super_user()?;
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::unprocessable(
            "invalid_limit",
            format!("limit must be between 1 and {MAX_LIMIT}."),
        ));
    }
    webhooks::find(&db.pool, actor.account_id, id)
        .await?
        .ok_or_else(webhook_not_found)?;
    let rows = webhooks::page(db, actor.account_id, id, before, limit).await?;
    let next_before = match rows.last() {
        Some(last) if rows.len() as i64 == limit => Some(last.id),
        _ => None,
    };
    Ok(WebhookDeliveryPage {
        items: rows.iter().map(|r| r.to_dto()).collect(),
        next_before,
    })
}

/// Queues a delivery again: the same event (`webhook-id`) and body, its attempts from zero
/// and its retry window from now. It counts against the queue's bound like any event (a full
/// queue is a 409 and queues nothing).
#[tracing::instrument(skip(db, outbox, actor))]
pub async fn resend(
    db: &Db,
    outbox: &Outbox,
    actor: &Actor,
    (id, delivery_id): (i64, i64),
    queue_max: u64,
) -> Result<()> {
    actor.require_super_user()?;
    let mut tx = db.begin_write().await?;
    let row = webhooks::find(&mut *tx, actor.account_id, id)
        .await?
        .ok_or_else(webhook_not_found)?;
    refuse_disabled(&row)?;
    let old = webhooks::find_delivery(&mut tx, actor.account_id, id, delivery_id)
        .await?
        .ok_or_else(|| {
            Error::not_found("delivery_not_found", "No such delivery of this webhook.")
        })?;
    let again = NewDelivery {
        webhook_id: id,
        account_id: actor.account_id,
        event_id: old.event_id.clone(),
        event_type: WebhookEventType::parse(&old.event_type)
            .unwrap_or(WebhookEventType::WebhookTest)
            .as_str(),
        payload: old.payload,
        created_at: now(),
    };
    let queue_max = i64::try_from(queue_max).unwrap_or(i64::MAX);
    if webhooks::enqueue(&mut tx, id, &[again], queue_max).await? > 0 {
        return Err(queue_full());
    }
    let detail = format!("delivery {delivery_id} ({}) queued again", old.event_id);
    let entry = AuditEntry::one("webhook.resend", &row.name, &detail);
    audit::record(&mut *tx, actor.author(), entry).await?;
    tx.commit().await?;
    outbox.wake();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<String>) -> &'static str {
        match r {
            Err(Error::Unprocessable(code, _)) => code,
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn urls_are_http_with_a_host_and_no_credentials() {
        assert!(parse_url(" https://hooks.example.net/rcs ", false).is_ok());
        assert!(parse_url("http://hooks.example.net:8080/x?y=1", false).is_ok());
        for bad in [
            "ftp://hooks.example.net/",
            "hooks.example.net",
            "https://user:pw@hooks.example.net/",
            "https://user@hooks.example.net/",
            "file:///etc/passwd",
        ] {
            assert_eq!(code(parse_url(bad, false)), "invalid_webhook_url", "{bad}");
        }
        let long = format!("https://hooks.example.net/{}", "a".repeat(MAX_URL_CHARS));
        assert_eq!(code(parse_url(&long, false)), "invalid_webhook_url");
    }

    #[test]
    fn non_public_addresses_are_refused_unless_allowed() {
        for bad in [
            "http://127.0.0.1:8080/",
            "http://[::1]/",
            "http://[::ffff:10.0.0.1]/",
            "http://169.254.169.254/latest",
            "http://localhost/",
            "http://LOCALHOST./",
            "http://api.localhost/",
            "http://0x7f000001/",
        ] {
            assert_eq!(
                code(parse_url(bad, false)),
                "webhook_address_not_allowed",
                "{bad}"
            );
            assert!(parse_url(bad, true).is_ok(), "{bad}");
        }
    }

    #[test]
    fn names_and_events_are_checked() {
        assert_eq!(parse_name("  ticketing ").unwrap(), "ticketing");
        assert_eq!(code(parse_name(" ")), "invalid_webhook_name");
        assert_eq!(code(parse_name(&"x".repeat(65))), "invalid_webhook_name");
        assert_eq!(code(parse_name("a\u{7}b")), "invalid_webhook_name");
        let boot = WebhookEventType::PhoneBoot;
        assert_eq!(code(parse_events(&[])), "invalid_webhook_events");
        assert_eq!(code(parse_events(&[boot, boot])), "invalid_webhook_events");
        assert_eq!(parse_events(&[boot]).unwrap(), "phone.boot");
    }
}
