//! `/api/v1/firmware`: the platform-wide firmware catalog, read-only for every signed-in user
//! (the operator curates it with `rcs firmware`).

use actix_web::{get, web};
use rcs_shared::{ApiError, FirmwareRelease};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::error::Result;
use crate::services::firmware;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_firmware);
}

/// Firmware releases phones can be pinned to, newest first (versions compared numerically
/// part by part), each with its images per model.
#[utoipa::path(tag = "firmware", security(("bearer" = [])), responses(
    (status = 200, description = "The catalog, newest release first", body = Vec<FirmwareRelease>),
    (status = 401, description = "Not logged in", body = ApiError),
))]
#[get("/firmware")]
pub async fn list_firmware(
    state: web::Data<AppState>,
    _user: AuthUser,
) -> Result<web::Json<Vec<FirmwareRelease>>> {
    Ok(web::Json(firmware::list(&state.db).await?))
}
