//! Webhooks: an account's endpoints that rcs calls when something happens (a phone's first
//! contact, a boot, a refusal, an import, phones added or removed), so a provider's systems can
//! act without polling.
//!
//! Deliveries follow the Standard Webhooks convention (<https://www.standardwebhooks.com/>): a
//! JSON body `{ "type", "timestamp", "data" }` and the headers `webhook-id` (the event's id, the
//! same on every retry), `webhook-timestamp` (Unix seconds) and `webhook-signature`
//! (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with the base64-decoded part
//! of the secret after `whsec_`).

use serde::{Deserialize, Serialize};

/// What a webhook can be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!("phone.first_contact")))]
pub enum WebhookEventType {
    /// A registered phone contacted rcs for the first time.
    #[serde(rename = "phone.first_contact")]
    PhoneFirstContact,
    /// A registered phone booted against rcs (every boot; a native boot of several files is
    /// one event).
    #[serde(rename = "phone.boot")]
    PhoneBoot,
    /// A contact about one of the account's phones was refused (certificate, MAC, file).
    #[serde(rename = "phone.boot_refused")]
    PhoneBootRefused,
    /// Phones were added (one by one, as a list, or by an import): their MACs.
    #[serde(rename = "phones.added")]
    PhonesAdded,
    /// Phones were removed: their MACs.
    #[serde(rename = "phones.removed")]
    PhonesRemoved,
    /// A CSV import finished (not a dry run): its counts.
    #[serde(rename = "import.finished")]
    ImportFinished,
    /// Sent by "Send test event"; never sent otherwise.
    #[serde(rename = "webhook.test")]
    WebhookTest,
}

impl WebhookEventType {
    /// Every type, in the order the web app lists them.
    pub const ALL: [WebhookEventType; 7] = [
        WebhookEventType::PhoneFirstContact,
        WebhookEventType::PhoneBoot,
        WebhookEventType::PhoneBootRefused,
        WebhookEventType::PhonesAdded,
        WebhookEventType::PhonesRemoved,
        WebhookEventType::ImportFinished,
        WebhookEventType::WebhookTest,
    ];

    /// The stored and serialized spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEventType::PhoneFirstContact => "phone.first_contact",
            WebhookEventType::PhoneBoot => "phone.boot",
            WebhookEventType::PhoneBootRefused => "phone.boot_refused",
            WebhookEventType::PhonesAdded => "phones.added",
            WebhookEventType::PhonesRemoved => "phones.removed",
            WebhookEventType::ImportFinished => "import.finished",
            WebhookEventType::WebhookTest => "webhook.test",
        }
    }

    /// Parses the stored spelling; anything else is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The wording of the web app.
    pub fn label(self) -> &'static str {
        match self {
            WebhookEventType::PhoneFirstContact => "Phone's first contact",
            WebhookEventType::PhoneBoot => "Every boot",
            WebhookEventType::PhoneBootRefused => "Boot refused",
            WebhookEventType::PhonesAdded => "Phones added",
            WebhookEventType::PhonesRemoved => "Phones removed",
            WebhookEventType::ImportFinished => "Import finished",
            WebhookEventType::WebhookTest => "Test event",
        }
    }
}

/// A webhook as listed by GET /api/v1/webhooks: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "id": 4, "name": "ticketing", "url": "https://hooks.example.net/rcs",
        "events": ["phone.first_contact", "phone.boot_refused"], "enabled": true,
        "created_by": "admin@example.com", "created_at": "2026-11-02T10:20:00Z",
        "pending": 0, "dropped": 0, "last_delivery_at": "2026-11-20T13:45:12Z",
        "last_delivery_ok": true
    }))
)]
pub struct Webhook {
    pub id: i64,
    /// 1 to 64 characters, unique in the account.
    pub name: String,
    /// `https://` (or `http://`) URL, at most 2,048 characters, without user or password.
    pub url: String,
    /// The events delivered; never empty.
    pub events: Vec<WebhookEventType>,
    /// A disabled webhook queues nothing.
    pub enabled: bool,
    /// The name of the user (or API key) that created it, as it was then.
    pub created_by: String,
    /// RFC 3339.
    pub created_at: String,
    /// Deliveries waiting (first attempt or retry).
    pub pending: i64,
    /// Events not queued because the queue was full (`webhook_queue_max` per webhook).
    pub dropped: i64,
    /// RFC 3339 of the last attempt; `null` before the first.
    pub last_delivery_at: Option<String>,
    /// Whether the last attempt was answered with a 2xx; `null` before the first.
    pub last_delivery_ok: Option<bool>,
}

/// Request body for POST /api/v1/webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "name": "ticketing", "url": "https://hooks.example.net/rcs",
        "events": ["phone.first_contact", "phone.boot_refused"]
    }))
)]
pub struct NewWebhook {
    pub name: String,
    pub url: String,
    pub events: Vec<WebhookEventType>,
    /// Default `true`.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// Request body for PATCH /api/v1/webhooks/{id}: only the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"enabled": false})))]
pub struct WebhookPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<WebhookEventType>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// Response body for POST /api/v1/webhooks and POST /api/v1/webhooks/{id}/secret: the
/// webhook and its signing secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "webhook": {
            "id": 4, "name": "ticketing", "url": "https://hooks.example.net/rcs",
            "events": ["phone.first_contact", "phone.boot_refused"], "enabled": true,
            "created_by": "admin@example.com", "created_at": "2026-11-02T10:20:00Z",
            "pending": 0, "dropped": 0, "last_delivery_at": null, "last_delivery_ok": null
        },
        "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    }))
)]
pub struct WebhookCreated {
    pub webhook: Webhook,
    /// `whsec_` then base64 of 32 random bytes: verify `webhook-signature` with it.
    pub secret: String,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!("delivered")))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its first attempt or for a retry.
    Pending,
    /// Answered with a 2xx.
    Delivered,
    /// Retried for `webhook_retry_for_secs` without a 2xx; not tried again unless re-sent.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(DeliveryState::Pending),
            "delivered" => Some(DeliveryState::Delivered),
            "failed" => Some(DeliveryState::Failed),
            _ => None,
        }
    }
}

/// One event's delivery to one webhook, with its last attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "id": 912, "event_id": "msg_2ZpQx7a1V0bKc9yT3wR5uE", "event_type": "phone.first_contact",
        "created_at": "2026-11-20T13:45:12Z", "state": "delivered", "attempts": 2,
        "last_attempt_at": "2026-11-20T13:45:18Z", "next_attempt_at": null,
        "last_status": 200, "last_error": null, "latency_ms": 84,
        "payload": "{\"type\":\"phone.first_contact\",\"timestamp\":\"2026-11-20T13:45:12Z\",\"data\":{\"mac\":\"00:08:5D:12:34:56\"}}"
    }))
)]
pub struct WebhookDelivery {
    pub id: i64,
    /// The event's id, sent as `webhook-id`: the same on every retry and re-send.
    pub event_id: String,
    pub event_type: WebhookEventType,
    /// RFC 3339: when the event happened.
    pub created_at: String,
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: i64,
    /// RFC 3339; `null` before the first attempt.
    pub last_attempt_at: Option<String>,
    /// RFC 3339 of the next attempt while pending; `null` otherwise.
    pub next_attempt_at: Option<String>,
    /// The HTTP status of the last attempt; `null` when none came (timeout, refused address,
    /// connection error).
    pub last_status: Option<i32>,
    /// Why the last attempt failed, in words; `null` after a 2xx.
    pub last_error: Option<String>,
    /// How long the last attempt took, in milliseconds.
    pub latency_ms: Option<i64>,
    /// The JSON body sent, exactly as signed.
    pub payload: String,
}

/// Response body for GET /api/v1/webhooks/{id}/deliveries: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "items": [{
            "id": 912, "event_id": "msg_2ZpQx7a1V0bKc9yT3wR5uE", "event_type": "webhook.test",
            "created_at": "2026-11-20T13:45:12Z", "state": "pending", "attempts": 1,
            "last_attempt_at": "2026-11-20T13:45:12Z", "next_attempt_at": "2026-11-20T13:45:17Z",
            "last_status": 500, "last_error": "answered 500 Internal Server Error", "latency_ms": 31,
            "payload": "{\"type\":\"webhook.test\",\"timestamp\":\"2026-11-20T13:45:12Z\",\"data\":{\"webhook\":\"ticketing\",\"by\":\"admin@example.com\"}}"
        }],
        "next_before": null
    }))
)]
pub struct WebhookDeliveryPage {
    pub items: Vec<WebhookDelivery>,
    /// Pass as `?before=` to get the next (older) page; `null` on the last page.
    pub next_before: Option<i64>,
}

/// The body of every delivery (Standard Webhooks): `data` depends on `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookPayload<T> {
    #[serde(rename = "type")]
    pub event_type: WebhookEventType,
    /// RFC 3339: when the event happened.
    pub timestamp: String,
    pub data: T,
}

/// `data` of `phone.first_contact`, `phone.boot` and `phone.boot_refused`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({
        "mac": "00:08:5D:12:34:56", "at": "2026-11-20T13:45:12Z", "addr": "203.0.113.7",
        "vendor": "aastra", "model": "6867i", "firmware": "5.1.0.2051",
        "outcome": "redirected", "detail": "aastra.cfg: redirected to Main PBX"
    }))
)]
pub struct PhoneContactData {
    /// Upper case, colon-separated: the list's spelling.
    pub mac: String,
    /// RFC 3339.
    pub at: String,
    pub addr: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    /// As in the boot history: `redirected`, `branding_sent`, `firmware_sent`, `unknown`,
    /// `refused`.
    pub outcome: String,
    pub detail: String,
}

/// `data` of `phones.added` and `phones.removed`: at most 1,000 MACs per event (a larger
/// change is several events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"macs": ["00:08:5D:12:34:56", "00:08:5D:12:34:57"], "by": "admin@example.com"}))
)]
pub struct PhonesChangedData {
    pub macs: Vec<String>,
    /// The user or API key that made the change.
    pub by: String,
}

/// `data` of `import.finished`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"added": 950, "updated": 50, "by": "inventory-sync"}))
)]
pub struct ImportFinishedData {
    pub added: i64,
    pub updated: i64,
    pub by: String,
}

/// `data` of `webhook.test`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"webhook": "ticketing", "by": "admin@example.com"})))]
pub struct WebhookTestData {
    pub webhook: String,
    pub by: String,
}
