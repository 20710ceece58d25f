//! `/api/v1/phones/{mac}/events`: a phone's boot history, newest first.

use actix_web::{get, web};
use rcs_shared::{ApiError, BootEventPage};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::error::{Error, Result};
use crate::services::phones::{self, parse_mac};
use crate::services::Actor;
use crate::state::AppState;

/// Events per page when `limit` is not given.
pub const DEFAULT_LIMIT: i64 = 50;
/// Most events per page.
pub const MAX_LIMIT: i64 = 500;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_events);
}

/// Which page of the history to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Events per page: 1 to 500, 50 when absent.
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The boot history of one phone of the account: every contact, newest first, a page at a
/// time. Events older than the configured retention are gone.
#[utoipa::path(tag = "phones", security(("bearer" = [])),
    params(("mac" = String, Path, description = "MAC in any usual spelling", example = "00:08:5D:1A:2B:3C"), EventQuery),
    responses(
    (status = 200, description = "A page of events", body = BootEventPage),
    (status = 400, description = "Malformed query string or cursor (`invalid_cursor`)", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 404, description = "No such phone in the account (`phone_not_found`)", body = ApiError),
    (status = 422, description = "Not a valid MAC (`invalid_mac`), or `limit` outside 1..=500 (`invalid_limit`)", body = ApiError),
))]
#[get("/phones/{mac}/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    user: AuthUser,
    mac: web::Path<String>,
    query: web::Query<EventQuery>,
) -> Result<web::Json<BootEventPage>> {
    let mac = parse_mac(&mac)?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::unprocessable(
            "invalid_limit",
            format!("limit must be between 1 and {MAX_LIMIT}."),
        ));
    }
    let before = match &query.cursor {
        None => None,
        Some(c) => Some(
            c.parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| Error::bad_request("invalid_cursor", "The cursor is not valid."))?,
        ),
    };
    let page = phones::events(&state.db, &Actor::from(&user), &mac, before, limit).await?;
    Ok(web::Json(page))
}
