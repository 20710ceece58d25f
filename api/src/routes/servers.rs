//! `/api/v1/servers`: the configuration servers phones are redirected to.
//!
//! Any user of the account may manage servers. Ids of other accounts' servers answer 404, as
//! if they did not exist, so ids reveal nothing across accounts.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use rcs_shared::{ApiError, NewServer, Server, ServerPatch};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::error::{Error, Result};
use crate::services::servers::{self, OnAssignedPhones};
use crate::services::Actor;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_servers)
        .service(create_server)
        .service(get_server)
        .service(update_server)
        .service(delete_server);
}

/// The account's configuration servers, by name, with their phone counts.
#[utoipa::path(tag = "servers", security(("bearer" = [])), responses(
    (status = 200, description = "The account's servers", body = Vec<Server>),
    (status = 401, description = "Not logged in", body = ApiError),
))]
#[get("/servers")]
pub async fn list_servers(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<web::Json<Vec<Server>>> {
    Ok(web::Json(
        servers::list(&state.db, &Actor::from(&user)).await?,
    ))
}

/// Add a configuration server.
#[utoipa::path(tag = "servers", security(("bearer" = [])), request_body = NewServer, responses(
    (status = 201, description = "Created", body = Server),
    (status = 400, description = "Malformed request body", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 409, description = "The account already has a server of that name (`server_name_taken`)", body = ApiError),
    (status = 422, description = "Invalid name or URL (`invalid_server_name`, `invalid_server_url`)", body = ApiError),
))]
#[post("/servers")]
pub async fn create_server(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<NewServer>,
) -> Result<HttpResponse> {
    let server = servers::create(&state.db, &Actor::from(&user), &body).await?;
    Ok(HttpResponse::Created().json(server))
}

/// One configuration server of the account.
#[utoipa::path(tag = "servers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Server id")),
    responses(
        (status = 200, description = "The server", body = Server),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 404, description = "No such server in the account", body = ApiError),
))]
#[get("/servers/{id}")]
pub async fn get_server(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<web::Json<Server>> {
    Ok(web::Json(
        servers::get(&state.db, &Actor::from(&user), *id).await?,
    ))
}

/// Rename a server or change its URL; absent fields stay as they are.
#[utoipa::path(tag = "servers", security(("bearer" = [])), request_body = ServerPatch,
    params(("id" = i64, Path, description = "Server id")),
    responses(
        (status = 200, description = "Updated", body = Server),
        (status = 400, description = "Malformed request body", body = ApiError),
        (status = 413, description = "The request body is too large", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 404, description = "No such server in the account", body = ApiError),
        (status = 409, description = "The account already has a server of that name (`server_name_taken`)", body = ApiError),
        (status = 422, description = "Invalid name or URL (`invalid_server_name`, `invalid_server_url`)", body = ApiError),
))]
#[patch("/servers/{id}")]
pub async fn update_server(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<ServerPatch>,
) -> Result<web::Json<Server>> {
    let server = servers::update(&state.db, &Actor::from(&user), *id, &body).await?;
    Ok(web::Json(server))
}

/// What to do with the phones of a server being deleted.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteServerQuery {
    /// Move the server's phones to this other server of the account.
    pub reassign_to: Option<i64>,
    /// `true`: leave the server's phones unaffiliated.
    pub unassign: Option<bool>,
}

impl DeleteServerQuery {
    /// Both options at once is a contradiction, not a preference.
    fn on_assigned_phones(&self) -> Result<OnAssignedPhones> {
        match (self.reassign_to, self.unassign.unwrap_or(false)) {
            (Some(_), true) => Err(Error::unprocessable(
                "conflicting_options",
                "Give either reassign_to or unassign=true, not both.",
            )),
            (Some(id), false) => Ok(OnAssignedPhones::ReassignTo(id)),
            (None, true) => Ok(OnAssignedPhones::Unassign),
            (None, false) => Ok(OnAssignedPhones::Refuse),
        }
    }
}

/// Delete a server. While phones use it, this is refused with 409 and their count unless
/// `reassign_to` or `unassign=true` says what happens to them.
#[utoipa::path(tag = "servers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Server id"), DeleteServerQuery),
    responses(
        (status = 204, description = "Deleted (and its phones reassigned or unassigned)"),
        (status = 400, description = "Malformed query string", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 404, description = "No such server in the account", body = ApiError),
        (status = 409, description = "Phones use the server (`server_in_use`; the message gives the count)", body = ApiError),
        (status = 422, description = "`reassign_to` is not another server of the account, or both options were given", body = ApiError),
))]
#[delete("/servers/{id}")]
pub async fn delete_server(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    query: web::Query<DeleteServerQuery>,
) -> Result<HttpResponse> {
    let on_phones = query.on_assigned_phones()?;
    servers::delete(&state.db, &Actor::from(&user), *id, on_phones).await?;
    Ok(HttpResponse::NoContent().finish())
}
