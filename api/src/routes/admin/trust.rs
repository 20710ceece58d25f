//! `/api/v1/admin/device-cas` and `/api/v1/admin/device-crls`: which phone certificates rcs
//! trusts. Every node follows a change within seconds, as after `rcs device-ca`.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use rcs_shared::{ApiError, DeviceCa, DeviceCasAdded, DeviceCrl};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::OperatorUser;
use crate::db::device_crls::Stored;
use crate::error::{Error, Result};
use crate::routes::body::read_limited;
use crate::services::device_trust;
use crate::services::operators::OperatorActor;
use crate::state::AppState;

/// A CA bundle or a revocation list is a few kilobytes; a large CRL a few megabytes.
const MAX_TRUST_UPLOAD: usize = 8 * 1024 * 1024;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_device_cas)
        .service(add_device_cas)
        .service(remove_device_ca)
        .service(list_device_crls)
        .service(add_device_crl)
        .service(remove_device_crl);
}

/// The CAs whose phone certificates rcs trusts (besides the configured `device_ca` bundle),
/// oldest first.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 200, description = "The trusted CAs", body = Vec<DeviceCa>),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
))]
#[get("/device-cas")]
pub async fn list_device_cas(
    state: web::Data<AppState>,
    _operator: OperatorUser,
) -> Result<web::Json<Vec<DeviceCa>>> {
    let rows = device_trust::list_cas(&state.db).await?;
    Ok(web::Json(rows.iter().map(device_trust::ca_dto).collect()))
}

/// Trust the CA certificates of a PEM bundle (the raw body or the `file` field of a form).
/// Nothing is added when one certificate of the bundle is unusable.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    request_body(description = "One or more PEM certificates: the raw body (read as the \
        bundle whatever its content type, `application/x-pem-file` being the usual one), or \
        the `file` field of a form", content(
        (inline(crate::openapi::FileBody) = "application/octet-stream"),
        (crate::openapi::FileUpload = "multipart/form-data"),
    )),
    responses(
        (status = 200, description = "The CAs added, and how many were trusted already", body = DeviceCasAdded),
        (status = 400, description = "An unreadable body, or a form without a file (`missing_file`)", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
        (status = 413, description = "Larger than 8 MiB", body = ApiError),
        (status = 422, description = "Not PEM, no certificate, not a CA, or expired (`invalid_device_ca`)", body = ApiError),
))]
#[post("/device-cas")]
pub async fn add_device_cas(
    req: HttpRequest,
    state: web::Data<AppState>,
    operator: OperatorUser,
    payload: web::Payload,
) -> Result<web::Json<DeviceCasAdded>> {
    let body = read_limited(&req, payload, MAX_TRUST_UPLOAD).await?;
    let pem = std::str::from_utf8(&body)
        .map_err(|_| Error::unprocessable("invalid_device_ca", "The upload is not PEM text."))?;
    let actor = OperatorActor::from(&operator);
    let (added, existing) =
        device_trust::add_cas(&state.db, &actor, pem, "the uploaded bundle").await?;
    let rows = device_trust::list_cas(&state.db).await?;
    let added = rows
        .iter()
        .filter(|row| added.iter().any(|a| a.sha256 == row.sha256))
        .map(device_trust::ca_dto)
        .collect();
    Ok(web::Json(DeviceCasAdded {
        added,
        already_trusted: existing as i64,
    }))
}

/// Stop trusting a CA: phones with its certificates are refused within seconds.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Device CA id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
        (status = 404, description = "No such CA (`device_ca_not_found`)", body = ApiError),
))]
#[delete("/device-cas/{id}")]
pub async fn remove_device_ca(
    state: web::Data<AppState>,
    operator: OperatorUser,
    id: web::Path<i64>,
) -> Result<HttpResponse> {
    let actor = OperatorActor::from(&operator);
    device_trust::remove_ca(&state.db, &actor, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The revocation lists in use, oldest first.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 200, description = "The revocation lists", body = Vec<DeviceCrl>),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
))]
#[get("/device-crls")]
pub async fn list_device_crls(
    state: web::Data<AppState>,
    _operator: OperatorUser,
) -> Result<web::Json<Vec<DeviceCrl>>> {
    let rows = device_trust::list_crls(&state.db).await?;
    Ok(web::Json(rows.iter().map(device_trust::crl_dto).collect()))
}

/// Use a revocation list (DER or PEM, the raw body or the `file` field of a form), which a
/// trusted device CA must have signed; a newer list of the same CA replaces the older one.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    request_body(description = "The revocation list, DER or PEM: the raw body (read as the \
        list whatever its content type, `application/pkix-crl` being the usual one), or the \
        `file` field of a form", content(
        (inline(crate::openapi::FileBody) = "application/octet-stream"),
        (crate::openapi::FileUpload = "multipart/form-data"),
    )),
    responses(
        (status = 200, description = "In use (added, replacing an older list, or already there)", body = DeviceCrl),
        (status = 400, description = "An unreadable body, or a form without a file (`missing_file`)", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
        (status = 409, description = "The list in use for this CA is newer (`older_crl`); nothing changed", body = ApiError),
        (status = 413, description = "Larger than 8 MiB", body = ApiError),
        (status = 422, description = "Not a revocation list, or not signed by a trusted device CA (`invalid_device_crl`)", body = ApiError),
))]
#[post("/device-crls")]
pub async fn add_device_crl(
    req: HttpRequest,
    state: web::Data<AppState>,
    operator: OperatorUser,
    payload: web::Payload,
) -> Result<web::Json<DeviceCrl>> {
    let body = read_limited(&req, payload, MAX_TRUST_UPLOAD).await?;
    let actor = OperatorActor::from(&operator);
    let configured = state.settings.device_ca.as_deref();
    let what = "the uploaded list";
    let (crl, stored) = device_trust::add_crl(&state.db, &actor, &body, what, configured).await?;
    if stored == Stored::Older {
        return Err(Error::conflict(
            "older_crl",
            format!(
                "The revocation list in use for {} is newer; nothing changed.",
                crl.issuer
            ),
        ));
    }
    let rows = device_trust::list_crls(&state.db).await?;
    let row = rows
        .iter()
        .find(|r| r.sha256 == crl.sha256)
        .ok_or_else(|| anyhow::anyhow!("revocation list missing right after it was stored"))?;
    Ok(web::Json(device_trust::crl_dto(row)))
}

/// Stop using a revocation list: the phones it revoked are trusted again within seconds.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Revocation list id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
        (status = 404, description = "No such list (`device_crl_not_found`)", body = ApiError),
))]
#[delete("/device-crls/{id}")]
pub async fn remove_device_crl(
    state: web::Data<AppState>,
    operator: OperatorUser,
    id: web::Path<i64>,
) -> Result<HttpResponse> {
    let actor = OperatorActor::from(&operator);
    device_trust::remove_crl(&state.db, &actor, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
