//! `/api/v1/webhooks` (Super User): the account's webhooks, their secrets and deliveries.

use gloo_net::http::Method;
use rcs_shared::{NewWebhook, Webhook, WebhookCreated, WebhookDeliveryPage, WebhookPatch};

use super::api::{request, request_empty, with_query, Error, NO_BODY};

/// GET /api/v1/webhooks.
pub async fn list(token: String) -> Result<Vec<Webhook>, Error> {
    request(Method::GET, "/api/v1/webhooks", Some(&token), NO_BODY).await
}

/// GET /api/v1/webhooks/{id}.
pub async fn get(token: String, id: i64) -> Result<Webhook, Error> {
    let path = format!("/api/v1/webhooks/{id}");
    request(Method::GET, &path, Some(&token), NO_BODY).await
}

/// POST /api/v1/webhooks: the answer carries the signing secret, this once.
pub async fn create(token: &str, body: &NewWebhook) -> Result<WebhookCreated, Error> {
    request(Method::POST, "/api/v1/webhooks", Some(token), Some(body)).await
}

/// PATCH /api/v1/webhooks/{id}: the page reloads the list afterwards, so the answer is not
/// read.
pub async fn update(token: &str, id: i64, body: &WebhookPatch) -> Result<(), Error> {
    let path = format!("/api/v1/webhooks/{id}");
    request_empty(Method::PATCH, &path, token, Some(body)).await
}

/// DELETE /api/v1/webhooks/{id}.
pub async fn delete(token: &str, id: i64) -> Result<(), Error> {
    let path = format!("/api/v1/webhooks/{id}");
    request_empty(Method::DELETE, &path, token, NO_BODY).await
}

/// POST /api/v1/webhooks/{id}/secret: a new secret, shown this once.
pub async fn rotate_secret(token: &str, id: i64) -> Result<WebhookCreated, Error> {
    let path = format!("/api/v1/webhooks/{id}/secret");
    request(Method::POST, &path, Some(token), NO_BODY).await
}

/// POST /api/v1/webhooks/{id}/test: queues a `webhook.test` event (202).
pub async fn send_test(token: &str, id: i64) -> Result<(), Error> {
    let path = format!("/api/v1/webhooks/{id}/test");
    request_empty(Method::POST, &path, token, NO_BODY).await
}

/// GET /api/v1/webhooks/{id}/deliveries, newest first; `before` is the previous page's
/// `next_before`.
pub async fn deliveries(
    token: String,
    (id, before): (i64, Option<i64>),
) -> Result<WebhookDeliveryPage, Error> {
    let path = with_query(
        &format!("/api/v1/webhooks/{id}/deliveries"),
        &[("before", before.map(|b| b.to_string()))],
    );
    request(Method::GET, &path, Some(&token), NO_BODY).await
}

/// POST /api/v1/webhooks/{id}/deliveries/{delivery}/resend: queues it again (202).
pub async fn resend(token: &str, id: i64, delivery: i64) -> Result<(), Error> {
    let path = format!("/api/v1/webhooks/{id}/deliveries/{delivery}/resend");
    request_empty(Method::POST, &path, token, NO_BODY).await
}
