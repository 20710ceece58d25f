//! `/api/v1/admin/firmware`: the platform's firmware catalog, kept by the operator (upload,
//! list with the phones that depend on each release, remove).

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use rcs_shared::{AdminFirmwareRelease, ApiError};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::OperatorUser;
use crate::error::{Error, Result};
use crate::routes::body::{spool_limited, uploads_dir};
use crate::services::firmware::{self, Imported};
use crate::services::firmware_archive;
use crate::services::operators::OperatorActor;
use crate::state::AppState;
use crate::storage::BlobStore;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_firmware)
        .service(upload_firmware)
        .service(remove_firmware);
}

/// Every release of the catalog with the phones (of every account) pinned to it and those
/// whose last contact reported it.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 200, description = "The catalog", body = Vec<AdminFirmwareRelease>),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
))]
#[get("/firmware")]
pub async fn list_firmware(
    state: web::Data<AppState>,
    _operator: OperatorUser,
) -> Result<web::Json<Vec<AdminFirmwareRelease>>> {
    Ok(web::Json(firmware::console_list(&state.db).await?))
}

/// The release as the catalog now lists it.
async fn listed(state: &AppState, version: &str) -> Result<AdminFirmwareRelease> {
    firmware::console_list(&state.db)
        .await?
        .into_iter()
        .find(|r| r.release.version == version)
        .ok_or_else(|| anyhow::anyhow!("release {version} missing right after its import").into())
}

/// Upload a release: a `.tar`, `.tar.gz` or `.zip` of its folder (`manifest.toml` and one
/// image per model), as the raw body or the `file` field of a form, at most 512 MiB. It is
/// streamed to disk, unpacked defensively and checked exactly as `rcs firmware import` checks
/// a folder; nothing is stored unless every image matches its manifest. Uploading a release
/// already in the catalog with the identical manifest answers 200 and changes nothing.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    request_body(description = "The archive (tar, tar.gz or zip): the raw body, or the \
        `file` field of a form", content(
        (inline(crate::openapi::FileBody) = "application/octet-stream"),
        (crate::openapi::FileUpload = "multipart/form-data"),
    )),
    responses(
        (status = 200, description = "The identical release was already in the catalog", body = AdminFirmwareRelease),
        (status = 201, description = "Imported", body = AdminFirmwareRelease),
        (status = 400, description = "An unreadable body, or a form without a file (`missing_file`)", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
        (status = 409, description = "The version is in the catalog with another manifest (`firmware_exists`)", body = ApiError),
        (status = 413, description = "The upload is larger than `firmware_upload_max_bytes` (512 MiB)", body = ApiError),
        (status = 422, description = "Not an archive (`invalid_archive`); an entry with `..`, an absolute path, a link or a device (`unsafe_archive_entry`); more than twice the upload limit or 2,000 entries unpacked (`archive_too_large`); no `manifest.toml` (`missing_manifest`); a bad manifest (`invalid_firmware_manifest`), a release below the floor (`firmware_too_old`), an image missing (`firmware_file_missing`) or not matching its size and SHA-256 (`firmware_file_mismatch`)", body = ApiError),
))]
#[post("/firmware")]
pub async fn upload_firmware(
    req: HttpRequest,
    state: web::Data<AppState>,
    operator: OperatorUser,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let scratch = uploads_dir(&state.settings.data_dir).await?;
    // Removed when dropped: on success, on a refusal, or when the client goes away.
    let spooled = tempfile::Builder::new()
        .prefix("upload-")
        .tempfile_in(&scratch)
        .map_err(anyhow::Error::from)?;
    let mut out = tokio::fs::File::from_std(spooled.reopen().map_err(anyhow::Error::from)?);
    let max = state.settings.firmware_upload_max_bytes;
    let size = spool_limited(&req, payload, max, &mut out).await?;
    drop(out);
    if size == 0 {
        return Err(Error::unprocessable(
            "invalid_archive",
            "The upload is empty: send the release's archive.",
        ));
    }
    let store = BlobStore::new(&state.settings.data_dir);
    let actor = OperatorActor::from(&operator);
    let imported = firmware_archive::import_archive(
        &state.db,
        &store,
        &actor,
        spooled.path(),
        &scratch,
        max.saturating_mul(2),
    )
    .await?;
    let (status, version) = match imported {
        Imported::Added { version, .. } => (actix_web::http::StatusCode::CREATED, version),
        Imported::AlreadyImported { version } => (actix_web::http::StatusCode::OK, version),
    };
    let release = listed(&state, &version).await?;
    Ok(HttpResponse::build(status).json(release))
}

/// Remove a release, refused while any phone of any account is pinned to it. Its images stay
/// in the blob store (another release may share them).
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("version" = String, Path, description = "The release, such as `4.2.0.181`")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
        (status = 404, description = "No such release (`firmware_not_found`)", body = ApiError),
        (status = 409, description = "Phones are pinned to it (`firmware_in_use`; the message gives the count)", body = ApiError),
))]
#[delete("/firmware/{version}")]
pub async fn remove_firmware(
    state: web::Data<AppState>,
    operator: OperatorUser,
    version: web::Path<String>,
) -> Result<HttpResponse> {
    let actor = OperatorActor::from(&operator);
    firmware::remove(&state.db, &actor, version.trim()).await?;
    Ok(HttpResponse::NoContent().finish())
}
