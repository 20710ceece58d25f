//! `/api/v1/firmware`: the platform-wide firmware catalog, read-only for every signed-in user
//! (the operator curates it with `rcs firmware`).

use actix_web::{get, web};
use rcs_shared::{ApiError, FirmwareRelease};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::domain::Vendor;
use crate::error::{Error, Result};
use crate::services::firmware;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_firmware);
}

/// Which releases to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FirmwareQuery {
    /// Only this vendor's releases: `aastra` (or `mitel`), `yealink`, `snom`, `polycom` (or
    /// `poly`), `grandstream`.
    #[param(example = "yealink")]
    pub vendor: Option<String>,
}

/// Firmware releases phones can be pinned to, by vendor and newest first within a vendor
/// (versions compared numerically part by part), each with its images per model under the
/// vendor's file names. A phone may only be pinned to a release of its own vendor.
#[utoipa::path(tag = "firmware", security(("bearer" = [])), params(FirmwareQuery), responses(
    (status = 200, description = "The catalog, by vendor, newest release first", body = Vec<FirmwareRelease>),
    (status = 400, description = "Malformed query string", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 422, description = "`vendor` is not a vendor rcs knows (`invalid_vendor`)", body = ApiError),
))]
#[get("/firmware")]
pub async fn list_firmware(
    state: web::Data<AppState>,
    _user: AuthUser,
    query: web::Query<FirmwareQuery>,
) -> Result<web::Json<Vec<FirmwareRelease>>> {
    let vendor = query
        .vendor
        .as_deref()
        .map(Vendor::parse)
        .transpose()
        .map_err(|m| Error::unprocessable("invalid_vendor", m))?;
    Ok(web::Json(firmware::list(&state.db, vendor).await?))
}
