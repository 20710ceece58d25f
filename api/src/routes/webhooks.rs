//! `/api/v1/webhooks`: the account's webhooks, their secrets and deliveries (Super User only,
//! from a session or a `super_user` API key).
//!
//! A User gets 403 on every route here; ids of other accounts' webhooks and deliveries answer
//! 404, as if they did not exist. Secrets are only in the answers of creation and rotation.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use rcs_shared::webhooks::{
    NewWebhook, Webhook, WebhookCreated, WebhookDeliveryPage, WebhookPatch,
};
use rcs_shared::ApiError;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::error::Result;
use crate::services::{webhooks, Actor};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(rotate_webhook_secret)
        .service(test_webhook)
        .service(list_webhook_deliveries)
        .service(resend_webhook_delivery);
}

/// The account's webhooks, by name. Secrets are never listed.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), responses(
    (status = 200, description = "The account's webhooks", body = Vec<Webhook>),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not a Super User", body = ApiError),
))]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<web::Json<Vec<Webhook>>> {
    Ok(web::Json(
        webhooks::list(&state.db, &Actor::from(&user)).await?,
    ))
}

/// Create a webhook. The answer carries its signing secret: the only time it is shown (see
/// also rotation).
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), request_body = NewWebhook, responses(
    (status = 201, description = "Created; `secret` is shown this once", body = WebhookCreated),
    (status = 400, description = "Malformed request body (an unknown event among them)", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not a Super User", body = ApiError),
    (status = 409, description = "A webhook of the account has that name (`webhook_name_taken`)", body = ApiError),
    (status = 422, description = "Invalid name (`invalid_webhook_name`), URL (`invalid_webhook_url`), a non-public address while `webhook_allow_private` is off (`webhook_address_not_allowed`), or no or repeated events (`invalid_webhook_events`)", body = ApiError),
))]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<NewWebhook>,
) -> Result<HttpResponse> {
    let allow_private = state.settings.webhook_allow_private;
    let created = webhooks::create(&state.db, &Actor::from(&user), &body, allow_private).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(created))
}

/// One webhook of the account (without its secret).
#[utoipa::path(tag = "webhooks", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The webhook", body = Webhook),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not a Super User", body = ApiError),
        (status = 404, description = "No such webhook in the account (`webhook_not_found`)", body = ApiError),
))]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<web::Json<Webhook>> {
    Ok(web::Json(
        webhooks::get(&state.db, &Actor::from(&user), *id).await?,
    ))
}

/// Change a webhook's name, URL, events or whether it is enabled: only the fields given. A
/// new URL applies to queued deliveries from their next attempt.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), request_body = WebhookPatch,
    params(("id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "Updated", body = Webhook),
        (status = 400, description = "Malformed request body (an unknown event among them)", body = ApiError),
        (status = 413, description = "The request body is too large", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not a Super User", body = ApiError),
        (status = 404, description = "No such webhook in the account (`webhook_not_found`)", body = ApiError),
        (status = 409, description = "Another webhook of the account has that name (`webhook_name_taken`)", body = ApiError),
        (status = 422, description = "Invalid name, URL, address or events (`invalid_webhook_name`, `invalid_webhook_url`, `webhook_address_not_allowed`, `invalid_webhook_events`)", body = ApiError),
))]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<WebhookPatch>,
) -> Result<web::Json<Webhook>> {
    let allow_private = state.settings.webhook_allow_private;
    let actor = Actor::from(&user);
    Ok(web::Json(
        webhooks::update(&state.db, &actor, *id, &body, allow_private).await?,
    ))
}

/// Delete a webhook with its queued and past deliveries: nothing more is sent to it.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not a Super User", body = ApiError),
        (status = 404, description = "No such webhook in the account (`webhook_not_found`)", body = ApiError),
))]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse> {
    webhooks::delete(&state.db, &Actor::from(&user), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate a webhook's signing secret: the answer carries the new one, shown this once. The
/// old secret signs nothing from now on (retries included).
#[utoipa::path(tag = "webhooks", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "Rotated; `secret` is shown this once", body = WebhookCreated),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not a Super User", body = ApiError),
        (status = 404, description = "No such webhook in the account (`webhook_not_found`)", body = ApiError),
))]
#[post("/webhooks/{id}/secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse> {
    let rotated = webhooks::rotate_secret(&state.db, &Actor::from(&user), *id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(rotated))
}

/// Send a `webhook.test` event to this webhook (whatever events it takes): queued now,
/// delivered (and retried) like any event.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 202, description = "Queued"),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not a Super User", body = ApiError),
        (status = 404, description = "No such webhook in the account (`webhook_not_found`)", body = ApiError),
        (status = 409, description = "The webhook is disabled (`webhook_disabled`) or its queue is full (`webhook_queue_full`); nothing was queued", body = ApiError),
))]
#[post("/webhooks/{id}/test")]
pub async fn test_webhook(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse> {
    let actor = Actor::from(&user);
    webhooks::send_test(&state.db, &state.webhooks, &actor, *id).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Which page of the deliveries to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// The `next_before` of the previous page.
    pub before: Option<i64>,
    /// Deliveries per page: 1 to 200, 50 when absent.
    pub limit: Option<i64>,
}

/// A webhook's deliveries, newest first, a page at a time: state, attempts, the last status,
/// error and latency, and the body exactly as signed. Finished ones are kept
/// `webhook_delivery_retention_days`.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id"), DeliveryQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = WebhookDeliveryPage),
        (status = 400, description = "Malformed query string", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not a Super User", body = ApiError),
        (status = 404, description = "No such webhook in the account (`webhook_not_found`)", body = ApiError),
        (status = 422, description = "`limit` outside 1..=200 (`invalid_limit`)", body = ApiError),
))]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    query: web::Query<DeliveryQuery>,
) -> Result<web::Json<WebhookDeliveryPage>> {
    let actor = Actor::from(&user);
    let page = webhooks::deliveries(&state.db, &actor, *id, query.before, query.limit).await?;
    Ok(web::Json(page))
}

/// Send a delivery again: the same event (same `webhook-id` and body) as a new delivery, its
/// attempts from zero and its retry window from now. It counts against the queue's bound.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Webhook id"),
        ("delivery_id" = i64, Path, description = "Delivery id"),
    ),
    responses(
        (status = 202, description = "Queued again"),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not a Super User", body = ApiError),
        (status = 404, description = "No such webhook in the account (`webhook_not_found`) or no such delivery of it (`delivery_not_found`)", body = ApiError),
        (status = 409, description = "The webhook is disabled (`webhook_disabled`) or its queue is full (`webhook_queue_full`); nothing was queued", body = ApiError),
))]
#[post("/webhooks/{id}/deliveries/{delivery_id}/resend")]
pub async fn resend_webhook_delivery(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse> {
    let actor = Actor::from(&user);
    let queue_max = state.settings.webhook_queue_max;
    let ids = path.into_inner();
    webhooks::resend(&state.db, &state.webhooks, &actor, ids, queue_max).await?;
    Ok(HttpResponse::Accepted().finish())
}
