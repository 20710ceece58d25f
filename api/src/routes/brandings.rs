//! `/api/v1/brandings`: per-account sets of branding files (logo, screen image, settings).
//!
//! Every user of the account can read brandings (to assign them to phones); only Super Users
//! change them, because a branding is what every phone of the account shows. Ids of other
//! accounts' brandings answer 404, as if they did not exist. Files are uploaded as the raw
//! request body, read with a streaming size limit, and stored content-addressed.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use rcs_shared::{ApiError, Branding, BrandingPatch, NewBranding};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::body;
use crate::auth::AuthUser;
use crate::domain::branding::FileName;
use crate::error::Result;
use crate::services::brandings::{self, Upload};
use crate::services::Actor;
use crate::state::AppState;
use crate::storage::BlobStore;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_brandings)
        .service(create_branding)
        .service(get_branding)
        .service(update_branding)
        .service(delete_branding)
        .service(put_file)
        .service(get_file)
        .service(delete_file);
}

/// The account's brandings, by name, with their files and phone counts.
#[utoipa::path(tag = "brandings", security(("bearer" = [])), responses(
    (status = 200, description = "The account's brandings", body = Vec<Branding>),
    (status = 401, description = "Not logged in", body = ApiError),
))]
#[get("/brandings")]
pub async fn list_brandings(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<web::Json<Vec<Branding>>> {
    Ok(web::Json(
        brandings::list(&state.db, &Actor::from(&user)).await?,
    ))
}

/// Add a branding (Super User only); `is_default: true` makes it the account's default.
#[utoipa::path(tag = "brandings", security(("bearer" = [])), request_body = NewBranding, responses(
    (status = 201, description = "Created", body = Branding),
    (status = 400, description = "Malformed request body", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "Not a Super User", body = ApiError),
    (status = 409, description = "The account already has a branding of that name (`branding_name_taken`)", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
    (status = 422, description = "Invalid name (`invalid_branding_name`)", body = ApiError),
))]
#[post("/brandings")]
pub async fn create_branding(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<NewBranding>,
) -> Result<HttpResponse> {
    let branding = brandings::create(&state.db, &Actor::from(&user), &body).await?;
    Ok(HttpResponse::Created().json(branding))
}

/// One branding of the account, with its files.
#[utoipa::path(tag = "brandings", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Branding id")),
    responses(
        (status = 200, description = "The branding", body = Branding),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 404, description = "No such branding in the account", body = ApiError),
))]
#[get("/brandings/{id}")]
pub async fn get_branding(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<web::Json<Branding>> {
    Ok(web::Json(
        brandings::get(&state.db, &Actor::from(&user), *id).await?,
    ))
}

/// Rename a branding or make it (or stop it being) the default (Super User only).
#[utoipa::path(tag = "brandings", security(("bearer" = [])), request_body = BrandingPatch,
    params(("id" = i64, Path, description = "Branding id")),
    responses(
        (status = 200, description = "Updated", body = Branding),
        (status = 400, description = "Malformed request body", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "Not a Super User", body = ApiError),
        (status = 404, description = "No such branding in the account", body = ApiError),
        (status = 409, description = "`branding_name_taken`, or `default_branding_conflict` when another default was set at the same moment", body = ApiError),
        (status = 413, description = "The request body is too large", body = ApiError),
        (status = 422, description = "Invalid name (`invalid_branding_name`)", body = ApiError),
))]
#[patch("/brandings/{id}")]
pub async fn update_branding(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<BrandingPatch>,
) -> Result<web::Json<Branding>> {
    let branding = brandings::update(&state.db, &Actor::from(&user), *id, &body).await?;
    Ok(web::Json(branding))
}

/// What to do with the phones of a branding being deleted.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteBrandingQuery {
    /// `true`: delete even while phones use it; they fall back to the account's default.
    pub force: Option<bool>,
}

/// Delete a branding and its files (Super User only). While phones use it, this is refused
/// with 409 and their count unless `force=true`.
#[utoipa::path(tag = "brandings", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Branding id"), DeleteBrandingQuery),
    responses(
        (status = 204, description = "Deleted (and its phones left without a branding of their own)"),
        (status = 400, description = "Malformed query string", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "Not a Super User", body = ApiError),
        (status = 404, description = "No such branding in the account", body = ApiError),
        (status = 409, description = "Phones use the branding (`branding_in_use`; the message gives the count)", body = ApiError),
))]
#[delete("/brandings/{id}")]
pub async fn delete_branding(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    query: web::Query<DeleteBrandingQuery>,
) -> Result<HttpResponse> {
    let force = query.force.unwrap_or(false);
    brandings::delete(&state.db, &Actor::from(&user), *id, force).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Add or replace a file of a branding (Super User only): the body is the file's bytes. The
/// Content-Type is stored (images: checked against the bytes), else guessed from the name.
#[utoipa::path(tag = "brandings", security(("bearer" = [])),
    request_body(description = "The file's bytes: the raw body (with its Content-Type, or `application/octet-stream` to have it guessed from the name), or the `file` field of a form", content(
        (inline(crate::openapi::FileBody) = "application/octet-stream"),
        (crate::openapi::FileUpload = "multipart/form-data"),
    )),
    params(
        ("id" = i64, Path, description = "Branding id"),
        ("name" = String, Path, description = "File name: one path segment, 1 to 100 characters"),
    ),
    responses(
        (status = 200, description = "Stored; the branding with its files", body = Branding),
        (status = 400, description = "The body could not be read", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "Not a Super User", body = ApiError),
        (status = 404, description = "No such branding in the account", body = ApiError),
        (status = 413, description = "The file exceeds `branding_max_file_bytes`, or the branding's files would exceed `branding_max_total_bytes`", body = ApiError),
        (status = 422, description = "`invalid_file_name`, `invalid_content_type`, or `content_mismatch` (an image name whose bytes or Content-Type are not that format)", body = ApiError),
))]
#[put("/brandings/{id}/files/{name}")]
pub async fn put_file(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(i64, String)>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<Branding>> {
    let actor = Actor::from(&user);
    // Refused before the body is read: a caller who may not upload sends no bytes for nothing.
    actor.require_super_user()?;
    let (id, name) = path.into_inner();
    let name = FileName::parse(&name)?;
    let settings = &state.settings;
    let max_file = usize::try_from(settings.branding_max_file_bytes).unwrap_or(usize::MAX);
    let bytes = body::read_limited(&req, payload, max_file).await?;
    let declared_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let upload = Upload {
        name: &name,
        declared_type,
        bytes,
    };
    let store = BlobStore::new(&settings.data_dir);
    let max_total = settings.branding_max_total_bytes;
    Ok(web::Json(
        brandings::put_file(&state.db, store, &actor, id, upload, max_total).await?,
    ))
}

/// The bytes of a branding file, as its stored content type. Anything that is not a checked
/// image is sent as an attachment, so a browser never renders uploaded HTML or SVG.
#[utoipa::path(tag = "brandings", security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Branding id"),
        ("name" = String, Path, description = "File name"),
    ),
    responses(
        (status = 200, description = "The file's bytes", content_type = "application/octet-stream", body = String),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 404, description = "No such branding in the account (`branding_not_found`) or file (`file_not_found`)", body = ApiError),
        (status = 422, description = "Invalid file name (`invalid_file_name`)", body = ApiError),
))]
#[get("/brandings/{id}/files/{name}")]
pub async fn get_file(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse> {
    let (id, name) = path.into_inner();
    let name = FileName::parse(&name)?;
    let store = BlobStore::new(&state.settings.data_dir);
    let file = brandings::file(&state.db, &store, &Actor::from(&user), id, &name).await?;
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CONTENT_TYPE, file.content_type.as_str()));
    if name.image_kind().is_none() {
        response.insert_header((header::CONTENT_DISPOSITION, attachment(&name)));
    }
    Ok(response.body(file.bytes))
}

/// `attachment; filename="..."`, or a bare `attachment` for a name a header cannot carry
/// as plain ASCII (the client then picks a name from the URL).
fn attachment(name: &FileName) -> header::ContentDisposition {
    if name.as_str().is_ascii() {
        header::ContentDisposition::attachment(name.as_str())
    } else {
        header::ContentDisposition {
            disposition: header::DispositionType::Attachment,
            parameters: vec![],
        }
    }
}

/// Remove a file of a branding (Super User only).
#[utoipa::path(tag = "brandings", security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Branding id"),
        ("name" = String, Path, description = "File name"),
    ),
    responses(
        (status = 200, description = "Removed; the branding with its remaining files", body = Branding),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "Not a Super User", body = ApiError),
        (status = 404, description = "No such branding in the account (`branding_not_found`) or file (`file_not_found`)", body = ApiError),
        (status = 422, description = "Invalid file name (`invalid_file_name`)", body = ApiError),
))]
#[delete("/brandings/{id}/files/{name}")]
pub async fn delete_file(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(i64, String)>,
) -> Result<web::Json<Branding>> {
    let actor = Actor::from(&user);
    // Refused before the name is read, as for every change to a branding.
    actor.require_super_user()?;
    let (id, name) = path.into_inner();
    let name = FileName::parse(&name)?;
    Ok(web::Json(
        brandings::delete_file(&state.db, &actor, id, &name).await?,
    ))
}
